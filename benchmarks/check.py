"""`deck-builder check` on large workspaces: time, how it grows, and against difflib alone.

    python benchmarks/check.py [--shape realistic|alike] [--runs N] [--sizes 2500,5000,10000] [--against SOURCE]

Both shapes are benchmarks/scale.py's (answers with key points, stories, companies with
facts, products and people).
  realistic  every text is a different sentence drawn from the words of the example workspace
             and the built-in banks, as real research reads; a few real near duplicates are
             planted, so the search has something to find.
  alike      one template per kind with numbers changed ("In which year did Company 3 open
             site 12?", "Point 2 of answer 40, short and specific."): nearly every pair of
             facts is a candidate, and most are near duplicates (issue 17's worst case).
Each check is a new process (what a user waits for), timed alternating with the baseline:
the same `deck-builder check` with the near-duplicate ratio computed by difflib's
SequenceMatcher alone (lint.similar_by_difflib, as before rapidfuzz), or with --against
SOURCE, `deck-builder check` from an older checkout's sources. Both must print the same
warnings. Prints the medians per size side by side (wall time, and CPU time, which other
processes on a shared machine move less), the ratio, how time grows against the notes
(quadratic would be x4 per doubling), and the target: 2 s at 10,000 notes.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
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


def make_alike_workspace(root: Path, notes: int, seed: int = 1) -> None:
    """Every fact one of three templates with numbers changed, every answer one template."""
    from scale import interview_sources

    rng = random.Random(seed)
    rest = interview_sources(root, notes, "Alike", markdown=False)
    companies = max(1, rest // 500)
    per = rest // companies
    for c in range(companies):
        n_facts, n_people = per * 7 // 10, per // 10
        facts = []
        for k in range(n_facts):
            if k % 3 == 0:
                fact = {"q": f"In which year did Company {c} open site {k}?", "a": f"In {rng.randint(1950, 2025)}."}
            elif k % 3 == 1:
                fact = {"q": f"How many staff work at site {k} of Company {c}?",
                        "a": f"{rng.randint(5, 3000)}, up {rng.randint(1, 30)}% on last year."}
            else:
                fact = {"cloze": f"Company {c} runs {{{{c1::{k}}}}} sites and {{{{c2::{rng.randint(1, 900)}}}}} depots."}
            facts.append({**fact, "source": f"Annual report {2020 + k % 6}", "id": f"f{k}"})
        (root / "companies" / f"co{c}.yaml").write_text(yaml.safe_dump({
            "name": f"Company {c}", "role": "Director", "facts": facts,
            "products": [{"name": f"Product {k}", "about": "A service for merchants.", "id": f"p{k}"}
                         for k in range(per - n_facts - n_people - 1)],
            "people": [{"name": f"Person {k}", "role": f"Role {k}", "notes": "Met at a conference.", "id": f"h{k}"}
                       for k in range(n_people)],
            "questions_to_ask": ["What does success look like?"],
        }))


SHAPES = {"realistic": make_workspace, "alike": make_alike_workspace}

# `deck-builder check` with the near-duplicate ratio by difflib's SequenceMatcher alone.
BASELINE = ("import functools, sys; from deck_builder.sources import lint; "
            "lint.near_duplicates = functools.partial(lint.near_duplicates, similar=lint.similar_by_difflib); "
            "from deck_builder.__main__ import run; run()")


def check_command(root: Path) -> list[str]:
    return [sys.executable, "-m", "deck_builder", "check", str(root)]


def baseline_command(root: Path) -> list[str]:
    return [sys.executable, "-c", BASELINE, "check", str(root)]


def against_command(root: Path, source: Path) -> list[str]:
    """`deck-builder check` from the deck_builder package in SOURCE (an older checkout)."""
    code = f"import sys; sys.path.insert(0, {str(source)!r}); from deck_builder.__main__ import run; run()"
    return [sys.executable, "-c", code, "check", str(root)]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_check(cmd: list[str]) -> tuple[float, float, str]:
    """Seconds start to exit, seconds of CPU (less moved by other processes on a shared
    machine), and what the check printed (its warnings, then its summary)."""
    start, cpu = time.perf_counter(), _cpu()
    done = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    took, cpu = time.perf_counter() - start, _cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return took, cpu, done.stderr + done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="realistic")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="2500,5000,10000")
    parser.add_argument("--against", type=Path, metavar="SOURCE",
                        help="baseline: `deck-builder check` from the deck_builder package in SOURCE instead "
                             "(an older checkout, e.g. from `git archive REV | tar -x -C SOURCE`)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            root = Path(tmp) / f"ws{size}"
            SHAPES[args.shape](root, size)
            ours_cmd = check_command(root)
            base_cmd = against_command(root, args.against.resolve()) if args.against else baseline_command(root)
            ours, base = [], []
            for _ in range(args.runs):
                ours.append(timed_check(ours_cmd))
                base.append(timed_check(base_cmd))
            if {out for _, _, out in ours + base} != {ours[0][2]}:
                raise SystemExit(f"at {size} notes, check and the difflib baseline printed different warnings")
            rows.append((size, statistics.median(t for t, _, _ in ours), statistics.median(t for t, _, _ in base),
                         statistics.median(c for _, c, _ in ours), statistics.median(c for _, c, _ in base),
                         ours[0][2].splitlines()[-1]))
    baseline = (f"check from {args.against}" if args.against
                else "the same check, near-duplicate ratio by difflib alone")
    print(f"deck-builder check, {args.shape} shape, a new process each (medians); baseline: {baseline}")
    print(f"{'notes':>7} {'check':>8} {'baseline':>9} {'ratio':>6}   {'CPU: check':>10} {'baseline':>9}   "
          "summary (the same for both)")
    for size, took, base, cpu, base_cpu, last in rows:
        print(f"{size:>7} {took:>6.2f} s {base:>7.2f} s {took / base:>5.2f}x   {cpu:>8.2f} s {base_cpu:>7.2f} s   {last}")
    for (a, ta, *_), (b, tb, *_) in zip(rows, rows[1:]):
        print(f"  {a} -> {b} notes (x{b / a:.1f}): time x{tb / ta:.2f} (quadratic would be x{(b / a) ** 2:.1f})")
    if rows and rows[-1][0] == 10000:
        print(f"target at 10,000 notes: {TARGET_S:.1f} s or less; measured {rows[-1][1]:.2f} s")


if __name__ == "__main__":
    main()
