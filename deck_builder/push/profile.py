"""Find the user's Anki profile as Anki does: base folder, prefs21.db, last-used profile.

Anki (aqt/profiles.py, ProfileManager) keeps its base folder in `-b DIR`, else $ANKI_BASE,
else %APPDATA%\\Anki2 (Windows), ~/Library/Application Support/Anki2 (macOS),
$XDG_DATA_HOME/Anki2 or ~/.local/share/Anki2 (Linux; the Flatpak build uses
~/.var/app/net.ankiweb.Anki/data/Anki2). The base holds prefs21.db, an SQLite table
`profiles(name, data)` of pickled dicts: `_global` has `last_loaded_profile_name` and
`last_run_version` (the Anki that ran last, YYMMPP, or the x of 2.1.x), each profile its
settings and AnkiWeb login (`syncKey`, `customSyncUrl`, `currentSyncUrl`, `networkTimeout`).
A profile's collection is BASE/NAME/collection.anki2. No `anki` import here.
"""

from __future__ import annotations

import io
import os
import pickle
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .outcome import DeliveryError

FLATPAK = Path(".var/app/net.ankiweb.Anki/data/Anki2")
ANKIWEB = "https://sync.ankiweb.net/"


def default_bases(platform: str = sys.platform, env=os.environ, home: Path | None = None) -> list[Path]:
    """Where Anki keeps its base folder when not told (the order Anki looks in, then Flatpak's)."""
    home = Path.home() if home is None else home
    if env.get("ANKI_BASE"):
        return [Path(env["ANKI_BASE"])]
    if platform == "win32":
        return [Path(env.get("APPDATA") or home / "AppData" / "Roaming") / "Anki2"]
    if platform == "darwin":
        return [home / "Library" / "Application Support" / "Anki2"]
    return [Path(env.get("XDG_DATA_HOME") or home / ".local" / "share") / "Anki2", home / FLATPAK]


def find_base(given: str | None, platform: str = sys.platform, env=os.environ, home: Path | None = None) -> Path:
    """The base folder: GIVEN (what `anki -b` takes), else the default one that holds prefs21.db
    (with several, the one used last)."""
    if given:
        base = Path(given).expanduser()
        if not (base / "prefs21.db").is_file():
            what = "does not exist" if not base.exists() else "has no prefs21.db"
            raise DeliveryError(f"--base {given}: that folder {what}; give Anki's own folder, the one "
                                "`anki -b` takes (it holds prefs21.db and a folder per profile)")
        return base
    candidates = [b for b in default_bases(platform, env, home) if (b / "prefs21.db").is_file()]
    if not candidates:
        looked = ", ".join(str(b) for b in default_bases(platform, env, home))
        raise DeliveryError(f"Anki's folder was not found (looked in {looked}); start Anki once, "
                            "or give its folder with --base DIR")
    return max(candidates, key=lambda b: (b / "prefs21.db").stat().st_mtime)


class _Unpickler(pickle.Unpickler):
    """Anki's settings are pickled dicts of plain values; Qt byte arrays (window geometry)
    may appear as sip calls. Nothing else is let in: unpickling may not run code."""

    def find_class(self, module: str, name: str):
        if (module == "sip" or module.endswith(".sip")) and name in ("_unpickle_type", "_unpickle_enum"):
            return lambda *args: args[2][0] if len(args) > 2 and args[1] == "QByteArray" and args[2] else None
        raise pickle.UnpicklingError(f"unexpected {module}.{name}")


def _unpickle(data: bytes) -> dict:
    value = _Unpickler(io.BytesIO(data), errors="ignore").load()
    if not isinstance(value, dict):
        raise pickle.UnpicklingError("not a dict")
    return value


@dataclass
class Prefs:
    base: Path
    meta: dict
    profiles: dict[str, dict] = field(default_factory=dict)  # name -> its settings ({} if unreadable)

    @property
    def last_profile(self) -> str | None:
        return self.meta.get("last_loaded_profile_name")

    @property
    def last_run_version(self) -> int | None:
        v = self.meta.get("last_run_version")
        return v if isinstance(v, int) and v > 0 else None


def read_prefs(base: Path) -> Prefs:
    """BASE/prefs21.db -> its global settings and profiles (read only)."""
    path = base / "prefs21.db"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            rows = conn.execute("select name, cast(data as blob) from profiles").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise DeliveryError(f"cannot read Anki's settings ({path}: {exc}); open Anki once, then push again") from None
    prefs = Prefs(base, {})
    for name, data in rows:
        try:
            value = _unpickle(bytes(data))
        except Exception:
            value = {}
        if name == "_global":
            prefs.meta = value
        else:
            prefs.profiles[name] = value
    return prefs


def choose_profile(prefs: Prefs, given: str | None) -> str:
    """--profile NAME (any case, as Anki matches), else the last one used, else the only one."""
    names = sorted(prefs.profiles)
    listed = ", ".join(f"'{n}'" for n in names)
    if given:
        for name in names:
            if name.lower() == given.lower():
                return name
        raise DeliveryError(f"--profile {given}: Anki has no such profile in {prefs.base}"
                            + (f" (its profiles: {listed})" if names else ""))
    last = prefs.last_profile
    if last in prefs.profiles:
        return last
    if len(names) == 1:
        return names[0]
    if not names:
        raise DeliveryError(f"Anki has no profile yet in {prefs.base}: open Anki once, then push again")
    raise DeliveryError(f"Anki has several profiles ({listed}) and none was used last; "
                        "choose one with --profile NAME")


class CollectionFolder:
    """Where a collection and its backups live in a FOLDER (an Anki profile's, or deck-builder's own)."""

    folder: Path

    @property
    def collection(self) -> Path:
        return self.folder / "collection.anki2"

    @property
    def backups(self) -> Path:
        return self.folder / "backups"


@dataclass(frozen=True)
class Profile(CollectionFolder):
    name: str
    folder: Path
    settings: dict
    last_run_version: int | None

    @property
    def described(self) -> str:
        return f"profile '{self.name}'"

    @property
    def sync_key(self) -> str | None:
        return self.settings.get("syncKey") or None

    @property
    def sync_endpoint(self) -> str | None:
        """Where this profile syncs; None means AnkiWeb (as Anki's ProfileManager.sync_endpoint)."""
        return self.settings.get("currentSyncUrl") or self.settings.get("customSyncUrl") or None

    @property
    def sync_media(self) -> bool:
        return bool(self.settings.get("syncMedia", True))

    @property
    def network_timeout(self) -> int:
        return int(self.settings.get("networkTimeout") or 60)


def find_profile(base: str | None, name: str | None) -> Profile:
    """--base and --profile (either may be None) -> the profile Anki would open."""
    folder = find_base(base)
    prefs = read_prefs(folder)
    chosen = choose_profile(prefs, name)
    return Profile(chosen, folder / chosen, prefs.profiles[chosen], prefs.last_run_version)


def anki_version_name(v: int) -> str:
    """last_run_version -> how Anki names that version: 45 -> 2.1.45, 250200 -> 25.02."""
    if v < 1000:
        return f"2.1.{v}"
    year, month, patch = v // 10000, v // 100 % 100, v % 100
    return f"{year}.{month:02d}" + (f".{patch}" if patch else "")
