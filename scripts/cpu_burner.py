"""Keep every core busy, as another program on a user's machine would (issue 17: a load-proof suite).

    python scripts/cpu_burner.py [--processes N] [--seconds S] &
    python -m pytest

Starts N busy processes (default: one per core) at normal priority and stops them after S
seconds (default: 3 hours) or on Ctrl-C / SIGTERM. The suite must pass beside it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import sys
import time


def burn(until: float) -> None:
    x = 0
    while time.monotonic() < until:
        for _ in range(100_000):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2, help="busy processes (default: one per core)")
    parser.add_argument("--seconds", type=float, default=3 * 3600, help="stop after this long (default: 3 hours)")
    args = parser.parse_args()
    until = time.monotonic() + args.seconds
    procs = [multiprocessing.Process(target=burn, args=(until,), daemon=True) for _ in range(args.processes)]
    for p in procs:
        p.start()

    def stop(*_):
        for p in procs:
            p.terminate()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print(f"burning {args.processes} cores for up to {args.seconds:.0f} s (pid {os.getpid()})", flush=True)
    try:
        for p in procs:
            p.join()
    except KeyboardInterrupt:
        stop()


if __name__ == "__main__":
    main()
