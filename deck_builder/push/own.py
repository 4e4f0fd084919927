"""deck-builder's own Anki collection, for people who have no Anki desktop (only a phone).

It lives in the platform's user-data folder (on Linux $XDG_DATA_HOME/deck-builder, else
~/.local/share/deck-builder; macOS ~/Library/Application Support/deck-builder; Windows
%APPDATA%\\deck-builder): collection.anki2, its backups, and login.json, the sync key a sync
server returned for the user's name and password (never the password), readable by the user
alone. To the sync server it is one more device, like the phone. No `anki` import here.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from ..atomic import replacing
from .outcome import DeliveryError
from .profile import ANKIWEB, CollectionFolder

LOGIN_FILE = "login.json"


def data_folder(platform: str = sys.platform, env=os.environ, home: Path | None = None) -> Path:
    """Where deck-builder keeps its own collection and login."""
    home = Path.home() if home is None else home
    if platform == "win32":
        return Path(env.get("APPDATA") or home / "AppData" / "Roaming") / "deck-builder"
    if platform == "darwin":
        return home / "Library" / "Application Support" / "deck-builder"
    return Path(env.get("XDG_DATA_HOME") or home / ".local" / "share") / "deck-builder"


def server_name(endpoint: str | None) -> str:
    """How messages name a sync server: AnkiWeb, or its address."""
    return "AnkiWeb" if not endpoint or endpoint == ANKIWEB else endpoint


@dataclass(frozen=True)
class Login:
    """What `deck-builder login` keeps: the sync key, never the password."""

    username: str
    endpoint: str | None  # None: AnkiWeb
    hkey: str
    timeout: int = 60  # seconds a sync may wait for the server

    @property
    def server(self) -> str:
        return server_name(self.endpoint)


@dataclass(frozen=True)
class OwnCollection(CollectionFolder):
    """deck-builder's own collection; it answers what push asks of an Anki profile."""

    folder: Path
    login: Login | None = None
    name: str = "deck-builder's own collection"
    last_run_version: int | None = None  # no Anki desktop opens it: nothing older to keep readable

    @property
    def described(self) -> str:
        return self.name

    @property
    def own(self) -> bool:
        return True

    @property
    def login_file(self) -> Path:
        return self.folder / LOGIN_FILE

    @property
    def sync_key(self) -> str | None:
        return self.login.hkey if self.login else None

    @property
    def sync_endpoint(self) -> str | None:
        return self.login.endpoint if self.login else None

    @property
    def sync_media(self) -> bool:
        return True

    @property
    def network_timeout(self) -> int:
        return self.login.timeout if self.login else 60

    def exists(self) -> bool:
        return self.collection.is_file()

    def create(self) -> None:
        """An empty collection, made by Anki's engine (to the server: a new, empty device).
        Raises DeliveryError naming the folder when it cannot be made."""
        from anki.errors import BackendError

        from .collection import engine

        if self.exists():
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            engine().Collection(str(self.collection)).close()
        except (OSError, BackendError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).strip().splitlines()[0]
            raise DeliveryError(f"cannot make deck-builder's own collection {self.collection} ({why}): make "
                                f"{self.folder} a folder you can write to (or set XDG_DATA_HOME to one), then "
                                "try again") from None


def own_collection(folder: Path | None = None) -> OwnCollection:
    """The own collection in FOLDER (default: data_folder()), with its login if there is one."""
    folder = data_folder() if folder is None else folder
    return OwnCollection(folder, load_login(folder))


def load_login(folder: Path) -> Login | None:
    """FOLDER/login.json -> the login, or None when there is none (or it cannot be read)."""
    try:
        data = json.loads((folder / LOGIN_FILE).read_text(encoding="utf-8"))
        return Login(str(data["username"]), data.get("endpoint") or None, str(data["hkey"]),
                     int(data.get("timeout") or 60))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_login(folder: Path, login: Login) -> Path:
    """Write FOLDER/login.json whole, readable by the user alone (mode 0600 before it has a name)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOGIN_FILE
    with replacing(path) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(asdict(login), f, indent=2)
        os.chmod(tmp, 0o600)  # also where umask or an existing file gave more
    return path


def forget_login(folder: Path) -> bool:
    """Remove the stored sync key; True when there was one. Raises DeliveryError when it stays."""
    path = folder / LOGIN_FILE
    if not path.exists():
        return False
    try:
        path.unlink()
    except OSError as exc:
        raise DeliveryError(f"cannot delete {path} ({exc.strerror or exc}), so the sync key is still kept: "
                            "delete that file yourself") from None
    return True
