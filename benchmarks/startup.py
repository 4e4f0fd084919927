"""Start-up: how long `deck-builder --help` and `deck-builder check` take, next to a bare Python
and to `python -c "import click"` (what any click program pays: issue 12's baseline for --help,
target 1.3x).

    python benchmarks/startup.py [--runs N]

Each command runs as a new process, as a user types it. Also lists which of the heavy
modules each one imports (none for --help: genanki, markdown-it and PyYAML load only in
the commands that use them).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

from baseline import ENV, timed, warm

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("genanki", "markdown_it", "yaml", "sqlite3", "chevron")


def median_time(cmd: list[str], runs: int) -> float:
    warm(cmd)
    return statistics.median(timed(cmd) for _ in range(runs))


def imported(args: list[str]) -> list[str]:
    code = ("import sys\nfrom deck_builder.cli import main\n"
            f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
            f"print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    line = [x for x in out.splitlines() if x.startswith("HEAVY:")][-1]
    return [m for m in line[len("HEAVY:"):].split(",") if m]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    example = str(REPO / "decks" / "example")
    rows = [
        ("python -c pass", [sys.executable, "-c", "pass"], None),
        ('python -c "import click"', [sys.executable, "-c", "import click"], None),
        ("deck-builder --help", [sys.executable, "-m", "deck_builder", "--help"], ["--help"]),
        ("deck-builder check decks/example", [sys.executable, "-m", "deck_builder", "check", example],
         ["check", example]),
    ]
    base = None
    times = {}
    for name, cmd, args in rows:
        t = times[name] = median_time(cmd, runs)
        base = base or t
        heavy = imported(args) if args else []
        print(f"{name:<34} {t * 1000:7.0f} ms  (+{(t - base) * 1000:4.0f} ms over bare Python)"
              + (f"  imports: {', '.join(heavy) or 'none of ' + '/'.join(HEAVY)}" if args else ""))
    ratio = times["deck-builder --help"] / times['python -c "import click"']
    print(f"deck-builder --help / import click: {ratio:.2f}x (target: 1.3x or less)")


if __name__ == "__main__":
    main()
