"""Ctrl-C and SIGTERM: a clean message and exit code, never a traceback.

Kept apart from cli.py, and importing nothing heavy, so the entry point can guard the
import of everything else.
"""

from __future__ import annotations

import signal
import sys


class Terminated(BaseException):
    """SIGTERM, raised where the build happens to be (a BaseException, like KeyboardInterrupt).

    Not a KeyboardInterrupt: CPython remembers a KeyboardInterrupt that passed through code
    compiled from a string (dataclasses and namedtuples are), and under `python -m` it then
    kills itself with SIGINT after our clean exit."""


def interruption(exc: BaseException | None) -> type | None:
    """KeyboardInterrupt or Terminated, if EXC is one or was raised because of one.

    Python 3.11 wraps an exception raised while a class is being created (in __set_name__,
    as functools.cached_property is) in a RuntimeError, so Ctrl-C landing in an import can
    arrive as a RuntimeError whose cause is the KeyboardInterrupt."""
    for _ in range(10):
        if exc is None:
            return None
        if isinstance(exc, Terminated):
            return Terminated
        if isinstance(exc, KeyboardInterrupt):
            return KeyboardInterrupt
        exc = exc.__cause__
    return None


def exit_code(interrupt: type) -> int:
    return 143 if interrupt is Terminated else 130  # 128 + SIGTERM / SIGINT, as shells report


class interruptible:
    """Ctrl-C or SIGTERM inside: say WHAT (e.g. that the old package is unchanged: it is
    written to a temporary file and renamed) and exit 130 (Ctrl-C) or 143 (SIGTERM)."""

    def __init__(self, what: str):
        self.what = what

    def __enter__(self):
        def on_term(signum, frame):
            raise Terminated

        try:
            self.previous = signal.signal(signal.SIGTERM, on_term)
        except ValueError:  # not the main thread (e.g. inside some test runners)
            self.previous = None
        if self.previous is not None and hasattr(signal, "setitimer"):
            self.previous_unraisable = sys.unraisablehook
            sys.unraisablehook = self._unraisable
        return self

    def _unraisable(self, unraisable) -> None:
        """A Ctrl-C or SIGTERM that lands where Python cannot raise it (a weakref callback,
        such as the one the import system runs after each import, or a __del__) would be
        printed as "Exception ignored" and lost: deliver it again a millisecond later."""
        interrupt = interruption(unraisable.exc_value)
        if interrupt is None:
            return self.previous_unraisable(unraisable)

        def again(signum, frame):
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            raise interrupt()

        signal.signal(signal.SIGALRM, again)
        signal.setitimer(signal.ITIMER_REAL, 0.001)

    def __exit__(self, exc_type, exc, tb):
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)
            if sys.unraisablehook == self._unraisable:
                sys.unraisablehook = self.previous_unraisable
        interrupt = interruption(exc)
        if interrupt is not None:
            print(f"\nInterrupted; {self.what}.", file=sys.stderr)
            raise SystemExit(exit_code(interrupt)) from None
        return False


def run() -> None:
    """The deck-builder command: the CLI, with an interrupt during start-up handled too."""
    try:
        from .cli import main
    except BaseException as exc:  # Ctrl-C while Python is still importing: nothing has been done yet
        interrupt = interruption(exc)
        if interrupt is None:
            raise
        print("\nInterrupted while starting; nothing was changed.", file=sys.stderr)
        raise SystemExit(exit_code(interrupt)) from None
    try:
        main()
    finally:
        # The command is done. A Ctrl-C while Python shuts down now ends the process quietly
        # (as killed by SIGINT) instead of printing an ignored KeyboardInterrupt.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
