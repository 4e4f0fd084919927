"""Signal many builds at random moments; report exit codes and any traceback.

    python scripts/interrupt_stress.py [--runs N] [--latest SECONDS]

Generates the rebuild benchmark's workspace (about 530 notes), then runs `deck-builder
build` N times, two at a time, alternately through the installed `deck-builder` script and
`python -m deck_builder`, and sends SIGINT or SIGTERM after a random delay of up to
--latest seconds. Prints the count of each (signal, exit code) and every stderr that holds
a traceback. Expected: 0 (finished first), 130 (Ctrl-C), 143 (SIGTERM), 1 with click's
"Aborted!" (Ctrl-C while click parses or prints), -2/-15 (the signal arrived before any of
our code ran, or after the command was done). A traceback is a bug, except CPython's own
"Fatal Python error: init_import_site" when the signal lands in Python's start-up.
"""

from __future__ import annotations

import argparse
import collections
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from rebuild import make_workspace  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--latest", type=float, default=0.5, help="the longest delay before the signal")
    args = parser.parse_args()
    script = shutil.which("deck-builder")
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        make_workspace(ws)

        def one(i: int):
            out = Path(tmp) / f"out{i % 2}" / "deck.apkg"
            entry = [sys.executable, "-m", "deck_builder"] if i % 2 or script is None else [script]
            sig = signal.SIGINT if i % 4 < 2 else signal.SIGTERM
            proc = subprocess.Popen(entry + ["build", str(ws), "-o", str(out)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(random.uniform(0.01, args.latest))
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=120)
            return sig.name, proc.returncode, err

        outcomes: collections.Counter = collections.Counter()
        bugs = 0
        with ThreadPoolExecutor(2) as pool:
            for sig, code, err in pool.map(one, range(args.runs)):
                outcomes[(sig, code)] += 1
                if "Traceback" in err and not err.startswith("Fatal Python error: init_import_site"):
                    bugs += 1
                    print(f"{sig} exit {code}:\n{err}")
    for (sig, code), n in sorted(outcomes.items()):
        print(f"{sig:8} exit {code:>4}: {n}")
    print(f"tracebacks: {bugs}")


if __name__ == "__main__":
    main()
