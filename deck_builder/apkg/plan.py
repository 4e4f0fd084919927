"""Note specs + the last build's state -> what to write: modification times, removals, changes.

Pure: no I/O. The rules (measured with anki 26.9, see docs/anki.md) are
- a changed note gets a modification time strictly newer than any given before;
- an unchanged note keeps its time, so Anki reports it unchanged and keeps edits made in Anki;
- a removed item is sent as a card-less "tombstone", tagged deck-builder::removed, for
  TOMBSTONE_DAYS: Anki updates the note it has (one search finds them all), and a note the
  user already deleted comes back without cards, so it does not return to their reviews.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..cards.derive import NoteSpec
from ..cards.notetypes import NoteType
from .state import BuildState, NoteRecord, NoteTypeRecord

REMOVED_TAG = "deck-builder::removed"
REMOVED_SEARCH = f"tag:{REMOVED_TAG}"
# A removed item is sent (flagged, card-less) for this long after it left the sources: long
# enough to reach the user's next imports, short enough that a note they deleted stops
# coming back as a card-less note (which Anki's Check Database would give a card again).
TOMBSTONE_DAYS = 14
REMOVED_BANNER = '<span class="db-removed">Removed from your sources: delete this note</span> '


# Not frozen, but never changed once made (treat it as frozen; unsafe_hash keeps it hashable
# as a frozen one is): a frozen dataclass's __init__ costs about 0.8 us more per object, and a
# first build makes one per note (benchmarks/scale.py: 8 ms of 10,000 notes).
@dataclass(slots=True, unsafe_hash=True)
class PlannedNote:
    guid: str
    kind: str
    label: str
    note_type: str
    deck: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    mod: int
    media: tuple[tuple[str, Path], ...] = ()
    tombstone: bool = False  # written without cards


# Not frozen, but never changed once made (treat it as frozen; unsafe_hash keeps it hashable
# as a frozen one is): a frozen dataclass's __init__ costs about 0.8 us more per object, and a
# first build makes one per note (benchmarks/scale.py: 8 ms of 10,000 notes).
@dataclass(slots=True, unsafe_hash=True)
class Change:
    kind: str
    label: str
    fields: tuple[str, ...] = ()  # names of the fields that changed
    before: tuple[str, ...] = ()  # those fields' old and new HTML, in the same order
    after: tuple[str, ...] = ()
    guid: str = ""


@dataclass
class Plan:
    notes: list[PlannedNote]
    note_type_mods: dict[str, int]
    added: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    schema_changes: list[str] = field(default_factory=list)  # note type names
    type_updates: list[str] = field(default_factory=list)  # templates or stylesheet changed
    new_state: BuildState = field(default_factory=BuildState)
    build_mod: int = 0
    first: bool = False  # no earlier build state: every note is new
    forgotten: int = 0  # removed items no longer flagged (TOMBSTONE_DAYS have passed)
    emptied_cards: int = 0  # key-point cards whose point was deleted: empty in Anki now
    renames: list = field(default_factory=list)  # renames.Rename: removed and added again under a new id

    @property
    def anything_changed(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    @property
    def note_types_changed(self) -> bool:
        return bool(self.schema_changes or self.type_updates)


def note_hash(type_id: int, fields, tags) -> str:
    # json.dumps([type_id, list(fields), sorted(tags)]), written out with json's own C string
    # encoder: the same text (the state's hashes stay valid), without dumps' Python layers.
    text = f"[{int(type_id)}, [{', '.join(map(_json_text, fields))}], [{', '.join(map(_json_text, sorted(tags)))}]]"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


_json_text = json.encoder.encode_basestring_ascii  # what json.dumps uses for text (ensure_ascii)


def type_hash(nt: NoteType, css: str) -> str:
    data = [nt.id, nt.fields, [(t.name, t.front, t.back) for t in nt.templates], nt.kind, css]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:20]


def tombstone(record: NoteRecord, nt: NoteType) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fields and tags of a removed note: its last content, flagged."""
    fields = list(record.fields)
    if "Context" in nt.fields:
        i = nt.fields.index("Context")
        fields[i] = REMOVED_BANNER + fields[i]
    return tuple(fields), tuple(sorted(set(record.tags) | {REMOVED_TAG}))


class PlanMemory:
    """What a warm compiler remembers of the last plan (build.Compiler owns one): per GUID, the
    spec, the record and the planned note it made. A spec that is the very same object (the
    notes derive kept, derive.NoteMemory) over a record that is still the state's is
    unchanged, so nothing about it is computed again. Memory only; one build at a time."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last: dict[str, tuple] = {}


def plan_build(specs: list[NoteSpec], types: dict[str, NoteType], css: str, state: BuildState, now: float,
               memory: PlanMemory | None = None) -> Plan:
    """Specs + state + the clock -> the notes to write with their modification times.
    MEMORY (a warm compiler's, or None) skips the notes that are the same objects as last time."""
    build_mod = max(int(now), state.last_mod + 1)
    new = BuildState(last_mod=state.last_mod)
    plan = Plan([], {}, new_state=new, build_mod=build_mod, first=not state.notes)
    any_change = False

    for name, nt in types.items():
        h = type_hash(nt, css)
        old = state.note_types.get(name)
        if old is not None and old.id != nt.id:
            plan.schema_changes.append(nt.name)
        if old is not None and old.id == nt.id and old.hash == h:
            mod = old.mod
        else:
            mod, any_change = build_mod, True
            if old is not None and old.id == nt.id:
                plan.type_updates.append(nt.name)
        plan.note_type_mods[name] = mod
        new.note_types[name] = NoteTypeRecord(nt.id, h, mod)

    seen = set()
    restored: set[tuple[str, str]] = set()  # (kind, label) of notes the last build removed, back now
    last = memory.last if memory is not None else {}
    planned_now: dict[str, tuple] = {}
    for spec in specs:
        guid = spec.guid
        seen.add(guid)
        nt = types[spec.note_type]
        old = state.notes.get(guid)
        kept = last.get(guid)
        if kept is not None and kept[0] is spec and kept[1] is old and kept[2] == nt.id:
            # watch: the same note spec, and the record the last plan made of it: unchanged.
            plan.unchanged += 1
            plan.notes.append(kept[3])
            new.notes[guid] = old
            planned_now[guid] = kept
            continue
        h = note_hash(nt.id, spec.fields, spec.tags)
        if old is not None and not old.removed and old.hash == h:
            mod = old.mod
            plan.unchanged += 1
        else:
            mod, any_change = build_mod, True
            if old is None or old.removed:
                plan.added.append(Change(spec.kind, spec.label, guid=spec.guid))
                if old is not None and old.removed_at and old.mod == state.last_mod:
                    restored.add((spec.kind, spec.label))
            else:
                same_shape = len(old.fields) == len(spec.fields)
                pairs = [(f, a, b) for f, a, b in zip(nt.fields, old.fields, spec.fields) if a != b] if same_shape else []
                names = tuple(f for f, _, _ in pairs) if same_shape else nt.fields
                before, after = tuple(a for _, a, _ in pairs), tuple(b for _, _, b in pairs)
                if sorted(old.tags) != sorted(spec.tags):
                    names += ("tags",)
                    before += (" ".join(sorted(old.tags)),)
                    after += (" ".join(sorted(spec.tags)),)
                plan.changed.append(Change(spec.kind, spec.label, names, before, after))
        planned = PlannedNote(spec.guid, spec.kind, spec.label, spec.note_type, spec.deck, spec.fields, spec.tags, mod, spec.media)
        plan.notes.append(planned)
        # A GUID seen for the first time is new in this build; one that comes back keeps its date.
        added_at = build_mod if old is None else old.added_at
        record = new.notes[spec.guid] = NoteRecord(spec.kind, spec.label, spec.note_type, spec.deck,
                                                   spec.fields, spec.tags, h, mod,  # shared, not copied
                                                   points=spec.points, identity=spec.identity,
                                                   added_at=added_at)
        if memory is not None:
            planned_now[guid] = (spec, record, nt.id, planned)
        if old is not None and old.points and not old.removed:
            gone = {n for n, _ in old.points} - {n for n, _ in spec.points}
            plan.emptied_cards += len(gone)

    for guid, old in state.notes.items():
        if guid in seen:
            continue
        nt = types.get(old.note_type)
        if nt is None or len(nt.fields) != len(old.fields):
            continue  # its note type no longer exists in this shape: nothing can be sent
        if not old.removed and old.added_at == state.last_mod and (old.kind, old.label) in restored:
            # A rename undone (renamed_from added, as the last build advised): the note under the new
            # id was only in the last build, whose package was not to be imported; the one it stood
            # in for is back. Nothing to flag, nothing to remember.
            continue
        if not old.removed:
            plan.removed.append(Change(old.kind, old.label, guid=guid))
            old = replace(old, removed=True, mod=build_mod, removed_at=int(now))
            any_change = True
        elif now - old.removed_at > TOMBSTONE_DAYS * 86400:
            plan.forgotten += 1
            continue  # flagged long enough: no longer sent, no longer remembered
        fields, tags = tombstone(old, nt)
        plan.notes.append(PlannedNote(guid, old.kind, old.label, old.note_type, old.deck, fields, tags, old.mod, tombstone=True))
        new.notes[guid] = old

    if any_change:
        new.last_mod = build_mod
    if memory is not None:
        memory.last = planned_now
    return plan
