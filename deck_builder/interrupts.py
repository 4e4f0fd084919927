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


class finalizers_pass_interrupts_on:
    """A Ctrl-C or SIGTERM that lands in a finalizer (a weakref callback of Python's import
    machinery, a __del__) is printed as "Exception ignored in ..." and dropped by CPython, and
    the command would go on. Inside, it is sent again a moment later instead, to land in the
    command itself."""

    def __enter__(self):
        self.previous = sys.unraisablehook
        sys.unraisablehook = self._hook
        return self

    def __exit__(self, *exc):
        sys.unraisablehook = self.previous
        return False

    def _hook(self, unraisable) -> None:
        try:
            interrupt = interruption(unraisable.exc_value)
            if interrupt is None:
                self.previous(unraisable)
                return
        except BaseException as exc:  # a second Ctrl-C, landing in this hook
            interrupt = interruption(exc)
            if interrupt is None:
                raise
        self._send_again(interrupt)

    @staticmethod
    def _send_again(interrupt: type) -> None:
        """Send INTERRUPT to the main thread again, a moment later, from another thread (one
        raised here would land in this hook again). On a busy machine the main thread may still
        be in here when it arrives (Thread.start waits for the thread it starts): CPython would
        drop it as "Exception ignored in sys.unraisablehook", so it is caught and sent again."""
        import _thread
        import threading

        signum = signal.SIGTERM if interrupt is Terminated else signal.SIGINT
        main = threading.main_thread().ident
        delay = 0.01
        while True:
            try:
                if hasattr(signal, "pthread_kill"):  # to the main thread: it wakes from a sleep
                    again = threading.Timer(delay, signal.pthread_kill, (main, signum))
                else:
                    again = threading.Timer(delay, _thread.interrupt_main, (signum,))
                again.daemon = True
                again.start()
                return
            except RuntimeError as exc:
                if interruption(exc) is None:
                    return  # Python is shutting down: the command is done
            except BaseException as exc:
                if interruption(exc) is None:
                    raise
            # the one sent before has landed while still in here: send it once more, later
            delay = min(delay * 2, 0.5)


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
        self.finalizers = finalizers_pass_interrupts_on().__enter__()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.finalizers.__exit__()
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)
        interrupt = interruption(exc)
        if interrupt is not None:
            print(f"\nInterrupted; {self.what}.", file=sys.stderr)
            raise SystemExit(exit_code(interrupt)) from None
        return False
