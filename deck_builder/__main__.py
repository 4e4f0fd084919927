"""The deck-builder command (console script and `python -m deck_builder`).

The entry point imports nothing heavy before it guards the rest: a Ctrl-C while Python is
still importing the CLI ends as an interrupt, never a traceback (deck_builder/interrupts.py).
"""

from __future__ import annotations

import signal
import sys

from deck_builder.interrupts import (
    exit_code,
    finalizers_pass_interrupts_on,
    interruption,
)


def run() -> None:
    """The deck-builder command: the CLI, with an interrupt during start-up handled too."""
    try:
        with finalizers_pass_interrupts_on():
            from deck_builder.cli import main

            main()
    except BaseException as exc:
        # Ctrl-C while Python is still importing, or while click reads the command line (before
        # its own handling of Ctrl-C begins): nothing has been done yet. One inside the command
        # is the command's (interruptible) or click's ("Aborted!") and does not come out here.
        interrupt = interruption(exc)
        if interrupt is None:
            raise
        print("\nInterrupted while starting; nothing was changed.", file=sys.stderr)
        raise SystemExit(exit_code(interrupt)) from None
    finally:
        # The command is done. A Ctrl-C while Python shuts down now ends the process quietly
        # (as killed by SIGINT) instead of printing an ignored KeyboardInterrupt.
        signal.signal(signal.SIGINT, signal.SIG_DFL)


if __name__ == "__main__":
    run()
