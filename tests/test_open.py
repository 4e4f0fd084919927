"""deck-builder build --open: hand the package to the desktop's default application."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time


def run_build_open(example, env):
    return subprocess.run(
        [sys.executable, "-m", "deck_builder", "build", str(example), "--open"],
        capture_output=True, text=True, env=env, timeout=60,
    )


def test_open_hands_the_package_to_xdg_open(example, tmp_path):
    # A stand-in for the desktop's xdg-open (an external program, not our code) records its argument.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "opened.txt"
    script = bin_dir / "xdg-open"
    script.write_text(f"#!/bin/sh\nprintf '%s' \"$1\" > {record}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "DISPLAY": ":0"}
    env.pop("WAYLAND_DISPLAY", None)
    result = run_build_open(example, env)
    assert result.returncode == 0, result.stderr
    package = (example / "build" / "Interview Prep.apkg").resolve()
    assert f"Opened {example / 'build' / 'Interview Prep.apkg'}" in result.stdout
    for _ in range(50):  # xdg-open runs detached
        if record.exists():
            break
        time.sleep(0.1)
    assert record.read_text() == str(package)


def test_open_says_so_when_nothing_can_open_the_package(example, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "xdg-open"
    script.write_text("#!/bin/sh\necho 'no application for application/octet-stream' >&2\nexit 3\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "DISPLAY": ":0"}
    result = run_build_open(example, env)
    assert result.returncode == 0
    assert "Opened" not in result.stdout
    assert ("warning: --open: xdg-open could not open it (no application for application/octet-stream); "
            "is Anki installed?") in result.stderr


def test_open_without_a_desktop_says_what_to_do(example):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = run_build_open(example, env)
    assert result.returncode == 0  # the package was built; only the hand-off is impossible
    assert "warning: --open: there is no desktop session here (no DISPLAY); copy " in result.stderr
    assert "to a computer with Anki and open it there" in result.stderr
    assert (example / "build" / "Interview Prep.apkg").is_file()
