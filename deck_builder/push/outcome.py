"""What a push did, in Anki's terms: notes before and after the import -> new, updated,
unchanged, conflicts, and whether every change arrived.

Both ways into Anki (AnkiConnect, and the collection file with Anki closed) read the same
facts from the collection before and after importing: each note of the package by GUID, with
its note id, note type, modification time, fields and tags. Comparing them with the plan is
the check that what changed arrived. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..apkg.plan import REMOVED_TAG, Plan
from ..apkg.state import BuildState
from ..cards.notetypes import NoteType


class DeliveryError(Exception):
    """The package could not be put into Anki; the message says why and what to do."""

    def __init__(self, message: str, changed_nothing: bool = True):
        super().__init__(message)
        self.message = message
        self.changed_nothing = changed_nothing


@dataclass(frozen=True)
class NoteState:
    """One note as the collection holds it."""

    nid: int
    mid: int  # its note type's id
    mod: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    cards: int


@dataclass(frozen=True)
class CardDue:
    """One card as Anki holds it, for what bringing it forward needs."""

    cid: int
    nid: int
    ord: int  # its template (cloze number - 1)
    queue: int
    due: int  # a day number (review, day learning), seconds (learning), a position (new)
    filtered: bool = False  # in a filtered deck: its own deck's due date is kept elsewhere


@dataclass
class Flagged:
    """A note in Anki that this workspace flagged as removed."""

    guid: str
    label: str
    nid: int


@dataclass
class Delivery:
    """What happened in Anki."""

    via: str  # "Anki, through AnkiConnect at http://...", "Anki profile 'User 1', with Anki closed", "deck-builder's own collection"
    collection: Path | None = None  # the collection file, with Anki closed
    own: bool = False  # deck-builder's own collection (no Anki desktop opens it)
    new: list[str] = field(default_factory=list)  # labels
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    kept_anki_edit: list[str] = field(default_factory=list)  # edited in Anki since: Anki kept its version
    replaced_anki_edit: list[str] = field(default_factory=list)  # edited in Anki and in the files: files won
    conflicting: list[str] = field(default_factory=list)  # note type changed in Anki: not updated
    missing: list[str] = field(default_factory=list)  # should have arrived and did not
    flagged: list[Flagged] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    suspended: int = 0  # cards of flagged notes that deck-builder holds suspended
    unsuspended: list[str] = field(default_factory=list)  # items back in the files: their cards unsuspended
    brought_forward: list[str] = field(default_factory=list)  # each rehearsal line that moved cards (forward.py)
    not_brought_forward: list[str] = field(default_factory=list)  # each that moved none, and why
    forward_failed: int = 0  # cards Anki did not take a due date for
    notes: list[str] = field(default_factory=list)  # which collection, which server, and the other choice
    sync_steps: list[str] = field(default_factory=list)  # a first or full sync, in the user's words
    backup: Path | None = None
    replaced_file: Path | None = None  # where the Anki versions that were replaced are kept
    sync: str | None = None  # what the sync did
    sync_note: str | None = None  # what only Anki can tell (it shows sync errors in its window)
    sync_failed: str | None = None

    @property
    def complete(self) -> bool:
        return not self.missing and not self.sync_failed


def classify(delivery: Delivery, plan: Plan, types: dict[str, NoteType], old: BuildState,
             before: dict[str, NoteState], after: dict[str, NoteState]) -> list[tuple[str, NoteState]]:
    """Sort every planned note into DELIVERY's lists; returns the (label, note) pairs whose
    Anki edits the import replaced (their text before the import)."""
    replaced: list[tuple[str, NoteState]] = []
    for planned in plan.notes:
        b, a = before.get(planned.guid), after.get(planned.guid)
        if planned.tombstone:
            if a is not None and REMOVED_TAG in a.tags:
                delivery.flagged.append(Flagged(planned.guid, planned.label, a.nid))
            continue
        record = old.notes.get(planned.guid)
        # Anki stamps an edit with the time it was made; an import keeps the package's time
        # (anki#3693, 25.02+). A newer time and other text than we last gave: edited in Anki.
        edited = (b is not None and record is not None and not record.removed
                  and b.mod > record.mod and b.fields != tuple(record.fields))
        if a is None:
            delivery.missing.append(planned.label)
        elif a.mid != types[planned.note_type].id:
            delivery.conflicting.append(planned.label)
        elif a.fields == planned.fields:
            if b is None:
                delivery.new.append(planned.label)
            elif b.fields != planned.fields or set(b.tags) != set(planned.tags):
                delivery.updated.append(planned.label)
                if edited:
                    delivery.replaced_anki_edit.append(planned.label)
                    replaced.append((planned.label, b))
            else:
                delivery.unchanged += 1
        elif b is not None and b.mod >= planned.mod:
            delivery.kept_anki_edit.append(planned.label)  # Anki's copy is newer: it keeps it
        else:
            delivery.missing.append(planned.label)
    return replaced
