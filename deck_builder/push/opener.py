"""Hand a package to the system's default handler (Anki desktop imports .apkg files)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def open_package(path: Path) -> str | None:
    """Open PATH with the default application; returns why it could not, or None."""
    path = path.resolve()
    advice = f"copy {path} to a computer with Anki and open it there"
    try:
        if sys.platform == "darwin":
            subprocess.run(["open", str(path)], check=True, capture_output=True)
        elif os.name == "nt":
            os.startfile(str(path))  # type: ignore[attr-defined]
        else:
            if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
                return f"there is no desktop session here (no DISPLAY); {advice}"
            opener = shutil.which("xdg-open")
            if opener is None:
                return f"xdg-open is not installed, so there is no default application to ask; {advice}"
            # xdg-open hands the file over and returns; a non-zero status means nothing took it.
            proc = subprocess.Popen([opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    start_new_session=True)
            try:
                _, err = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                return None  # still running: an application has it
            if proc.returncode != 0:
                detail = err.decode(errors="replace").strip().splitlines()[-1:] or [f"status {proc.returncode}"]
                return f"xdg-open could not open it ({detail[0]}); is Anki installed? {advice}"
    except (OSError, subprocess.CalledProcessError) as exc:
        return f"the default application could not be started ({exc}); {advice}"
    return None
