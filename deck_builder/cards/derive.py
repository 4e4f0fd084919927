"""Workspace -> note specs: which notes exist, their GUIDs, decks, tags and rendered fields.

A GUID comes from what an item *is* (kind, company id, item id), never from its content,
so editing a point, an answer or a person's notes updates the same note in Anki.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..sources.model import Answer, Company, Question, Workspace
from ..sources.problems import Location
from . import render
from .render import Renderer

GENERIC = {"company": "our company", "role": "this role"}
KIND_NAMES = {
    "answer": "answer",
    "tailored": "tailored answer",
    "points": "key point",
    "story": "story",
    "fact": "fact",
    "cloze": "cloze fact",
    "product": "product",
    "person": "person",
    "asks": "questions to ask",
}


# Not frozen, but never changed once made (treat it as frozen; unsafe_hash keeps it hashable
# as a frozen one is): a frozen dataclass's __init__ costs about 0.8 us more per object, and a
# first build makes one per note (benchmarks/scale.py: 10 ms of 10,000 notes).
@dataclass(slots=True, unsafe_hash=True)
class NoteSpec:
    """One note as it should be in Anki."""

    identity: tuple[str, str, str]  # what it is: kind, company, item; its GUID is made of these alone
    kind: str  # a key of KIND_NAMES
    label: str  # how messages name it: "northwind/fact/founded"
    note_type: str  # a key of notetypes.note_types()
    deck: str
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    media: tuple[tuple[str, Path], ...] = ()  # (name in Anki's media folder, file)
    points: tuple[tuple[int, str], ...] = ()  # key-point notes: (cloze number, point) as numbered
    loc: Location = Location("")  # where the item is written
    guid: str = field(init=False, repr=False, compare=False)  # made of the identity alone

    def __post_init__(self) -> None:
        self.guid = note_guid(*self.identity)


_BASE91 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"


_PAIRS = [a + b for a in _BASE91 for b in _BASE91]  # two base-91 digits at a time: half the divisions


def note_guid(kind: str, company: str, item: str) -> str:
    """A stable GUID from an item's identity (the same shape as genanki's guid_for)."""
    digest = hashlib.sha256("\x1f".join(("deck-builder", kind, company, item)).encode()).digest()
    n = int.from_bytes(digest[:8], "big")
    # the digits of n in base 91, most significant first, without leading zeros ("a"): five
    # pairs hold any 64-bit number (91 ** 10 > 2 ** 64)
    n, p5 = divmod(n, 8281)  # 91 ** 2
    n, p4 = divmod(n, 8281)
    n, p3 = divmod(n, 8281)
    n, p2 = divmod(n, 8281)
    pairs = _PAIRS
    return (pairs[n] + pairs[p2] + pairs[p3] + pairs[p4] + pairs[p5]).lstrip("a") or "a"


_TAG_GAPS = re.compile(r"[\s:]+")


def tag_word(text: str) -> str:
    """Anki tags cannot hold spaces."""
    return _TAG_GAPS.sub("-", text.strip().lower()) or "none"


def company_deck(root: str, company: Company) -> str:
    return f"{root}::{company.name.replace('::', ':').strip()}"


def media_name(path: Path) -> str:
    """Content-addressed, so a replaced photo is a new file Anki cannot confuse with the old."""
    digest = hashlib.sha1(path.read_bytes()).hexdigest()[:10]
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", path.name)
    return f"deck-builder-{digest}-{safe}"


def number_points(points: list[str], previous: list[tuple[int, str]]) -> list[int]:
    """Cloze numbers for key points that follow each point, not its position.

    Anki ties a card's review history to its cloze number, so a point keeps its number when
    other points are inserted, removed or reordered; an edited point keeps the number of
    the point it replaced at the same place; a new point gets a number never used before.
    """
    numbers: list[int | None] = [None] * len(points)
    free: dict[str, list[int]] = {}
    for n, text in previous:
        free.setdefault(text, []).append(n)
    used: set[int] = set()
    for i, p in enumerate(points):
        if free.get(p):
            numbers[i] = free[p].pop(0)
            used.add(numbers[i])
    texts = set(points)
    for i in range(min(len(points), len(previous))):
        n, old_text = previous[i]
        if numbers[i] is None and n not in used and old_text not in texts:
            numbers[i] = n
            used.add(n)
    nxt = max([n for n, _ in previous] + [0]) + 1
    for i in range(len(points)):
        if numbers[i] is None:
            numbers[i] = nxt
            nxt += 1
    return numbers  # type: ignore[return-value]


class NoteMemory:
    """What a warm compiler remembers of derived notes (build.Compiler owns one): the notes of
    each story and company object, while validation hands back the very same object
    (validate.remembered: its file, photos and questions unchanged), with the parser results
    they used. Memory only; one build at a time."""

    __slots__ = ("kept",)

    def __init__(self) -> None:
        self.kept: dict = {}


def derive_notes(ws: Workspace, point_numbers: dict[str, list[tuple[int, str]]] | None = None,
                 md: Renderer | None = None, memory: NoteMemory | None = None) -> list[NoteSpec]:
    """Workspace (and the last build's key-point numbering, by GUID) -> every note,
    generic ones first, then each company's. MD renders the text (a fresh Renderer if None);
    MEMORY (a warm compiler's, or None) gives back the notes of what did not change."""
    md = md if md is not None else Renderer(remember=False)
    root = ws.settings.deck
    numbering = point_numbers or {}
    kept_before = memory.kept if memory is not None else None
    notes: list[NoteSpec] = []
    for qid, answer in ws.answers.items():
        notes.append(_answer_note(ws, ws.questions[qid], answer, answer.points, None, root, md))
        if ws.settings.point_cards and len(answer.points) > 1:
            notes.append(_points_note(ws.questions[qid], answer.points, answer.points.locs[0], None, root, numbering, md))
    fresh: dict = {}  # what the memory holds after this derivation: this workspace's objects only
    for story in ws.stories.values():
        slot = ("story", root, id(story))
        kept = kept_before.get(slot) if kept_before is not None else None
        if kept is not None and kept[0] is story:
            md.use(kept[2])  # the cache of parsed Markdown keeps this story's texts
            notes.append(kept[1])
            fresh[slot] = kept
            continue
        with md.traced() as parsed:
            notes.append(_story_note(story, root, md))
        if kept_before is not None:
            fresh[slot] = (story, notes[-1], tuple(parsed))
    for company in ws.companies.values():
        notes.extend(_tailored_notes(ws, company, root, numbering, md))
        slot = ("company", root, id(company))
        kept = kept_before.get(slot) if kept_before is not None else None
        if kept is not None and kept[0] is company:
            md.use(kept[2])
            notes.extend(kept[1])
            fresh[slot] = kept
            continue
        with md.traced() as parsed:
            own = _company_notes(company, root, md)
        if kept_before is not None:
            fresh[slot] = (company, own, tuple(parsed))
        notes.extend(own)
    if memory is not None:
        memory.kept = fresh
    return unique_first_fields(notes)


_INVISIBLE = ("\u200b", "\u2060")  # zero width space, word joiner: 0 and 1


def invisible_mark(guid: str, attempt: int = 0) -> str:
    """A run of 16 invisible characters, the bits of a hash of GUID (and, after a mark that was
    taken already, of the ATTEMPT that follows): the same for a note every build."""
    key = guid if attempt == 0 else f"{guid}#{attempt}"
    bits = int.from_bytes(hashlib.sha256(key.encode()).digest()[:2], "big")
    return "".join(_INVISIBLE[(bits >> i) & 1] for i in range(15, -1, -1))


def _shown_text(field_html: str) -> str:
    """Roughly what Anki's duplicate check compares: the field without HTML."""
    if "<" not in field_html and "&" not in field_html:  # most first fields: no tag, no entity
        return field_html.strip()
    import html

    return html.unescape(re.sub(r"<[^>]*>", "", field_html)).strip()


def unique_first_fields(notes: list[NoteSpec]) -> list[NoteSpec]:
    """NOTES with every first field unique: a note whose first field reads like an earlier one's
    (a tailored answer and the general answer it tailors ask the same question) gets an
    invisible mark made of its GUID, so Anki's duplicate check (Browse > Find Duplicates, the
    Add window) sees no duplicates among them. The card reads the same; the GUID is unchanged.
    Marks are only 16 bits: one that makes a text some earlier note already has is passed over
    for the next attempt's, so the same workspace gets the same marks every build."""
    seen: set[str] = set()
    out = []
    for note in notes:
        shown = _shown_text(note.fields[0]) if note.fields else ""
        attempt = 0
        while note.fields and shown in seen:
            first = note.fields[0] + invisible_mark(note.guid, attempt)
            shown = _shown_text(first)
            attempt += 1
        if attempt:
            note = replace(note, fields=(first,) + note.fields[1:])
        seen.add(shown)
        out.append(note)
    return out


def _story_note(story, root: str, md: Renderer) -> NoteSpec:
    return NoteSpec(
        ("story", "", story.id), "story", f"story/{story.id}", "story", root,
        (
            md.inline(story.title, GENERIC),
            md.block(story.situation, GENERIC),
            md.block(story.task, GENERIC),
            md.block(story.action, GENERIC),
            md.block(story.result, GENERIC),
            "Your stories",
            "",
        ),
        ("deck-builder", "kind::story"), loc=story.loc,
    )


def _answer_note(ws: Workspace, question: Question, answer: Answer | None, points, company: Company | None, root: str,
                 md: Renderer) -> NoteSpec:
    values = placeholder_values(company)
    stories = [ws.stories[s] for s in (answer.stories if answer else ())]
    story_html = "".join(
        f'<div class="db-story"><b>{md.inline(s.title, values)}</b>: {md.block(s.result, values)}</div>'
        for s in stories
    )
    kind = "answer" if company is None else "tailored"
    cid, deck, context, label, tags = _question_place(question, company, root, kind)
    return NoteSpec(
        (kind, cid, question.identity), kind, label, "answer", deck,
        (
            md.inline(question.ask, values),
            md.ordered_list(points, values, "db-points"),
            story_html,
            md.inline(question.why, values),
            md.block(answer.notes if answer else None, values),
            context,
            "",
        ),
        tags, loc=answer.loc if company is None and answer else points.locs[0],
    )


def _question_place(question: Question, company: Company | None, root: str, kind: str):
    """Where a note about a question goes -> (company id, deck, context label, label, tags)."""
    tags = ["deck-builder", f"kind::{kind}"]
    if question.category:
        tags.append(f"category::{tag_word(question.category)}")
    if company is None:
        return "", root, "Your answers", f"{kind}/{question.id}", tuple(tags)
    tags.append(f"company::{company.id}")
    return company.identity, company_deck(root, company), render.plain(company.name), \
        f"{company.id}/{kind}/{question.id}", tuple(tags)


def _points_note(question: Question, points, loc: Location, company: Company | None, root: str, numbering,
                 md: Renderer) -> NoteSpec:
    """One cloze per key point: the question and the other points stay visible.

    The whole-answer card alone is the one people fail (a list of 3-5 items is hard to
    recall as one item); these narrow cards make each point stick (docs/card-design.md).
    """
    values = placeholder_values(company)
    cid, deck, context, label, tags = _question_place(question, company, root, "points")
    identity = ("points", cid, question.identity)
    numbers = number_points([str(p) for p in points], [tuple(x) for x in numbering.get(note_guid(*identity), ())])
    text = f'<div class="db-prompt">{md.inline(question.ask, values)}</div>' + md.point_clozes(points, numbers, values)
    return NoteSpec(
        identity, "points", label, "cloze", deck,
        (text, "", context, ""), tags,
        points=tuple(zip(numbers, (str(p) for p in points))), loc=loc,
    )


def placeholder_values(company: Company | None) -> dict[str, str]:
    """What {company} and {role} become: on a company's cards, and everywhere else."""
    if company is None:
        return GENERIC
    return {"company": company.name.strip(), "role": (company.role or "this role").strip()}


def _tailored_notes(ws: Workspace, company: Company, root: str, numbering, md: Renderer) -> list[NoteSpec]:
    """A company's tailored answers: they depend on the questions and answers too."""
    notes = []
    for qid, points in company.tailoring.items():
        notes.append(_answer_note(ws, ws.questions[qid], ws.answers.get(qid), points, company, root, md))
        if ws.settings.point_cards and len(points) > 1:
            notes.append(_points_note(ws.questions[qid], points, points.locs[0], company, root, numbering, md))
    return notes


def _company_notes(company: Company, root: str, md: Renderer) -> list[NoteSpec]:
    """A company's own notes: its facts, products, people and questions to ask."""
    values = placeholder_values(company)
    deck = company_deck(root, company)
    context = render.plain(company.name)
    base_tags = ("deck-builder", f"company::{company.id}")
    cid = company.identity  # in GUIDs; labels and tags show its id today
    notes = []
    for fact in company.facts:
        source = md.inline(fact.source, values)
        if fact.cloze is not None:
            notes.append(NoteSpec(
                ("cloze", cid, fact.id), "cloze", f"{company.id}/fact/{fact.id}", "cloze", deck,
                (md.cloze(fact.cloze, values), source, context, ""),
                base_tags + ("kind::fact",), loc=fact.loc,
            ))
        else:
            notes.append(NoteSpec(
                ("fact", cid, fact.id), "fact", f"{company.id}/fact/{fact.id}", "basic", deck,
                (md.inline(fact.q, values), md.block(fact.a, values), source, context, ""),
                base_tags + ("kind::fact",), loc=fact.loc,
            ))
    for product in company.products:
        notes.append(NoteSpec(
            ("product", cid, product.id), "product", f"{company.id}/product/{product.id}", "basic", deck,
            (f"What is {render.plain(product.name, values)}?", md.block(product.about, values), "", context, ""),
            base_tags + ("kind::product",), loc=product.loc,
        ))
    for person in company.people:
        media = ()
        photo = ""
        if person.photo is not None:
            name = media_name(person.photo)
            media = ((name, person.photo),)
            photo = f'<img src="{name}" alt="{render.plain(person.name, values)}">'
        notes.append(NoteSpec(
            ("person", cid, person.id), "person", f"{company.id}/person/{person.id}", "person", deck,
            (
                render.plain(person.name, values),
                md.inline(person.role, values),
                render.plain(company.name),
                md.block(person.notes, values),
                photo,
                context,
                "",
            ),
            base_tags + ("kind::person",), media=media, loc=person.loc,
        ))
    if company.questions_to_ask:
        notes.append(NoteSpec(
            ("asks", cid, ""), "asks", f"{company.id}/questions-to-ask", "basic", deck,
            (
                f"What will you ask them at {render.plain(company.name)}?",
                md.ordered_list(company.questions_to_ask, values, "db-asks"),
                "", context, "",
            ),
            base_tags + ("kind::questions-to-ask",), loc=company.questions_to_ask[0].loc,
        ))
    return notes
