"""Rebuild speed: a one-line edit in a realistic workspace, to the written package.

    python benchmarks/rebuild.py [--runs N]

Generates a workspace of about 530 notes (120 answered questions with their key points,
40 stories, 4 companies), builds it once, then edits one talking point and rebuilds, N
times, each rebuild the whole command in a new process (`deck-builder build`, what a user
waits for after saving). Beside it, the baseline: benchmarks/baseline.py, a plain genanki
script writing the same notes, also as its own process. Prints the medians and the ratio, and
the median CPU time of each (which other work on a busy machine changes far less).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import yaml
from baseline import baseline_command, build_command, export_notes, timed_cpu, warm


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

    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        make_workspace(root)
        out = Path(tmp) / "bench.apkg"
        first = build_deck(str(root), out)
        notes_file = Path(tmp) / "notes.json"
        export_notes(first.plan, notes_file)
        ours_cmd = build_command(root, out)
        base_cmd = baseline_command(notes_file, Path(tmp) / "baseline.apkg")
        warm(ours_cmd, base_cmd)
        ours, baseline = [], []
        for i in range(runs):
            edit_one_point(root, i)
            ours.append(timed_cpu(ours_cmd))
            baseline.append(timed_cpu(base_cmd))
        changed = build_deck(str(root), out).plan  # nothing left to change: the last command wrote it all
        assert not changed.changed, changed.changed
        notes = len(first.plan.notes)
        cards = sum(c for _, c in first.counts.values())
    cpu = lambda xs: statistics.median(c for _, c in xs) * 1000  # noqa: E731
    ms = lambda xs: statistics.median(w for w, _ in xs) * 1000  # noqa: E731
    print(f"workspace: {notes} notes, {cards} cards; {runs} rebuilds after a one-line edit (medians)")
    print("each a whole command in a new process")
    print(f"  deck-builder build (start-up, load, validate, render, write)  {ms(ours):7.1f} ms")
    print(f"  plain genanki script writing the same notes                   {ms(baseline):7.1f} ms")
    print(f"  ratio                                                         {ms(ours) / ms(baseline):7.2f}x")
    print(f"  CPU time (user + system): {cpu(ours):.0f} ms vs {cpu(baseline):.0f} ms, {cpu(ours) / cpu(baseline):.2f}x")


if __name__ == "__main__":
    main()
