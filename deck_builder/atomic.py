"""Replace a file whole or not at all: write beside it, then rename over it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(out: Path) -> Iterator[Path]:
    """A temporary path to write; renamed over OUT when the block succeeds, removed in any case.

    A reader (or Anki) never sees half a file, and an interrupted write leaves OUT as it was.
    Temporary files that earlier processes killed outright left beside OUT are removed first."""
    remove_stale_temporaries(out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")  # .NAME.PID.tmp, beside OUT
    try:
        yield tmp
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def remove_stale_temporaries(out: Path) -> None:
    """The .NAME.PID.tmp files beside OUT of processes that were killed outright (SIGKILL,
    power loss) while writing it: their process is gone, so nothing will finish them."""
    prefix = f".{out.name}."
    try:
        entries = list(out.parent.iterdir())  # not a glob: a deck name may hold [ or *
    except OSError:
        return
    for stale in entries:
        name = stale.name
        pid = name[len(prefix) : -len(".tmp")]
        if not (name.startswith(prefix) and name.endswith(".tmp")) or not pid.isdigit() or int(pid) == os.getpid():
            continue
        if not _running(int(pid)):
            stale.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    if os.name == "nt":  # there os.kill(pid, 0) would end that process: leave the file
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # running, as another user
        return True
    return True
