"""Replace a file whole or not at all: write beside it, then rename over it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(out: Path) -> Iterator[Path]:
    """A temporary path to write; renamed over OUT when the block succeeds, removed in any case.

    A reader (or Anki) never sees half a file, and an interrupted write leaves OUT as it was."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")  # .NAME.PID.tmp, beside OUT
    try:
        yield tmp
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
