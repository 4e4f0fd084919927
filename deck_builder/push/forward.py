"""Rehearsal brings cards forward: what the studio and `mock` found weak becomes due today in Anki.

    mock-history.jsonl -> the latest line of each question (and company) not yet applied
        rated 1-2                          -> every card of the question's notes for that company:
                                              the tailored answer and its key points, the general
                                              answer and its key points (the review showed both)
        a point ticked false, or not ticked -> that point's cloze card (the text as shown, matched
          and not heard                       against this build's points); without key-point cards,
                                              the whole-answer card; a point no longer in the files
                                              is said
    -> the cards' states in Anki -> only the due date changes:
        review and day-learning cards due later -> due today (interval, ease, memory state kept)
        learning cards due later today          -> due now
        new cards, cards already due            -> left as they are (a new card comes in its turn)
        suspended, buried, in a filtered deck   -> left alone, and said
    -> the lines applied go into WORKSPACE/.deck-builder/brought-forward.json, after Anki took
       the change: nothing is applied twice, and a push that failed applies it the next time.

Never a review: Anki's "Set Due Date" (sched.set_due_date, AnkiConnect's setDueDate) writes a
"Manual" entry into the review history, so the card is changed as a card (col.update_card,
AnkiConnect's setSpecificValueOfCard), which stamps its mod and usn so a sync carries it to
the phone. Only notes of this build (by GUID) are looked at.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

from ..atomic import replacing
from ..cards import render
from ..cards.derive import note_guid, placeholder_values
from ..rehearse.mock import RATINGS, Practice, question_text, read_history
from ..sources.model import Workspace
from ..sources.problems import ProblemsError, plural
from ..sources.workspace import STATE_DIR
from .outcome import CardDue, Delivery, NoteState

FORWARD_FILE = "brought-forward.json"

NEW, LEARNING, REVIEW, DAY_LEARNING = 0, 1, 2, 3  # Anki's card queues; below 0: suspended, buried
SUSPENDED = -1


class Dues(Protocol):
    def card_dues(self, nids: list[int]) -> list[CardDue]: ...

    def today(self, cards: list[CardDue]) -> int:
        """The collection's day number (CARDS: review cards it may measure it with)."""

    def set_dues(self, changes: list[tuple[int, int]]) -> set[int]:
        """(card id, due) -> the card ids whose due Anki took."""


@dataclass
class Wanted:
    """One history line and the cards it brings forward."""

    key: str  # the line's identity in the ledger
    when: str  # "4 Dec"
    title: str  # the question as asked, with the company's name
    why: str  # "rated 2 (shaky)", "key point 2 not heard"
    cards: list[tuple[str, int | None]] = field(default_factory=list)  # (note GUID, template; None: all)


def ledger_path(root: Path) -> Path:
    return root / STATE_DIR / FORWARD_FILE


def load_applied(root: Path) -> set[str] | None:
    """The history lines applied already; None when the ledger is there but cannot be read
    (nothing is brought forward then: an empty ledger would bring every weak line again)."""
    try:
        text = ledger_path(root).read_text(encoding="utf-8")
    except FileNotFoundError:
        return set()
    except OSError:
        return None
    try:
        data = json.loads(text)
        return {str(k) for k in data["applied"]}
    except (ValueError, KeyError, TypeError):
        return None


def unreadable_ledger(root: Path) -> str:
    return (f"Nothing was brought forward from your rehearsals: {ledger_path(root)} could not be read. "
            "Delete that file to bring forward each question's latest weak rehearsal at the next push.")


def save_applied(root: Path, added: set[str]) -> None:
    """Add ADDED to the ledger, merged with what another process (the studio, a second push)
    wrote meanwhile, under a file lock, so no line applied is forgotten and applied again."""
    path = ledger_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path.with_name(FORWARD_FILE + ".lock")):
        applied = (load_applied(root) or set()) | added
        with replacing(path) as tmp:
            tmp.write_text(json.dumps({"applied": sorted(applied)}, indent=1, ensure_ascii=False) + "\n",
                           encoding="utf-8")


@contextmanager
def _locked(lock: Path) -> Iterator[None]:
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:  # Windows: one process at a time is the studio's lock alone
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def line_key(p: Practice) -> str:
    return f"{p.time}|{p.question}|{p.company or ''}"


def _day(iso: str) -> str:
    try:
        d = datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return "an earlier day"
    return f"{d.day} {d:%b}"


def _short(text: str, most: int = 60) -> str:
    """A long question, cut at a word and ended with an ellipsis: one report line each."""
    if len(text) <= most:
        return text
    return text[:most].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def _same(text: str) -> str:
    return " ".join(text.split()).casefold().rstrip(".")


def _numbers(items: list[int]) -> str:
    shown = [str(n) for n in items]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def latest_lines(history: list[Practice], questions: dict | None = None, companies: dict | None = None) -> list[Practice]:
    """The latest line of each question (and company): a later rehearsal says how it stands now.
    QUESTIONS, COMPANIES: old and new ids -> the item, so a line from before a rename and one
    after it are of the same question."""
    def same(ids: dict | None, i: str | None) -> str | None:
        item = ids.get(i) if ids and i is not None else None
        return item.id if item is not None else i

    latest: dict[tuple[str | None, str | None], Practice] = {}
    for p in history:
        latest[(same(questions, p.question), same(companies, p.company))] = p
    return list(latest.values())


def wanted(ws: Workspace, plan, history: list[Practice], applied: set[str]) -> list[Wanted]:
    """What the history lines not yet applied bring forward, in this build's notes."""
    questions = {q.renamed_from: q for q in ws.questions.values() if q.renamed_from}
    questions.update(ws.questions)
    companies = {c.renamed_from: c for c in ws.companies.values() if c.renamed_from}
    companies.update(ws.companies)
    live = {p.guid for p in plan.notes if not p.tombstone}
    numbering = plan.new_state.notes
    out: list[Wanted] = []
    for line in latest_lines(history, questions, companies):
        key = line_key(line)
        if key in applied:
            continue
        weak_rating = line.rating <= 2
        missed = [(i + 1, c.point, "not covered" if c.ticked is False else "not heard")
                  for i, c in enumerate(line.points)
                  if c.ticked is False or (c.ticked is None and c.heard is False)]
        if not weak_rating and not missed:
            continue
        q = questions.get(line.question)
        company = companies.get(line.company) if line.company else None
        if q is None or (line.company and company is None):
            what = f"question '{line.question}'" if q is None else f"company '{line.company}'"
            out.append(Wanted(key, _day(line.time), line.question + (f" ({line.company})" if line.company else ""),
                              f"its {what} is no longer in your files"))
            continue
        title = _short(question_text(q, company)) + (f" ({render.text(company.name)})" if company else "")
        values = placeholder_values(company)
        # The notes the review showed: the company's tailored answer first, then the general one.
        places = [company.identity] if company and q.id in company.tailoring else []
        places.append("")
        answers = [g for g in (note_guid("tailored" if cid else "answer", cid, q.identity) for cid in places)
                   if g in live]
        point_notes = [g for g in (note_guid("points", cid, q.identity) for cid in places) if g in live]
        want = Wanted(key, _day(line.time), title, "")
        if weak_rating:
            want.why = f"rated {line.rating} ({RATINGS[line.rating]})"
            want.cards = [(g, None) for g in answers + point_notes]
        else:
            reasons: dict[str, list[int]] = {}
            gone: list[int] = []
            for number, point, how in missed:
                card = _point_card(_same(point), point_notes, numbering, values)
                if card is None:
                    card = _answer_card(_same(point), q.id, company, ws, values, answers, places)
                if card is None:
                    gone.append(number)
                    continue
                if card not in want.cards:
                    want.cards.append(card)
                reasons.setdefault(how, []).append(number)
            parts = [f"key point{'s' if len(ns) > 1 else ''} {_numbers(ns)} {how}" for how, ns in reasons.items()]
            if gone:
                parts.append(f"key point{'s' if len(gone) > 1 else ''} {_numbers(gone)} "
                             f"{'are' if len(gone) > 1 else 'is'} no longer in your files")
            want.why = "; ".join(parts)
        out.append(want)
    return out


def _point_card(point: str, point_notes: list[str], numbering, values) -> tuple[str, int] | None:
    for guid in point_notes:
        record = numbering.get(guid)
        for number, text in (record.points if record else ()):
            if _same(render.text(str(text), values)) == point:
                return guid, int(number) - 1
    return None


def _answer_card(point: str, qid: str, company, ws: Workspace, values, answers: list[str],
                 places: list[str]) -> tuple[str, int] | None:
    """A point of an answer without key-point cards (one point, or point_cards off): its answer's card."""
    answer = ws.answers.get(qid)
    for cid, guid in zip(places, [note_guid("tailored" if c else "answer", c, ws.questions[qid].identity)
                                  for c in places]):
        points = company.tailoring.get(qid, ()) if cid else (answer.points if answer else ())
        if guid in answers and any(_same(render.text(str(p), values)) == point for p in points):
            return guid, 0
    return None


def bring_forward(delivery: Delivery, ws: Workspace, plan, after: dict[str, NoteState], cards: Dues,
                  now: float | None = None) -> None:
    """Make the cards the rehearsal found weak due today; DELIVERY lists each line and what it did."""
    root = ws.root
    applied = load_applied(root)
    if applied is None:
        delivery.notes.append(unreadable_ledger(root))
        return
    lines = wanted(ws, plan, read_history(root), applied)
    if not lines:
        return
    nids = sorted({after[g].nid for w in lines for g, _ in w.cards if g in after})
    states = cards.card_dues(nids) if nids else []
    by_note: dict[int, list[CardDue]] = {}
    for c in states:
        by_note.setdefault(c.nid, []).append(c)
    chosen = {w.key: _cards_of(w, after, by_note) for w in lines}
    daily = [c for cs in chosen.values() for c in cs if c.queue in (REVIEW, DAY_LEARNING) and not c.filtered]
    today = cards.today(daily) if daily else 0
    moment = int(time.time() if now is None else now)
    changes: dict[int, int] = {}
    for cs in chosen.values():
        for c in cs:
            due = _due_now(c, today, moment)
            if due is not None:
                changes[c.cid] = due
    took: set[int] = set()
    if changes:
        took = cards.set_dues(sorted(changes.items()))
    done: set[str] = set()
    for w in lines:
        cs = chosen[w.key]
        if not w.cards:  # nothing of it left in the files: said once
            done.add(w.key)
            delivery.not_brought_forward.append(f"{w.when}, {w.title}: {w.why}.")
            continue
        moved = [c for c in cs if c.cid in changes and c.cid in took]
        failed = [c for c in cs if c.cid in changes and c.cid not in took]
        if cs and not failed:
            done.add(w.key)
        said = f"{w.when}, {w.title}: {w.why}: {_outcome(cs, moved, failed, changes)}"
        (delivery.brought_forward if moved else delivery.not_brought_forward).append(said)
        if failed:
            delivery.forward_failed += len(failed)
    if done:
        try:
            save_applied(root, done)
        except OSError:
            delivery.notes.append(f"Could not write {ledger_path(root)}: the next push finds these cards due already")


def _cards_of(w: Wanted, after: dict[str, NoteState], by_note: dict[int, list[CardDue]]) -> list[CardDue]:
    out: list[CardDue] = []
    for guid, ord_ in w.cards:
        if guid not in after:
            continue
        out += [c for c in by_note.get(after[guid].nid, []) if ord_ is None or c.ord == ord_]
    return out


def _due_now(c: CardDue, today: int, moment: int) -> int | None:
    """The card's new due, or None to leave it as it is."""
    if c.filtered:
        return None
    if c.queue in (REVIEW, DAY_LEARNING) and c.due > today:
        return today
    if c.queue == LEARNING and c.due > moment:
        return moment
    return None


def _outcome(cs: list[CardDue], moved: list[CardDue], failed: list[CardDue], changes: dict[int, int]) -> str:
    if not cs:
        return "its cards are not in Anki yet (the next push tries again)."
    parts = []
    if moved:
        parts.append(f"{plural(len(moved), 'card')} due today")
    if failed:
        parts.append(f"{plural(len(failed), 'card')} not changed by Anki (the next push tries again)")
    left = [c for c in cs if c.cid not in changes]
    kinds = [
        ("already due", [c for c in left if not c.filtered and c.queue in (LEARNING, REVIEW, DAY_LEARNING)]),
        ("new, not studied yet (new cards come in their turn)", [c for c in left if not c.filtered and c.queue == NEW]),
        ("suspended in Anki, left alone", [c for c in left if not c.filtered and c.queue == SUSPENDED]),
        ("buried in Anki, left alone", [c for c in left if not c.filtered and c.queue < SUSPENDED]),
        ("in a filtered deck, left alone", [c for c in left if c.filtered]),
    ]
    for words, group in kinds:
        if group:
            parts.append(f"{len(group)} {words}" if len(cs) > 1 else words)
    return ", ".join(parts) + "."


class AtOnce:
    """The studio's callback after each rating (cli.py hands it down): with Anki open, the
    rating's cards come forward at once through AnkiConnect; with Anki closed, the next push
    does it. Runs on the studio's worker thread, one at a time; says what it did, or why not,
    in one line of the studio's terminal, and never raises."""

    def __init__(self, folder: str, url: str, key: str | None, echo, timeout: float = 30):
        import threading

        self.folder, self.url, self.key, self.echo, self.timeout = folder, url, key, echo, timeout
        self.lock = threading.Lock()
        self.said_closed = False
        self.said: set[str] = set()  # lines said already: a rehearsal whose cards wait for a push is said once
        self.waiting: set[str] = set()  # history lines left to the next push (cards not in Anki, or not taken)
        self.said_unreadable: set[Path] = set()

    def __call__(self) -> None:
        with self.lock:
            try:
                self._apply()
            except ProblemsError:
                self.echo("Not brought forward in Anki now: your files have errors (deck-builder check shows them); "
                          "once they are fixed, the next deck-builder push does it.")
            except Exception as exc:  # noqa: BLE001 - the studio goes on whatever Anki does
                message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
                self.echo(f"Not brought forward in Anki now ({message}); the next deck-builder push does it.")

    def _apply(self) -> None:
        from ..build import plan_next
        from ..cards.notetypes import note_types
        from .ankiconnect import AnkiConnect, Unreachable

        ws, plan, _ = plan_next(self.folder)
        applied = load_applied(ws.root)
        if applied is None:
            if ws.root not in self.said_unreadable:
                self.said_unreadable.add(ws.root)
                self.echo(unreadable_ledger(ws.root))
            return
        # lines whose cards were not in Anki, or not taken: the next push, not every rating, tries again
        pending = [w for w in wanted(ws, plan, read_history(ws.root), applied) if w.key not in self.waiting]
        if not ws.settings.bring_forward or not pending:
            return
        client = AnkiConnect(self.url, self.key, self.timeout)
        try:
            client.check_version()
        except Unreachable:
            if not self.said_closed:
                self.said_closed = True
                self.echo("Anki is not open: the next deck-builder push makes the cards of weak answers due today.")
            return
        types = note_types(ws.settings.tts, ws.settings.voices)
        after = client.snapshot(plan, types, ws.root / "build")
        delivery = Delivery(via=f"Anki, through AnkiConnect at {client.shown}")
        bring_forward(delivery, ws, plan, after, client)
        self.waiting |= {w.key for w in pending} - (load_applied(ws.root) or set())
        for words, said in (("Brought forward in Anki (due today)", delivery.brought_forward),
                            ("Not brought forward", delivery.not_brought_forward)):
            for line in said:
                if line not in self.said:
                    self.said.add(line)
                    self.echo(f"{words}: {line}")
