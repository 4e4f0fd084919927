"""Likely renames: notes removed and added in one build whose content matches.

A note's GUID comes from its identity (kind, company id, item id), so renaming a company file,
a question's id or an item's id gives new notes, and on import their cards start over with
no review history while the old ones linger. A build cannot know a rename for sure, but when
what was removed reappears under a new id it says so, with how many cards would lose their
history and the one line that keeps it (`renamed_from:` or `id:`). Pure: plan and state in.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from .derive import NoteSpec
from .model import Workspace
from .notetypes import NoteType, card_ordinals
from .plan import Plan
from .problems import Location
from .state import BuildState, NoteRecord
from .textrules import field_text

QUESTION_KINDS = ("answer", "points", "tailored")
ITEM_KINDS = {"fact": "fact", "cloze": "fact", "product": "product", "person": "person", "story": "story"}
_IGNORED_FIELDS = ("Context", "Extra")  # the same on every note of a company, or always empty
SIMILAR = 0.7  # mean likeness of the fields a reworded item keeps (difflib ratio of their text)
_MAX_PAIRS = 40_000  # beyond this many removed x added pairs, only exact matches are looked for


@dataclass(frozen=True)
class Rename:
    """Notes that look renamed: WHAT was OLD (the id their GUIDs are made of) and is NEW now."""

    what: str  # "company", "question", "story", "fact", "product", "person"
    old: str
    new: str
    notes: int
    cards: int
    loc: Location  # where the fix goes: the company file, the question, the item


def identity(record: NoteRecord) -> tuple[str, str, str]:
    """What a recorded note's GUID is made of (states written before it was recorded: from the label)."""
    if record.identity:
        return tuple(record.identity)  # type: ignore[return-value]
    parts = record.label.split("/")
    if record.kind == "story" or (record.kind in QUESTION_KINDS and len(parts) == 2):
        return record.kind, "", parts[-1]
    if record.kind == "asks":
        return record.kind, parts[0], ""
    return record.kind, parts[0], parts[-1]


def _content(note_type: NoteType, fields) -> tuple[str, ...]:
    return tuple(f for name, f in zip(note_type.fields, fields) if name not in _IGNORED_FIELDS)


def _likeness(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """How alike two notes' fields are: the mean over fields either one fills (1.0: the same)."""
    scores = []
    for x, y in zip(a, b):
        if not x and not y:
            continue
        scores.append(1.0 if x == y else SequenceMatcher(None, field_text(x), field_text(y)).ratio())
    return sum(scores) / len(scores) if scores else 0.0


def find_renames(plan: Plan, state: BuildState, specs: list[NoteSpec], types: dict[str, NoteType],
                 ws: Workspace) -> list[Rename]:
    """The plan's removed and added notes -> the renames they most likely are, largest first."""
    if not plan.removed or not plan.added:
        return []
    added_guids = {c.guid for c in plan.added}
    added = [s for s in specs if s.guid in added_guids]
    removed = [(c.guid, state.notes[c.guid]) for c in plan.removed if c.guid in state.notes]
    old_ids = {guid: identity(rec) for guid, rec in removed}
    old_content = {guid: _content(types[rec.note_type], rec.fields) for guid, rec in removed if rec.note_type in types}
    new_content = {s.guid: _content(types[s.note_type], s.fields) for s in added}

    pairs: dict[str, NoteSpec] = {}  # removed guid -> the added note it became
    taken: set[str] = set()

    def pair(guid: str, spec: NoteSpec) -> None:
        pairs[guid] = spec
        taken.add(spec.guid)

    # 1. The same content under a new id: a renamed file, question or story.
    by_content: dict[tuple, list[NoteSpec]] = {}
    for spec in added:
        by_content.setdefault((spec.kind, new_content[spec.guid]), []).append(spec)
    for guid, rec in removed:
        for spec in by_content.get((rec.kind, old_content.get(guid)), ()):
            if spec.guid not in taken:
                pair(guid, spec)
                break

    # 2. Whatever else a renamed company or question held follows it, edited or not.
    company_moves = {(old_ids[g][1], s.identity[1]) for g, s in pairs.items()
                     if old_ids[g][1] != s.identity[1] and old_ids[g][2] == s.identity[2]}
    question_moves = {(old_ids[g][2], s.identity[2]) for g, s in pairs.items()
                      if s.kind in QUESTION_KINDS and old_ids[g][2] != s.identity[2]}
    by_identity = {s.identity: s for s in added}
    for guid, _ in removed:
        if guid in pairs:
            continue
        kind, company, item = old_ids[guid]
        for old_c, new_c in company_moves:
            if company == old_c and (spec := by_identity.get((kind, new_c, item))) and spec.guid not in taken:
                pair(guid, spec)
        if guid not in pairs and kind in QUESTION_KINDS:
            for old_q, new_q in question_moves:
                if item == old_q and (spec := by_identity.get((kind, company, new_q))) and spec.guid not in taken:
                    pair(guid, spec)

    # 3. A reworded item whose id came from its text: a fact's question, a product's or person's name.
    rest = [(g, r) for g, r in removed if g not in pairs and r.kind in ITEM_KINDS]
    others = [s for s in added if s.guid not in taken and s.kind in ITEM_KINDS]
    if rest and others and len(rest) * len(others) <= _MAX_PAIRS:
        scored = sorted(
            ((_likeness(old_content[g], new_content[s.guid]), g, s) for g, r in rest for s in others
             if s.kind == r.kind and g in old_content
             and (s.identity[1] == old_ids[g][1] or (old_ids[g][1], s.identity[1]) in company_moves)),
            key=lambda t: -t[0])
        for score, guid, spec in scored:
            if score < SIMILAR:
                break
            if guid not in pairs and spec.guid not in taken:
                pair(guid, spec)

    return _group(pairs, old_ids, dict(removed), types, ws)


def _group(pairs: dict[str, NoteSpec], old_ids, records: dict[str, NoteRecord], types, ws: Workspace) -> list[Rename]:
    """Paired notes -> one Rename per company, question or item, with its notes and cards. A note
    whose item id changed too counts under its item (the company's fix alone would not keep it)."""
    groups: dict[tuple[str, str, str], list] = {}
    places: dict[tuple[str, str, str], Location] = {}
    for guid, spec in pairs.items():
        kind, company, item = old_ids[guid]
        if kind in QUESTION_KINDS and item != spec.identity[2]:
            qid = spec.label.rsplit("/", 1)[-1]
            key = ("question", item, qid)
            place = ws.questions[qid].loc
        elif company != spec.identity[1] and item == spec.identity[2]:
            cid = spec.label.split("/", 1)[0]
            key = ("company", company, cid)
            place = Location(ws.companies[cid].loc.file)
        else:
            key = (ITEM_KINDS.get(kind, kind), item, spec.identity[2])
            place = spec.loc
        groups.setdefault(key, []).append(guid)
        places.setdefault(key, place)
    out = []
    for (what, old, new), guids in groups.items():
        cards = 0
        for guid in guids:
            rec = records[guid]
            nt = types.get(rec.note_type)
            cards += len(card_ordinals(nt, rec.fields)) if nt is not None else 0
        out.append(Rename(what, old, new, len(guids), cards, places[(what, old, new)]))
    return sorted(out, key=lambda r: (-r.cards, r.what, r.old))
