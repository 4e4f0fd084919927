"""The real Anki desktop for tests: Xvfb, `aqt` with a throwaway base folder and profile,
AnkiConnect installed from ../shared/vendor/anki-connect, and a driver add-on.

    with AnkiDesktop(tmp_path) as anki:      # starts Xvfb and Anki, waits for AnkiConnect
        anki.connect("findNotes", query="deck:*")
        anki.driver("review", cid=..., ...)   # what AnkiConnect cannot do (tests/anki_driver)

Everything it starts runs in its own process group and is stopped on exit, also when a test
fails. The AnkiConnect copy comes from $DECK_BUILDER_ANKICONNECT (a folder holding
plugin/__init__.py) or ../shared/vendor/anki-connect next to the repository; tests that need
the desktop call `require_desktop()`, which says what is missing (and fails rather than skips
under CI, which always has it).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ANKICONNECT_ENV = "DECK_BUILDER_ANKICONNECT"
ANKICONNECT_ID = "2055492159"  # its AnkiWeb add-on code: Anki loads it as a module of this name
DRIVER = Path(__file__).resolve().parent / "anki_driver"
START_TIMEOUT = 120  # seconds; a start takes 3-5 s on 2 cores, far more when the machine is loaded


def ankiconnect_source() -> Path:
    """The AnkiConnect copy to install: $DECK_BUILDER_ANKICONNECT, else ../shared/vendor/anki-connect."""
    return Path(os.environ.get(ANKICONNECT_ENV) or REPO.parent / "shared" / "vendor" / "anki-connect")


def desktop_missing() -> str | None:
    """Why the real desktop cannot run here, or None."""
    try:
        import aqt  # noqa: F401
        import PyQt6.QtWebEngineWidgets  # noqa: F401
    except ImportError as exc:
        return f"the Anki desktop is not installed ({exc}); pip install -e '.[test]' installs aqt"
    if shutil.which("Xvfb") is None:
        return "Xvfb is not installed: apt-get install xvfb (and the libraries .ci/run installs)"
    plugin = ankiconnect_source() / "plugin" / "__init__.py"
    if not plugin.exists():
        return (f"no AnkiConnect copy at {plugin.parent}: put one there (CI has ../shared/vendor/anki-connect) "
                f"or point ${ANKICONNECT_ENV} at a folder holding plugin/__init__.py")
    return None


def require_desktop() -> None:
    """Skip (fail under CI, which always has everything) when the desktop cannot run."""
    reason = desktop_missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"the real Anki desktop is needed in CI: {reason}")
        pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_base(base: Path, profiles=("User 1",), last: str | None = None, sync: dict | None = None,
              last_run_version: int | None = None) -> None:
    """A base folder as Anki leaves it: prefs21.db written by Anki's own ProfileManager (in a
    subprocess, so the test process never loads Qt), each profile's folder, the last-used
    profile, optionally a profile's AnkiWeb login (sync: {"profile", "key", "url"}) and the
    version of the Anki that ran last (as Anki records it: 44 for 2.1.44, 260903 for 26.09.3)."""
    script = r"""
import json, sys
from pathlib import Path
from aqt.profiles import ProfileManager
args = json.loads(sys.argv[1])
pm = ProfileManager(Path(args["base"]))
pm.setupMeta()
pm.setLang("en_US")
pm.set_update_check(False)
pm.meta["check_for_addon_updates"] = False
for name in args["profiles"]:
    pm.create(name)
for name in args["profiles"]:
    pm.load(name)
    pm.profileFolder()
    sync = args["sync"]
    if sync and sync["profile"] == name:
        pm.set_sync_key(sync["key"])
        pm.set_custom_sync_url(sync["url"])
        pm.profile["autoSync"] = False
    pm.save()
if args["last_run_version"]:
    pm.meta["last_run_version"] = args["last_run_version"]
if args["last"]:
    pm.load(args["last"])
pm.save()
pm.db.close()
"""
    base.mkdir(parents=True, exist_ok=True)
    arg = json.dumps({"base": str(base), "profiles": list(profiles), "last": last or profiles[-1], "sync": sync,
                      "last_run_version": last_run_version})
    subprocess.run([sys.executable, "-c", script, arg], check=True, capture_output=True, timeout=120)


def _copy_tree(src: Path, dst: Path) -> None:
    """Copy without the source's permissions (the shared copy is read-only; Anki writes here)."""
    shutil.copytree(src, dst, copy_function=shutil.copyfile, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for folder, _, _ in os.walk(dst):  # copytree still copies folders' modes
        os.chmod(folder, 0o755)


class AnkiDesktop:
    """One real Anki desktop on its own X display, with AnkiConnect on a free port."""

    def __init__(self, root: Path, profile: str = "User 1", api_key: str | None = None,
                 sync: dict | None = None, port: int | None = None):
        self.root = root
        self.base = root / "anki-base"
        self.profile = profile
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_key = api_key
        self.sync = sync
        self.driver_dir = root / "driver"
        self.log = root / "anki.log"
        self.xvfb: subprocess.Popen | None = None
        self.proc: subprocess.Popen | None = None
        self._requests = 0

    @property
    def collection(self) -> Path:
        return self.base / self.profile / "collection.anki2"

    # -- start and stop -------------------------------------------------------------------

    def __enter__(self) -> AnkiDesktop:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        if not self.base.exists():
            make_base(self.base, (self.profile,), sync=self.sync)
        addons = self.base / "addons21"
        _copy_tree(ankiconnect_source() / "plugin", addons / ANKICONNECT_ID)
        config = {"webBindAddress": "127.0.0.1", "webBindPort": self.port, "apiKey": self.api_key}
        (addons / ANKICONNECT_ID / "meta.json").write_text(json.dumps({"config": config}), encoding="utf-8")
        _copy_tree(DRIVER, addons / "deck_builder_test_driver")
        self.driver_dir.mkdir(parents=True, exist_ok=True)
        self._start_xvfb()
        self._start_anki()

    def _start_xvfb(self) -> None:
        read, write = os.pipe()
        self.xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(write)
        with os.fdopen(read) as f:  # Xvfb writes the display number it chose once it is ready
            display = f.readline().strip()
        if not display:
            raise RuntimeError("Xvfb did not start")
        self.display = f":{display}"

    def _start_anki(self) -> None:
        env = dict(os.environ)
        env.update({
            "DISPLAY": self.display,
            "QT_QPA_PLATFORM": "xcb",
            "QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox",
            "QTWEBENGINE_DISABLE_SANDBOX": "1",
            "ANKI_SINGLE_INSTANCE_KEY": f"deck-builder-test-{uuid.uuid4().hex}",  # never another test's Anki
            "DECK_BUILDER_DRIVER": str(self.driver_dir),
        })
        env.pop("WAYLAND_DISPLAY", None)
        code = "import sys; sys.argv[0] = 'anki'; from aqt import run; run()"
        self.log_file = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, "-b", str(self.base), "-p", self.profile, "-l", "en"],
            env=env, stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Anki exited with {self.proc.returncode} while starting:\n{self.log_tail()}")
            try:
                if self.connect("version", timeout=5) and self.driver("state", timeout=30)["collection"]:
                    return
            except (OSError, RuntimeError, TimeoutError):
                pass
            if "deck_builder_test_driver" in self.log_tail(200) and "Traceback" in self.log_tail(200):
                raise RuntimeError(f"the driver add-on failed to load:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Anki did not answer within {START_TIMEOUT} s:\n{self.log_tail()}")
            time.sleep(0.3)

    def stop(self) -> None:
        """Stop Anki (SIGTERM, as guiExitAnki does not close it), then Xvfb; kill what lingers."""
        for proc in (self.proc, self.xvfb):
            if proc is None or proc.poll() is not None:
                continue
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # Qt WebEngine's helpers share the group
            except ProcessLookupError:
                pass
            proc.wait(timeout=15)
        if getattr(self, "log_file", None):
            self.log_file.close()
        self.proc = self.xvfb = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # -- talking to it ---------------------------------------------------------------------

    def connect(self, action: str, timeout: float = 60, **params):
        """Call AnkiConnect as any client would; returns its result or raises RuntimeError."""
        body = {"action": action, "version": 6, "params": params}
        if self.api_key:
            body["key"] = self.api_key
        request = urllib.request.Request(self.url, json.dumps(body).encode(), {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            reply = json.load(response)
        if reply.get("error"):
            raise RuntimeError(f"AnkiConnect {action}: {reply['error']}")
        return reply["result"]

    def driver(self, op: str, timeout: float = 120, **args):
        """Ask the driver add-on to do OP; returns its answer (raises on its errors)."""
        self._requests += 1
        name = f"{self._requests:05d}.json"
        inbox, outbox = self.driver_dir / "in", self.driver_dir / "out"
        if not inbox.exists():
            raise RuntimeError("the driver add-on has not started yet")
        tmp = inbox / (name + ".part")
        tmp.write_text(json.dumps({"op": op, **args}), encoding="utf-8")
        tmp.rename(inbox / name)
        deadline = time.monotonic() + timeout
        while not (outbox / name).exists():
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"Anki exited during {op}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the driver did not answer {op} within {timeout} s:\n{self.log_tail()}")
            time.sleep(0.05)
        result = json.loads((outbox / name).read_text(encoding="utf-8"))
        (outbox / name).unlink()
        if "error" in result:
            raise RuntimeError(f"driver {op}: {result['error']}")
        return result

    def wait_idle(self, timeout: float = 120) -> None:
        """Until Anki answers a call that needs the collection (a sync or busy task has ended)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.connect("getNumCardsReviewedToday", timeout=5)
                return
            except (OSError, TimeoutError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    raise


class SyncServer:
    """Anki's own sync server (`python -m anki.syncserver`, in the anki package) on a free port
    on 127.0.0.1 with one user: a stand-in for AnkiWeb that is the same code."""

    user, password = "job-seeker", "interview-2026"

    def __init__(self, root: Path, **env: str):
        self.root = root
        self.env = env  # more of the server's settings, e.g. MAX_SYNC_PAYLOAD_MEGS="1"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc: subprocess.Popen | None = None
        self.key = ""

    def __enter__(self) -> SyncServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, SYNC_USER1=f"{self.user}:{self.password}", SYNC_BASE=str(self.root / "data"),
                   SYNC_HOST="127.0.0.1", SYNC_PORT=str(self.port), RUST_LOG="warn", **self.env)
        self.proc = subprocess.Popen([sys.executable, "-m", "anki.syncserver"], env=env, start_new_session=True,
                                     stdout=open(self.root / "server.log", "ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120  # 2 busy cores: a start may take long
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("Anki's sync server did not start: "
                                       + (self.root / "server.log").read_text(errors="replace"))
                time.sleep(0.1)
        if not self.key:
            self.key = self._client(self.root / "login.anki2", login=True)[1].hkey

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)
        self.proc = None

    def _client(self, path: Path, login: bool = False):
        from anki.collection import Collection
        from anki.sync_pb2 import SyncAuth

        col = Collection(str(path))
        if login:
            auth = col.sync_login(self.user, self.password, self.url)
        else:
            auth = SyncAuth(hkey=self.key, endpoint=self.url)
        return col, auth

    def upload(self, path: Path) -> None:
        """Make PATH the server's collection (a full upload), as after a user's first sync."""
        col, auth = self._client(path)
        out = col.sync_collection(auth, False)
        if out.required != out.NO_CHANGES:
            col.close_for_full_sync()
            col.full_upload_or_download(auth=auth, server_usn=None, upload=True)
        col.close()

    def download(self, path: Path):
        """A new collection at PATH with what the server holds (a full download); open."""
        col, auth = self._client(path)
        out = col.sync_collection(auth, False)
        if out.required != out.NO_CHANGES:
            col.close_for_full_sync()
            col.full_upload_or_download(auth=auth, server_usn=None, upload=False)
            col.reopen(after_full_sync=True)
        return col


def own_collection(path: Path, text: str = "My own note, not from deck-builder") -> None:
    """A profile's collection holding one note the user made in Anki (tagged, as a trap, with
    deck-builder's removed tag: only notes from the workspace may ever be deleted)."""
    from anki.collection import Collection

    path.parent.mkdir(parents=True, exist_ok=True)
    col = Collection(str(path))
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"], note["Back"] = text, "mine"
    note.tags = ["mine", "deck-builder::removed"]
    col.add_note(note, col.decks.id_for_name("Default"))
    col.close()
