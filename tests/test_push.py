"""deck-builder push: finding Anki's folder and profile, reading its settings safely, and every
way the hand-off can fail, with real servers on 127.0.0.1 standing in for what answers there.

The round trips through Anki are in test_push_desktop.py (Anki open, AnkiConnect) and
test_push_profile.py (Anki closed, its collection)."""

from __future__ import annotations

import http.server
import os
import pickle
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest
from anki_desktop import free_port

from deck_builder.push.outcome import DeliveryError
from deck_builder.push.profile import (
    FLATPAK,
    choose_profile,
    default_bases,
    find_base,
    read_prefs,
)


def test_default_base_folders_are_annkis_own(tmp_path):
    home = Path("/home/priya")
    assert default_bases("linux", {}, home) == [home / ".local/share/Anki2", home / FLATPAK]
    assert default_bases("linux", {"XDG_DATA_HOME": "/data"}, home) == [Path("/data/Anki2"), home / FLATPAK]
    assert default_bases("darwin", {}, home) == [home / "Library/Application Support/Anki2"]
    assert default_bases("win32", {"APPDATA": r"C:\Users\Priya\AppData\Roaming"}, home) == [
        Path(r"C:\Users\Priya\AppData\Roaming") / "Anki2"]
    assert default_bases("linux", {"ANKI_BASE": "/elsewhere"}, home) == [Path("/elsewhere")]
    assert FLATPAK == Path(".var/app/net.ankiweb.Anki/data/Anki2")


def _prefs(base: Path, rows: dict[str, bytes]) -> None:
    base.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(base / "prefs21.db")
    conn.execute("create table profiles (name text primary key collate nocase, data blob not null)")
    conn.executemany("insert into profiles values (?, ?)", rows.items())
    conn.commit()
    conn.close()


def test_the_base_folder_in_use_is_found_among_the_defaults(tmp_path):
    home = tmp_path
    native, flatpak = home / ".local/share/Anki2", home / FLATPAK
    with pytest.raises(DeliveryError) as none:
        find_base(None, "linux", {}, home)
    assert none.value.message == (f"Anki's folder was not found (looked in {native}, {flatpak}); start Anki once, "
                                  "or give its folder with --base DIR")
    _prefs(native, {"_global": pickle.dumps({})})
    _prefs(flatpak, {"_global": pickle.dumps({})})
    os.utime(native / "prefs21.db", (time.time() - 3600, time.time() - 3600))
    assert find_base(None, "linux", {}, home) == flatpak  # the one Anki wrote last
    with pytest.raises(DeliveryError) as given:
        find_base(str(tmp_path / "nope"), "linux", {}, home)
    assert given.value.message.startswith(f"--base {tmp_path / 'nope'}: that folder does not exist; give Anki's own folder")


def test_profiles_are_chosen_as_anki_does(tmp_path):
    _prefs(tmp_path, {"_global": pickle.dumps({"last_loaded_profile_name": "Work", "last_run_version": 250200}),
                      "User 1": pickle.dumps({"syncKey": None}), "Work": pickle.dumps({"syncKey": "k"})})
    prefs = read_prefs(tmp_path)
    assert prefs.last_run_version == 250200
    assert choose_profile(prefs, None) == "Work"
    assert choose_profile(prefs, "user 1") == "User 1"
    with pytest.raises(DeliveryError) as unknown:
        choose_profile(prefs, "Home")
    assert unknown.value.message == f"--profile Home: Anki has no such profile in {tmp_path} (its profiles: 'User 1', 'Work')"


def test_settings_are_read_without_running_anything_they_hold(tmp_path):
    """prefs21.db holds pickles: only plain values (and Qt's byte arrays) are let in."""
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    sip = types.ModuleType("PyQt6.sip")

    def _unpickle_type(module, klass, args):  # what PyQt pickles a QByteArray as
        raise AssertionError("never called")

    _unpickle_type.__module__, _unpickle_type.__qualname__ = "PyQt6.sip", "_unpickle_type"
    sip._unpickle_type = _unpickle_type

    class ByteArray:
        def __reduce__(self):
            return (_unpickle_type, ("PyQt6.QtCore", "QByteArray", (b"\x01geometry",)))

    sys.modules["PyQt6.sip"] = sip
    try:
        qt = pickle.dumps({"mainWindowGeom": ByteArray(), "syncKey": "abc"})
    finally:
        del sys.modules["PyQt6.sip"]
    _prefs(tmp_path, {"_global": pickle.dumps({"last_loaded_profile_name": "Evil"}),
                      "Evil": pickle.dumps({"x": Evil()}), "Good": qt})
    prefs = read_prefs(tmp_path)
    assert not marker.exists()
    assert prefs.profiles["Evil"] == {}
    assert prefs.profiles["Good"] == {"mainWindowGeom": b"\x01geometry", "syncKey": "abc"}


def _push(cli, example, *args):
    return cli("push", example, *args)


def test_a_bad_address(example, cli):
    result = _push(cli, example, "--anki-connect", "ftp://127.0.0.1:8765")
    assert result.exit_code == 1
    assert "error: --anki-connect: 'ftp://127.0.0.1:8765' is not an address like http://127.0.0.1:8765\n" in result.stderr
    assert f"Anki was not changed; the package is written: {example / 'build' / 'Interview Prep.apkg'}" in result.stderr


class _Page(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = b"<html>a router's login page</html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_something_else_answering_at_the_address(example, cli):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = _push(cli, example, "--anki-connect", url)
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 1
    assert f"error: something other than AnkiConnect answers at {url}; give AnkiConnect's address with --anki-connect\n" in result.stderr


def test_an_anki_that_never_answers_is_a_timeout_not_a_hang(example, cli):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # connections complete, nothing ever replies
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        started = time.monotonic()
        result = _push(cli, example, "--anki-connect", url, "--timeout", "1")
    finally:
        listener.close()
    assert time.monotonic() - started < 20
    assert result.exit_code == 1
    assert "error: Anki did not answer within 1 s: it is busy, probably with a dialog waiting for you" in result.stderr


def test_no_anki_anywhere(example, cli, tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    result = _push(cli, example, "--anki-connect", url, "--base", str(tmp_path / "no-anki"))
    assert result.exit_code == 1
    assert (f"error: AnkiConnect does not answer at {url}, so Anki looks closed; --base {tmp_path / 'no-anki'}: that "
            "folder does not exist; give Anki's own folder, the one `anki -b` takes") in result.stderr
    assert (example / "build" / "Interview Prep.apkg").is_file()


def test_a_broken_workspace_pushes_nothing(workspace, cli):
    ws = workspace({"answers.yaml": "career-goals:\n  point: [a]\n"})
    result = _push(cli, ws, "--anki-connect", f"http://127.0.0.1:{free_port()}")
    assert result.exit_code == 1
    assert "unknown key 'point' (did you mean 'points'?)" in result.stderr
    assert "Pushed" not in result.stdout and not (ws / "build").exists()


def test_push_imports_no_anki_engine_until_it_needs_one():
    code = ("import sys\nimport deck_builder.push, deck_builder.push.report, deck_builder.push.collection\n"
            "print('HEAVY', [m for m in ('anki', 'genanki') if m in sys.modules])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out
