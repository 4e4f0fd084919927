"""`deck-builder check` against the size of one pasted text: time, and how it grows.

    python benchmarks/check_size.py [--runs N] [--sizes 0.1,0.5,1,2,5] [--into point,notes,block]

A workspace with one answer and one company, and one huge paste (a web page's text, sentences
drawn from the example workspace's words) into a talking point (one quoted line), a person's
`notes` (one unquoted line) or a block (`notes: |`, a line break every 100 characters, as
LinkedIn and Word text arrives). Each check is a new process (what a user waits for). Prints
the median per size in MB (wall clock, and CPU time, which a busy machine does not stretch), how time grows (linear is x2 per doubling of the size, quadratic
x4), and issue 18's target: a 5 MB paste checks in under 2 s.
"""

from __future__ import annotations

import argparse
import math
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from baseline import ENV
from check import vocabulary

TARGET_S = 2.0
TARGET_MB = 5.0


def paste(size: int, rng: random.Random) -> str:
    """SIZE characters of sentences."""
    words, weights = vocabulary(rng)
    out: list[str] = []
    length = 0
    while length < size:
        s = " ".join(rng.choices(words, weights, k=rng.randint(6, 16))) + "."
        out.append(s)
        length += len(s) + 1
    return " ".join(out)[:size]


def make_workspace(root: Path, size: int, into: str) -> None:
    rng = random.Random(size)
    text = paste(size, rng)
    (root / "companies").mkdir(parents=True)
    point = f'"{text}"' if into == "point" else "Lead a small team within 3 years."
    (root / "answers.yaml").write_text(f"career-goals:\n  points:\n    - {point}\n", encoding="utf-8")
    if into == "notes":
        notes = " " + text.replace(": ", " - ").replace(" #", " ")
    elif into == "block":
        notes = " |\n" + "\n".join("      " + text[i:i + 100].strip() for i in range(0, len(text), 100))
    else:
        notes = " Leads the platform group."
    (root / "companies" / "acme.yaml").write_text(
        f"name: Acme\npeople:\n  - name: Dana Okafor\n    role: CTO\n    notes:{notes}\n", encoding="utf-8")


def check_seconds(root: Path) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds) of one check: on a busy machine the two differ."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "deck_builder", "check", str(root)], capture_output=True, env=ENV, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="0.1,0.5,1,2,5", help="sizes of the paste, in MB")
    parser.add_argument("--into", default="point,notes,block")
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        for into in args.into.split(","):
            print(f"paste into {into}")
            print(f"  {'MB':>5}  {'check s':>8}  {'CPU s':>6}  {'x per doubling':>14}")
            rows = []
            for mb in sizes:
                root = Path(tmp) / f"{into}-{mb}"
                make_workspace(root, int(mb * 1_000_000), into)
                runs = [check_seconds(root) for _ in range(args.runs)]
                seconds = statistics.median(w for w, _ in runs)
                cpu = statistics.median(c for _, c in runs)
                growth = ""
                if rows and rows[-1][0] > 0 and mb > rows[-1][0] and rows[-1][1] > 0:
                    doublings = math.log2(mb / rows[-1][0])
                    growth = f"{(seconds / rows[-1][1]) ** (1 / doublings):.2f}"
                rows.append((mb, seconds))
                print(f"  {mb:>5.1f}  {seconds:>8.2f}  {cpu:>6.2f}  {growth:>14}")
            at = [s for mb, s in rows if mb == TARGET_MB]
            if at:
                print(f"  target at {TARGET_MB:.0f} MB: {TARGET_S:.1f} s or less; measured {at[0]:.2f} s")


if __name__ == "__main__":
    main()
