"""The build state: what the last build gave Anki, so the next one can be trusted.

Anki's importer updates a note only when the incoming modification time is strictly newer
than its own, and genanki stamps every note with the build time. So this file remembers,
per GUID, a hash of the note and the time it was given: unchanged notes keep their time
(Anki reports them unchanged and keeps edits made inside Anki), changed ones get a time
strictly newer than any given before, even within one second. It also keeps the last
content of every note so removed items can be flagged in Anki.

Lives in WORKSPACE/.deck-builder/state.json. Safe to delete: the next build then stamps
every note as changed (Anki updates them all once) and forgets removed items.
"""

from __future__ import annotations

import json
import os
import reprlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..atomic import replacing
from ..sources.problems import Location, Problem
from ..sources.workspace import STATE_DIR

STATE_FILE = "state.json"
FORMAT = 1


@dataclass
class NoteRecord:
    """One note as the last build gave it. Read from the file, its sequences are lists; made by
    a build, they are the note spec's own tuples (10,000 notes: not copied). Both are written
    as the same JSON; read them as sequences. No slots: orjson writes a dataclass with slots
    half as fast (save_state: 14 ms more at 10,000 notes), and slots would save only 2 MB."""

    kind: str
    label: str
    note_type: str
    deck: str
    fields: list[str] | tuple[str, ...]
    tags: list[str] | tuple[str, ...]
    hash: str
    mod: int
    removed: bool = False
    removed_at: int = 0  # when the item left the sources (for how long it is still flagged)
    points: list | tuple = field(default_factory=list)  # key-point notes: [cloze number, point] pairs
    identity: list | tuple = field(default_factory=list)  # [kind, company, item]: what its GUID is made of
    added_at: int = 0  # the build (its modification time) that first sent this GUID; 0: unknown


@dataclass(slots=True)
class NoteTypeRecord:
    id: int
    hash: str
    mod: int


@dataclass
class BuildState:
    last_mod: int = 0  # the newest modification time ever given to a note or note type
    notes: dict[str, NoteRecord] = field(default_factory=dict)
    note_types: dict[str, NoteTypeRecord] = field(default_factory=dict)
    # The HTML the Markdown of the last build's texts gave ("i"/"b" + text -> HTML), and what
    # made it (render.renderer_signature): a rebuild parses only new texts. Only a cache.
    markdown: dict[str, str] = field(default_factory=dict)
    renderer: str = ""


def point_numbering(state: BuildState) -> dict[str, list[tuple[int, str]]]:
    """GUID -> the (cloze number, point) pairs the last build gave each key-point note."""
    return {g: [tuple(p) for p in r.points] for g, r in state.notes.items() if r.points and not r.removed}


try:  # a state of 10,000 notes is several megabytes: orjson reads and writes it in a fifth of the time
    import orjson as _orjson
except ImportError:  # pragma: no cover - it is a dependency; json does the same, slower
    _orjson = None


def _loads(path: Path):
    """The state file's JSON. What orjson cannot read goes through json, whose message
    (the line and column) the warning about a broken state shows."""
    if _orjson is not None:
        try:
            return _orjson.loads(path.read_bytes())
        except ValueError:
            pass
    return json.loads(path.read_text(encoding="utf-8"))


def _dumps(data: dict) -> bytes:
    if _orjson is not None:
        try:
            return _orjson.dumps(data)  # the same JSON as json's, five times faster
        except TypeError:
            pass  # an integer past 64 bits in a hand-edited state: json writes it as it was read
    data = {**data, "notes": {g: dict(vars(r)) for g, r in data["notes"].items()}}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# What each value of a record must be, as this version writes it: a state written by another
# version or edited by hand is set aside whole, never trusted to fail later (a traceback).
def _whole(v) -> bool:  # a time or a number; below 2**53, so a time times 1000 (the package's ids) fits SQLite
    return type(v) is int and 0 <= v < 1 << 53


def _text(v) -> bool:
    return type(v) is str


def _texts(v) -> bool:
    return type(v) is list and all(type(x) is str for x in v)


def _flag(v) -> bool:
    return type(v) is bool


def _pairs(v) -> bool:  # key points: [cloze number, point]
    return type(v) is list and all(type(p) is list and len(p) == 2 and _whole(p[0]) and type(p[1]) is str for p in v)


_WHAT = {_whole: "a whole number", _text: "text", _texts: "a list of texts", _flag: "true or false",
         _pairs: "a list of [number, text] pairs"}
_CHECKS = {
    NoteRecord: {"kind": _text, "label": _text, "note_type": _text, "deck": _text, "fields": _texts, "tags": _texts,
                 "hash": _text, "mod": _whole, "removed": _flag, "removed_at": _whole, "points": _pairs,
                 "identity": _texts, "added_at": _whole},
    NoteTypeRecord: {"id": _whole, "hash": _text, "mod": _whole},
}


def _shown(value) -> str:
    return reprlib.repr(value)  # short: a record's fields can be long


def _record(cls, data, where: str):
    """One record of the state file -> CLS; ValueError or TypeError when it is not what this
    version writes (another key, a missing one, another type)."""
    if type(data) is not dict:
        raise ValueError(f"{where} is {_shown(data)}, not an object")
    record = cls(**data)  # a key unknown here, or a required one missing: TypeError
    for name, ok in _CHECKS[cls].items():
        value = getattr(record, name)
        if not ok(value):
            raise ValueError(f"{where}: {name} is {_shown(value)}, not {_WHAT[ok]}")
    return record


def state_path(root: Path) -> Path:
    return root / STATE_DIR / STATE_FILE


class StateMemory:
    """The state a warm compiler last saved or read (build.Compiler owns one), with the file's
    identity then; a file replaced since (another build, a deleted or restored state) is read
    again. Memory only; one build at a time."""

    __slots__ = ("kept",)

    def __init__(self) -> None:
        self.kept: tuple[Path, tuple, BuildState] | None = None


def _identity(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_dev, st.st_mtime_ns, st.st_size


def _remember(memory: StateMemory | None, path: Path, state: BuildState, ident: tuple | None = None) -> None:
    if memory is not None:
        ident = ident or _identity(path)
        memory.kept = (path.resolve(), ident, state) if ident is not None else None


def load_state(root: Path, shown: str, readonly: bool = False,
               memory: StateMemory | None = None) -> tuple[BuildState, list[Problem]]:
    """The state file -> BuildState; a missing one is a fresh state, a broken one is set aside
    (or, ``readonly``, left where it is). MEMORY (a warm compiler's, or None) gives back the
    state it last saved or read while the file is still that one."""
    path = state_path(root)
    ident = _identity(path) if memory is not None else None  # before reading: a file replaced meanwhile is read again later
    kept = memory.kept if memory is not None else None
    if kept is not None and ident is not None and kept[0] == path.resolve() and kept[1] == ident:
        return kept[2], []
    if not path.exists():
        return BuildState(), []
    try:
        data = _loads(path)
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
        if not _whole(data["last_mod"]):
            raise ValueError(f"last_mod is {_shown(data['last_mod'])}, not {_WHAT[_whole]}")
        state = BuildState(
            last_mod=data["last_mod"],
            notes={g: _record(NoteRecord, r, f"note {g}") for g, r in data["notes"].items()},
            note_types={n: _record(NoteTypeRecord, r, f"note type {n}") for n, r in data["note_types"].items()},
        )
        markdown, renderer = data.get("markdown"), data.get("renderer")
        if (isinstance(markdown, dict) and isinstance(renderer, str)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in markdown.items())):
            state.markdown, state.renderer = markdown, renderer  # anything else: no cache, nothing lost
        _remember(memory, path, state, ident)
        return state, []
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        aside = path.with_name(STATE_FILE + ".broken")
        try:
            if readonly:
                raise OSError
            os.replace(path, aside)
            moved = f"moved to {aside.name}"
        except OSError:
            moved = "left in place"
        msg = (f"the build state could not be read ({exc}); it was {moved} and a new one is started: "
               "every note counts as changed once, and items removed earlier are no longer flagged")
        return BuildState(), [Problem(Location(shown), "warning", msg)]


def save_state(root: Path, state: BuildState, memory: StateMemory | None = None) -> None:
    """Write the state atomically (and remember it in MEMORY, a warm compiler's, if given)."""
    path = state_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "format": FORMAT,
        "about": "deck-builder build state: modification times Anki needs to update notes in place. "
                 "Safe to delete (the next build then marks every note as changed).",
        "last_mod": state.last_mod,
        "note_types": {n: asdict(r) for n, r in sorted(state.note_types.items())},
        "notes": state.notes,  # orjson writes dataclasses as their fields, in order, without copying them
    }
    if state.markdown:
        data["renderer"], data["markdown"] = state.renderer, state.markdown
    with replacing(path) as tmp:
        tmp.write_bytes(_dumps(data))
        ident = _identity(tmp) if memory is not None else None  # a rename keeps it: what this build wrote
    _remember(memory, path, state, ident)
