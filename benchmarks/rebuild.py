"""Rebuild speed: a one-line edit in a realistic workspace, to the written package.

    python benchmarks/rebuild.py [--runs N]

Generates a workspace of about 530 notes (120 answered questions with their key points,
40 stories, 4 companies), builds it once, then edits one talking point and rebuilds, N
times. Beside it, the baseline: a plain genanki script writing the same notes. Prints the
medians and the ratio. Also times the whole command (`deck-builder build`, a new Python
process each time), which is what a user waits for after saving.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from scale import genanki_baseline  # the same plain-genanki script as the scale benchmark


def make_workspace(root: Path, questions: int = 120, stories: int = 40, companies: int = 4) -> None:
    """A believable, large-ish workspace (all generated text)."""
    root.mkdir(parents=True)
    (root / "questions").mkdir()
    (root / "companies").mkdir()
    (root / "deck.yaml").write_text("deck: Bench\nbanks: []\n")
    qs = [{"id": f"q{i}", "ask": f"Tell me about situation number {i} at {{company}}.", "category": "general",
           "why": "They check depth and evidence."} for i in range(questions)]
    (root / "questions" / "bench.yaml").write_text(yaml.safe_dump({"bank": "Bench", "questions": qs}))
    (root / "stories.yaml").write_text(yaml.safe_dump({
        f"s{i}": {"title": f"Story {i}", "situation": "A busy **peak** season.", "task": "Fix the backlog.",
                  "action": "Re-planned shifts and added a night crew.", "result": f"Backlog cleared in {i + 3} days."}
        for i in range(stories)}))
    (root / "answers.yaml").write_text(yaml.safe_dump({
        f"q{i}": {"points": [f"Point {j} of answer {i}, a short and specific claim." for j in range(4)],
                  "stories": [f"s{i % stories}"]} for i in range(questions)}))
    for c in range(companies):
        facts = [{"q": f"What is fact {k} of company {c}?", "a": f"It is {k * 7}.", "source": "Annual report"}
                 for k in range(25)]
        facts += [{"cloze": f"Company {c} has {{{{c1::{k}}}}} sites and {{{{c2::{k * 3}}}}} depots.", "id": f"cz{k}",
                   "source": "Annual report"} for k in range(5)]
        (root / "companies" / f"co{c}.yaml").write_text(yaml.safe_dump({
            "name": f"Company {c}", "role": "Director",
            "facts": facts,
            "products": [{"name": f"Product {k}", "about": "A service for merchants."} for k in range(5)],
            "people": [{"name": f"Person {k} of {c}", "role": f"Role {k}", "notes": "Met at a conference."}
                       for k in range(6)],
            "tailoring": {f"q{k}": [f"Tailored point {j}." for j in range(3)] for k in range(10)},
            "questions_to_ask": ["What does success look like?", "What is the biggest risk?"],
        }))


def edit_one_point(root: Path, n: int) -> None:
    path = root / "answers.yaml"
    text = path.read_text()
    marker = "Point 0 of answer 7,"
    start = text.index(marker)
    end = text.index("\n", start)
    path.write_text(text[:start] + f"{marker} edited {n} times." + text[end:])


def main() -> None:
    import warnings

    from deck_builder.build import build_deck
    from deck_builder.notetypes import note_types, stylesheet

    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        make_workspace(root)
        out = Path(tmp) / "bench.apkg"
        first = build_deck(str(root), out)
        ours, baseline, command = [], [], []
        for i in range(runs):
            edit_one_point(root, i)
            t0 = time.perf_counter()
            result = build_deck(str(root), out)
            ours.append(time.perf_counter() - t0)
            assert len(result.plan.changed) == 2, result.plan.changed  # the answer and its point cards

            t0 = time.perf_counter()
            genanki_baseline(result.plan, note_types(), stylesheet(), Path(tmp) / "baseline.apkg")
            baseline.append(time.perf_counter() - t0)

            edit_one_point(root, i + 1000)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "deck_builder", "build", str(root), "-o", str(out)],
                           check=True, capture_output=True)
            command.append(time.perf_counter() - t0)
        notes = len(first.plan.notes)
        cards = sum(c for _, c in first.counts.values())
    ms = lambda xs: statistics.median(xs) * 1000  # noqa: E731
    print(f"workspace: {notes} notes, {cards} cards; {runs} rebuilds after a one-line edit (medians)")
    print(f"  deck-builder rebuild (load, validate, render, write) {ms(ours):8.1f} ms")
    print(f"  plain genanki writing the same notes                 {ms(baseline):8.1f} ms")
    print(f"  ratio                                                {ms(ours) / ms(baseline):8.2f}x")
    print(f"  whole command, new process (`deck-builder build`)    {ms(command):8.1f} ms")


if __name__ == "__main__":
    main()
