"""Likely renames: notes removed in one build and added in it again under a new id.

A note's GUID comes from its identity (kind, company id, item id), so renaming a company file,
a question's id or an item's id gives new notes, and on import their cards start over with no
review history while the old ones linger, flagged as removed. A build cannot know a rename
for sure, but when what was removed reappears under a new id it says so, with how many cards
would lose their history and the one line that keeps them (`renamed_from:` or `id:`).

It keeps saying so while the removed notes are still sent (plan.TOMBSTONE_DAYS): pairs are
made between the notes a build removed and the GUIDs that build sent for the first time, and
both are in the build state. A GUID that comes back (the user applied the fix) is a restore,
never a rename. Pure: plan, state and workspace in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..cards.derive import NoteSpec
from ..cards.notetypes import NoteType, card_ordinals
from ..sources.model import Workspace
from ..sources.problems import Location, Problem
from ..sources.textrules import field_text
from .plan import Plan
from .state import BuildState, NoteRecord

QUESTION_KINDS = ("answer", "points", "tailored")
ITEM_KINDS = {"fact": "fact", "cloze": "fact", "product": "product", "person": "person", "story": "story"}
_IGNORED_FIELDS = ("Context", "Extra")  # the same on every note of a company, or always empty
# A reworded item: its first field (question, name) still alike and its other fields mostly the
# same (likeness: the Dice coefficient of the texts' letter trigrams, 1.0 when equal).
FIRST_ALIKE = 0.5
ALL_ALIKE = 0.75
# A person's role and company alone say nothing: a new CEO has the old one's role. Their notes
# or photo must match too.
_PERSON_EVIDENCE = ("Notes", "Photo")


@dataclass(frozen=True)
class Rename:
    """Notes that look renamed: WHAT was OLD (the id their GUIDs are made of) and is NEW now."""

    what: str  # "company", "question", "story", "fact", "product", "person"
    old: str
    new: str
    notes: int
    cards: int
    loc: Location  # where the fix goes: the company file, the question, the item
    written: bool = False  # the fix's key is in the file already, with another value (change it)
    company: tuple[str, str] | None = None  # an item whose company was renamed too: (old id, its file)
    since: int = 0  # the build (its modification time) that removed the old notes and added the new
    old_guids: tuple[str, ...] = field(default=(), compare=False)  # the removed notes, with the history
    new_guids: tuple[str, ...] = field(default=(), compare=False)  # the notes they became


def identity(record: NoteRecord) -> tuple[str, str, str] | None:
    """What a recorded note's GUID is made of (states written before it was recorded: from the
    label), or None when the record is damaged."""
    ident = record.identity
    if isinstance(ident, (list, tuple)) and len(ident) == 3 and all(isinstance(x, str) for x in ident):
        return ident[0], ident[1], ident[2]
    parts = str(record.label).split("/")
    kind = record.kind
    if kind == "story" or (kind in QUESTION_KINDS and len(parts) == 2):
        return kind, "", parts[-1]
    if kind == "asks" and parts:
        return kind, parts[0], ""
    if kind in ITEM_KINDS or kind in QUESTION_KINDS:
        return (kind, parts[0], parts[-1]) if len(parts) == 3 else None
    return None


def _content(note_type: NoteType, fields) -> tuple[tuple[str, str], ...]:
    """(field name, its text) for the fields that say what a note is about."""
    return tuple((name, f) for name, f in zip(note_type.fields, fields) if name not in _IGNORED_FIELDS)


def _trigrams(text: str, memo: dict[str, frozenset[str]]) -> frozenset[str]:
    """TEXT's trigrams, remembered in MEMO (one find_renames: each text is compared with many others)."""
    found = memo.get(text)
    if found is None:
        padded = f" {field_text(text).lower()} "
        found = memo[text] = frozenset(padded[i:i + 3] for i in range(len(padded) - 2))
    return found


def _alike(a: str, b: str, memo: dict) -> float:
    if a == b:
        return 1.0
    x, y = _trigrams(a, memo), _trigrams(b, memo)
    return 2 * len(x & y) / (len(x) + len(y)) if x or y else 0.0


def _reworded(kind: str, old: tuple, new: tuple, memo: dict) -> float:
    """How alike two notes of one kind are, 0 unless it looks like the same item reworded."""
    if len(old) != len(new) or not old or _alike(old[0][1], new[0][1], memo) < FIRST_ALIKE:
        return 0.0
    if kind == "person" and not any(o == n and o[1] for o, n in zip(old, new) if o[0] in _PERSON_EVIDENCE):
        return 0.0
    scores = [_alike(o[1], n[1], memo) for o, n in zip(old, new) if o[1] or n[1]]
    score = sum(scores) / len(scores)
    return score if score >= ALL_ALIKE else 0.0


def find_renames(plan: Plan, state: BuildState, specs: list[NoteSpec], types: dict[str, NoteType],
                 ws: Workspace) -> list[Rename]:
    """Notes removed and notes new in the same build -> the renames they most likely are, most
    cards first; those of earlier builds too, while their removed notes are still sent."""
    new_state = plan.new_state
    gone = {g: r for g, r in new_state.notes.items() if r.removed}
    if not gone:
        return []
    removal_builds = {r.mod for r in gone.values()}
    fresh = [s for s in specs
             if (rec := new_state.notes.get(s.guid)) is not None and rec.added_at in removal_builds
             and not (s.guid in state.notes and state.notes[s.guid].removed)]  # a restore is no rename
    if not fresh:
        return []
    old_ids = {g: i for g, r in gone.items() if (i := identity(r)) is not None and r.note_type in types}
    gone = {g: r for g, r in gone.items() if g in old_ids}
    old_content = {g: _content(types[r.note_type], r.fields) for g, r in gone.items()}
    new_content = {s.guid: _content(types[s.note_type], s.fields) for s in fresh}
    when = {s.guid: new_state.notes[s.guid].added_at for s in fresh}
    current_companies = set(ws.companies) | {c.identity for c in ws.companies.values()}

    pairs: dict[str, NoteSpec] = {}  # removed guid -> the new note it became
    taken: set[str] = set()

    def pair(guid: str, spec: NoteSpec) -> None:
        pairs[guid] = spec
        taken.add(spec.guid)

    def same_build(guid: str, spec: NoteSpec) -> bool:
        return gone[guid].mod == when[spec.guid]

    # 1. The same content under a new id: a renamed file, question or story.
    by_content: dict[tuple, list[NoteSpec]] = {}
    for spec in fresh:
        by_content.setdefault((spec.kind, new_content[spec.guid]), []).append(spec)
    for guid, rec in gone.items():
        for spec in by_content.get((rec.kind, old_content[guid]), ()):
            if spec.guid not in taken and same_build(guid, spec) and _plausible(old_ids[guid], spec, current_companies):
                pair(guid, spec)
                break

    # 2. Whatever else a renamed company or question held follows it, edited or not.
    company_moves = {(old_ids[g][1], s.identity[1]) for g, s in pairs.items()
                     if old_ids[g][1] != s.identity[1] and old_ids[g][2] == s.identity[2]}
    question_moves = {(old_ids[g][2], s.identity[2]) for g, s in pairs.items()
                      if s.kind in QUESTION_KINDS and old_ids[g][2] != s.identity[2]}
    by_identity = {s.identity: s for s in fresh}
    for guid in gone:
        if guid in pairs:
            continue
        kind, company, item = old_ids[guid]
        candidates = [(kind, new_c, item) for old_c, new_c in company_moves if company == old_c]
        if kind in QUESTION_KINDS:
            candidates += [(kind, company, new_q) for old_q, new_q in question_moves if item == old_q]
        for ident in candidates:
            spec = by_identity.get(ident)
            if spec is not None and spec.guid not in taken and same_build(guid, spec):
                pair(guid, spec)
                break

    # 3. A reworded item whose id came from its text: a fact's question, a product's or person's name.
    rest = [g for g in gone if g not in pairs and gone[g].kind in ITEM_KINDS]
    others = [s for s in fresh if s.guid not in taken and s.kind in ITEM_KINDS]
    scored = []
    memo: dict[str, frozenset[str]] = {}
    for guid in rest:
        kind, company, _ = old_ids[guid]
        for spec in others:
            if (spec.kind == kind and same_build(guid, spec)
                    and (spec.identity[1] == company or (company, spec.identity[1]) in company_moves
                         or company not in current_companies)):
                score = _reworded(kind, old_content[guid], new_content[spec.guid], memo)
                if score:
                    scored.append((score, guid, spec))
    for _, guid, spec in sorted(scored, key=lambda t: -t[0]):
        if guid not in pairs and spec.guid not in taken:
            pair(guid, spec)

    return _group(pairs, old_ids, gone, types, ws)


def _plausible(old: tuple[str, str, str], spec: NoteSpec, current_companies: set[str]) -> bool:
    """A company rename needs the old company to be gone: an item moved between two companies
    that both exist is a move, which renamed_from cannot express."""
    return old[1] == spec.identity[1] or old[1] not in current_companies


def _group(pairs: dict[str, NoteSpec], old_ids, records: dict[str, NoteRecord], types, ws: Workspace) -> list[Rename]:
    """Paired notes -> one Rename per company, question or item, with its notes and cards. A note
    whose item id changed too counts under its item (the company's fix alone would not keep it)."""
    groups: dict[tuple[str, str, str], list] = {}
    places: dict[tuple[str, str, str], tuple[Location, bool]] = {}
    moved: dict[tuple[str, str, str], tuple[str, str]] = {}  # item renames whose company was renamed too
    for guid, spec in pairs.items():
        kind, company, item = old_ids[guid]
        if kind in QUESTION_KINDS and item != spec.identity[2]:
            qid = spec.label.rsplit("/", 1)[-1]
            question = ws.questions[qid]
            key = ("question", item, qid)
            place = (question.loc, question.renamed_from is not None)
        elif company != spec.identity[1] and item == spec.identity[2]:
            cid = spec.label.split("/", 1)[0]
            key = ("company", company, cid)
            place = (Location(ws.companies[cid].loc.file), ws.companies[cid].renamed_from is not None)
        elif kind in ITEM_KINDS:
            key = (ITEM_KINDS[kind], item, spec.identity[2])
            place = (spec.loc, False)
            if company != spec.identity[1]:
                moved[key] = (company, spec.label.split("/", 1)[0])
        else:
            continue
        groups.setdefault(key, []).append(guid)
        places.setdefault(key, place)
    companies_said = {(old, new) for what, old, new in groups if what == "company"}
    out = []
    for (what, old, new), guids in groups.items():
        cards = 0
        for guid in guids:
            rec = records[guid]
            cards += len(card_ordinals(types[rec.note_type], rec.fields))
        loc, written = places[(what, old, new)]
        company = None
        if (what, old, new) in moved:
            old_c, new_c = moved[(what, old, new)]
            if (old_c, new_c) not in companies_said:  # nothing else says the company needs renamed_from
                company = (old_c, ws.companies[new_c].loc.file)
        since = max(records[g].mod for g in guids)
        out.append(Rename(what, old, new, len(guids), cards, loc, written, company, since,
                          tuple(guids), tuple(pairs[g].guid for g in guids)))
    return sorted(out, key=lambda r: (-r.cards, r.what, r.old))


def unmatched_renames(ws: Workspace, state: BuildState) -> list[Problem]:
    """Warnings for each renamed_from that names no id an earlier build here used: a typo would
    keep nothing (the build state is the only record of what was built)."""
    from ..sources.validate import did_you_mean

    if not state.notes:
        return []
    idents = [i for r in state.notes.values() if (i := identity(r)) is not None]
    built = {"company": {i[1] for i in idents if i[1]}, "question": {i[2] for i in idents if i[0] in QUESTION_KINDS}}
    out = []
    for what, items in (("company", ws.companies.values()), ("question", ws.questions.values())):
        for item in items:
            former = item.renamed_from
            if former is not None and former not in built[what]:
                out.append(Problem(former.loc, "warning", f"renamed_from: no earlier build here had a {what} "
                                   f"'{former}'{did_you_mean(former, built[what])}, so it keeps no cards; it must "
                                   "name the id the cards were first built with"))
    return out
