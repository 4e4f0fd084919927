"""`deck-builder check` on large, realistic workspaces: time, and how it grows.

    python benchmarks/check.py [--runs N] [--sizes 2500,5000,10000]

The workspaces are benchmarks/scale.py's shape (answers with key points, stories, companies
with facts, products and people), but every text is a different sentence drawn from the
words of the example workspace and the built-in banks, as real research reads, rather than
one template with a number changed (which makes every fact a near duplicate of every other
and measures only the warnings). A few real near duplicates are planted, so the search has
something to find. Each check is a new process (what a user waits for). Prints the median
per size, how time grows against the notes (quadratic would be x4 per doubling), and
issue 12's target: 2 s at 10,000 notes.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml
from baseline import ENV

REPO = Path(__file__).resolve().parent.parent
TARGET_S = 2.0


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Words as a year of research uses them: the words of the example workspace and the built-in
    banks, as often as they are used there ("the", "and" often), and a long tail of the names,
    places, products and figures that make up most of the rest of real notes (5,000 made-up
    words, the n-th of them 1/n as likely, as in English text)."""
    text = " ".join(p.read_text(encoding="utf-8") for p in [*REPO.glob("decks/example/**/*.yaml"),
                                                          *REPO.glob("decks/banks/*.yaml")])
    counts = Counter(w.lower() for w in re.findall(r"[A-Za-z][a-z]+", text))
    words = sorted(counts)
    weights = [counts[w] / sum(counts.values()) * 0.7 for w in words]
    tail = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(3, 10))).capitalize() for _ in range(5000)]
    harmonic = sum(1 / r for r in range(1, len(tail) + 1))
    return words + tail, weights + [0.3 / (r * harmonic) for r in range(1, len(tail) + 1)]


def make_workspace(root: Path, notes: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    words, weights = vocabulary(rng)

    def sentence(low: int = 6, high: int = 14) -> str:
        s = " ".join(rng.choices(words, weights, k=rng.randint(low, high)))
        return s[0].upper() + s[1:] + rng.choice([".", ".", f" by {rng.randint(2, 90)}%.", f" in {rng.randint(2000, 2026)}."])

    root.mkdir(parents=True)
    (root / "questions").mkdir()
    (root / "companies").mkdir()
    (root / "deck.yaml").write_text("deck: Check\nbanks: []\npoint_cards: false\n")
    n_answers, n_stories = max(1, notes * 3 // 10), max(1, notes // 10)
    qs = [{"id": f"q{i}", "ask": sentence()[:-1] + "?", "why": sentence()} for i in range(n_answers)]
    (root / "questions" / "bank.yaml").write_text(yaml.safe_dump({"bank": "Check", "questions": qs}))
    (root / "stories.yaml").write_text(yaml.safe_dump({
        f"s{i}": {"title": sentence(3, 6), "situation": sentence(), "task": sentence(), "action": sentence(),
                  "result": f"Cut costs by {rng.randint(2, 60)}%. " + sentence()} for i in range(n_stories)}))
    answers = {f"q{i}": {"points": [sentence(5, 12) for _ in range(4)], "stories": [f"s{i % n_stories}"]}
               for i in range(n_answers)}
    for i in range(0, n_answers - 1, 200):  # a near duplicate now and then: one word changed
        answers[f"q{i + 1}"]["points"] = [*answers[f"q{i}"]["points"][:3], answers[f"q{i}"]["points"][3] + " Really."]
    (root / "answers.yaml").write_text(yaml.safe_dump(answers))
    rest = notes - n_answers - n_stories
    companies = max(1, rest // 500)
    per = rest // companies
    for c in range(companies):
        n_facts, n_people = per * 7 // 10, per // 10
        facts = [{"q": sentence()[:-1] + "?", "a": sentence(), "source": f"Annual report {2020 + k % 6}, p. {k}",
                  "id": f"f{k}"} for k in range(n_facts)]
        facts.append({**facts[0], "id": "again", "a": facts[0]["a"] + " Again."})
        (root / "companies" / f"co{c}.yaml").write_text(yaml.safe_dump({
            "name": f"Company {c}", "role": "Director",
            "facts": facts,
            "products": [{"name": sentence(2, 3)[:-1], "about": sentence(), "id": f"p{k}"}
                         for k in range(per - n_facts - n_people - 2)],
            "people": [{"name": sentence(2, 2)[:-1], "role": sentence(2, 4)[:-1], "notes": sentence(), "id": f"h{k}"}
                       for k in range(n_people)],
            "questions_to_ask": [sentence()[:-1] + "?" for _ in range(3)],
        }))


def timed_check(root: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "deck_builder", "check", str(root)], capture_output=True, text=True,
                          env=ENV)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"check failed on {root}:\n{done.stderr[-2000:]}")
    return took, done.stdout.splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="2500,5000,10000")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            root = Path(tmp) / f"ws{size}"
            make_workspace(root, size)
            runs = [timed_check(root) for _ in range(args.runs)]
            rows.append((size, statistics.median(t for t, _ in runs), runs[0][1]))
    print("deck-builder check, a new process each (medians)")
    for size, took, last in rows:
        print(f"{size:>7} notes  {took:6.2f} s   {last}")
    for (a, ta, _), (b, tb, _) in zip(rows, rows[1:]):
        print(f"  {a} -> {b} notes (x{b / a:.1f}): time x{tb / ta:.2f} (quadratic would be x{(b / a) ** 2:.1f})")
    if rows and rows[-1][0] == 10000:
        print(f"target at 10,000 notes: {TARGET_S:.1f} s or less; measured {rows[-1][1]:.2f} s")


if __name__ == "__main__":
    main()
