"""Rehearsal brings cards forward (issue 16 point 2), with the real Anki engine: a rehearsal
written as the studio writes it, then `push`, then the cards it found weak are due today in
the collection, with their review history, interval and ease as they were."""

from __future__ import annotations

import json
import time

import pytest
from conftest import NEEDS_AQT, Col, closed
from test_phone import home  # noqa: F401 - the fixture: deck-builder's data folder, no Anki desktop
from test_roundtrip import replace_in

from deck_builder.cards.derive import note_guid
from deck_builder.push.forward import FORWARD_FILE
from deck_builder.rehearse.mock import PointCheck, Practice, append_history

pytestmark = NEEDS_AQT

CAREER = ["12 years in parcel operations, from shift lead to regional operations manager.",
          "Ran a 3-site network moving 180,000 parcels a day.",
          "Turned round a failing peak: on-time dispatch from 82% back to 97%.",
          "Redesigned returns: cut refund errors <2% & kept client NPS above 60.",
          "Those are the problems our company faces as it grows."]  # as the studio shows them, no company


def rehearse(root, question, company, rating, points=(), when="2026-12-04T10:15:00+00:00"):
    """One rated answer, through the writer the studio and mock use."""
    append_history(root, Practice(question, company, rating, 48.2, when,
                                  points=tuple(PointCheck(p, h, t) for p, h, t in points)))


def cards_of(col, kind, company, question):
    nid = col.db.scalar("select id from notes where guid = ?", note_guid(kind, company, question))
    return col.db.list("select id from cards where nid = ? order by ord", nid)


def study(col, cid):
    """Answer EASY with the v3 scheduler: a review card due in some days."""
    from anki.scheduler.v3 import CardAnswer

    card = col.get_card(cid)
    states = col._backend.get_scheduling_states(cid)
    card.start_timer()
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=CardAnswer.EASY))


def cards_state(col):
    """Every card: id -> (queue, type, due, ivl, factor, reps, lapses, mod, usn, memory state)."""
    out = {}
    for cid in col.db.list("select id from cards"):
        c = col.get_card(cid)
        out[cid] = (c.queue, c.type, c.due, c.ivl, c.factor, c.reps, c.lapses, c.mod, c.usn, str(c.memory_state))
    return out


def revlog(col):
    return col.db.all("select * from revlog order by id")


def due_fields(state):
    queue, type_, due, ivl, factor, reps, lapses, *_ = state
    return queue, type_, due, ivl, factor, reps, lapses


@pytest.fixture
def studied(example, profile, cli):
    """The example pushed into a closed profile, the cards of two questions (and one other) studied."""
    base, collection = profile
    assert cli("push", example, *closed(base)).exit_code == 0
    with Col(collection) as col:
        col.set_config("fsrs", True)  # FSRS on: each studied card has a memory state to keep
        points = cards_of(col, "points", "", "career-prepared")
        decision = [c for kind, company in (("tailored", "northwind"), ("points", "northwind"), ("answer", ""),
                                            ("points", ""))
                    for c in cards_of(col, kind, company, "difficult-decision")]
        other = cards_of(col, "answer", "", "lessons-learned")
        for cid in points + cards_of(col, "answer", "", "career-prepared") + decision + other:
            study(col, cid)
        assert {col.get_card(c).queue for c in points + decision + other} == {2} and len(decision) == 8
        assert all(col.get_card(c).due > col.sched.today for c in points + decision + other)
    return base, collection, points, decision, other


def test_a_rehearsal_then_push_makes_the_weak_cards_due_today_and_keeps_their_history(example, studied, cli):
    base, collection, points, decision, other = studied
    root = example
    rehearse(root, "career-prepared", None, 3, [
        (CAREER[0], True, True),
        (CAREER[1], False, False),  # not heard, left unticked: brought forward
        (CAREER[2], False, True),  # not heard, but the user ticked it: their word counts
        (CAREER[3], True, False),  # heard, but the user unticked it: brought forward
        (CAREER[4], True, True),
    ])
    rehearse(root, "difficult-decision", "northwind", 2)  # shaky: every card of the question
    rehearse(root, "lessons-learned", None, 4, [("Measure at the dock door: most delays start upstream of where "
                                                 "they show.", True, True)])
    rehearse(root, "obstacles", None, 3, [("A point I deleted since.", False, False)])
    with Col(collection) as col:
        before, history = cards_state(col), revlog(col)

    off = cli("push", root, *closed(base, "--no-bring-forward"))
    assert off.exit_code == 0, off.output
    assert "Brought forward" not in off.stdout
    assert not (root / ".deck-builder" / FORWARD_FILE).exists()
    with Col(collection) as col:
        assert {c: due_fields(s) for c, s in cards_state(col).items()} == {c: due_fields(s) for c, s in before.items()}

    on = cli("push", root, *closed(base))
    assert on.exit_code == 0, on.output
    assert ("Brought forward from your rehearsals (due today in Anki; review history unchanged):\n"
            "  4 Dec, Please detail how your career has prepared you for this…: key points 2 and 4 not covered: "
            "2 cards due today.\n"
            "  4 Dec, Please tell me about a time you had to make a difficult… (Northwind Parcel): rated 2 (shaky): "
            "8 cards due today.\n"
            "\n"
            "Not brought forward from your rehearsals:\n"
            "  4 Dec, What have been the biggest obstacles to your career success…: key point 1 is no longer in "
            "your files.\n"
            "  push --no-bring-forward (or bring_forward: false in deck.yaml) turns this off.\n") in on.stdout
    with Col(collection) as col:
        today = col.sched.today
        after = cards_state(col)
        assert revlog(col) == history  # not one review entry added, none changed
        forward = {points[1], points[3], *decision}
        for cid, state in after.items():
            queue, type_, due, ivl, factor, reps, lapses, mod, usn, memory = state
            b = before[cid]
            if cid in forward:
                assert due == today and b[2] > today
                assert (queue, type_, ivl, factor, reps, lapses, memory) == (b[0], b[1], b[3], b[4], b[5], b[6], b[9])
                assert mod >= b[7] and usn == -1  # changed as a card: the next sync carries it
                assert "stability" in memory  # FSRS's memory state, as it was
            else:
                assert due_fields(state) == due_fields(b), cid  # the other key points, the heard ones, the rest
        assert all(col.get_card(c).due > today for c in other)
    ledger = json.loads((root / ".deck-builder" / FORWARD_FILE).read_text(encoding="utf-8"))
    assert len(ledger["applied"]) == 3  # the three lines that asked for something (4 is fine)

    again = cli("push", root, *closed(base))
    assert again.exit_code == 0, again.output
    assert "Brought forward" not in again.stdout
    with Col(collection) as col:
        assert cards_state(col) == after and revlog(col) == history


def test_a_card_already_due_suspended_or_new_is_left_and_said(example, profile, cli):
    from anki.scheduler.v3 import CardAnswer

    base, collection = profile
    assert cli("push", example, *closed(base)).exit_code == 0
    with Col(collection) as col:
        points = cards_of(col, "points", "", "career-prepared")
        study(col, points[0])
        study(col, points[1])
        col.sched.suspend_cards([points[1]])
        learning = col.get_card(points[3])
        learning.start_timer()
        col.sched.answer_card(col.sched.build_answer(card=learning, states=col._backend.get_scheduling_states(
            points[3]), rating=CardAnswer.GOOD))  # a learning card, due again in some minutes
        assert col.get_card(points[3]).queue == 1 and col.get_card(points[3]).due > time.time()
        before, history = cards_state(col), revlog(col)
    rehearse(example, "career-prepared", None, 3, [(CAREER[0], False, False), (CAREER[1], False, False),
                                                   (CAREER[2], False, False), (CAREER[3], True, False),
                                                   (CAREER[4], True, True)])
    result = cli("push", example, *closed(base))
    assert result.exit_code == 0, result.output
    assert ("key points 1, 2, 3 and 4 not covered: 2 cards due today, 1 new, not studied yet (new cards come in their "
            "turn), 1 suspended in Anki, left alone.") in result.stdout
    with Col(collection) as col:
        after = cards_state(col)
        assert after[points[0]][2] == col.sched.today
        assert after[points[3]][2] <= time.time() and after[points[3]][0] == 1  # learning: due now
        assert due_fields(after[points[1]]) == due_fields(before[points[1]])  # suspended: the user's choice
        assert due_fields(after[points[2]]) == due_fields(before[points[2]])  # new: as it was
        assert revlog(col) == history


def test_a_later_rehearsal_of_the_same_question_says_how_it_stands(example, studied, cli):
    base, collection, *_ = studied
    rehearse(example, "difficult-decision", "northwind", 1, when="2026-12-04T10:15:00+00:00")
    rehearse(example, "difficult-decision", "northwind", 4, when="2026-12-04T10:20:00+00:00")
    with Col(collection) as col:
        before = cards_state(col)
    result = cli("push", example, *closed(base))
    assert result.exit_code == 0, result.output
    assert "Brought forward" not in result.stdout
    with Col(collection) as col:
        assert {c: due_fields(s) for c, s in cards_state(col).items()} == {c: due_fields(s) for c, s in before.items()}


def test_a_later_rehearsal_after_a_rename_says_how_the_question_stands_too(example, studied, cli):
    base, collection, *_ = studied
    rehearse(example, "difficult-decision", "northwind", 2, when="2026-12-01T10:15:00+00:00")
    old = example / "companies" / "northwind.yaml"
    new = old.with_name("northwind-parcel.yaml")
    new.write_text("renamed_from: northwind\n" + old.read_text(encoding="utf-8"), encoding="utf-8")
    old.unlink()  # the company's file renamed; the rehearsal after it went well
    rehearse(example, "difficult-decision", "northwind-parcel", 4, when="2026-12-03T10:15:00+00:00")
    with Col(collection) as col:
        before = cards_state(col)
    result = cli("push", example, *closed(base))
    assert result.exit_code == 0, result.output
    assert "brought forward" not in result.stdout.lower()
    with Col(collection) as col:
        assert {c: due_fields(s) for c, s in cards_state(col).items()} == {c: due_fields(s) for c, s in before.items()}


def test_an_unreadable_ledger_brings_nothing_forward_and_says_how_to_start_again(example, studied, cli):
    base, collection, *_ = studied
    rehearse(example, "difficult-decision", "northwind", 2)
    ledger = example / ".deck-builder" / FORWARD_FILE
    ledger.write_text('{"applied": ["2026-', encoding="utf-8")  # cut short: which lines were applied is unknown
    with Col(collection) as col:
        before = cards_state(col)
    result = cli("push", example, *closed(base))
    assert result.exit_code == 0, result.output
    assert (f"Nothing was brought forward from your rehearsals: {ledger} could not be read. Delete that file "
            "to bring forward each question's latest weak rehearsal at the next push.") in " ".join(result.output.split())
    with Col(collection) as col:
        assert {c: due_fields(s) for c, s in cards_state(col).items()} == {c: due_fields(s) for c, s in before.items()}
    ledger.unlink()  # the fix, applied literally
    again = cli("push", example, *closed(base))
    assert again.exit_code == 0 and "rated 2 (shaky): 8 cards due today." in again.stdout


def test_the_ledger_keeps_what_another_process_wrote_meanwhile(tmp_path):
    from deck_builder.push.forward import load_applied, save_applied

    assert load_applied(tmp_path) == set()  # no ledger yet: nothing applied
    save_applied(tmp_path, {"2026-12-04T10:15:00+00:00|weakness|"})  # the studio, at once
    save_applied(tmp_path, {"2026-12-04T10:20:00+00:00|strengths|acme"})  # a push that read the ledger before
    assert load_applied(tmp_path) == {"2026-12-04T10:15:00+00:00|weakness|", "2026-12-04T10:20:00+00:00|strengths|acme"}


def test_deck_yaml_turns_it_off_and_a_wrong_value_is_an_error(example, studied, cli):
    base, collection, *_ = studied
    rehearse(example, "difficult-decision", "northwind", 1)
    (example / "deck.yaml").write_text((example / "deck.yaml").read_text() + "bring_forward: maybe\n")
    wrong = cli("push", example, *closed(base))
    assert wrong.exit_code != 0
    assert "deck.yaml:" in wrong.stderr and "bring_forward: expected true or false, got 'maybe'" in wrong.stderr
    replace_in(example / "deck.yaml", "bring_forward: maybe", "bring_forward: false")
    with Col(collection) as col:
        before = cards_state(col)
    off = cli("push", example, *closed(base))
    assert off.exit_code == 0, off.output
    assert "Brought forward" not in off.stdout
    with Col(collection) as col:
        assert {c: due_fields(s) for c, s in cards_state(col).items()} == {c: due_fields(s) for c, s in before.items()}


def test_into_deck_builders_own_collection(example, cli, tmp_path):
    first = cli("push", example, "--own-collection")
    assert first.exit_code == 0, first.output
    collection = _own()
    with Col(collection) as col:
        points = cards_of(col, "points", "northwind", "why-this-company")
        for cid in points:
            study(col, cid)
        before, history = cards_state(col), revlog(col)
    rehearse(example, "why-this-company", "northwind", 3, [
        ("Next-Day Everywhere needs fulfilment that keeps pace with transport.", True, True),
        ("Eastgate is a chance to design a site well from the start.", False, None),  # rated before hearing ended
        ("Northwind missed its 97% on-time target; I know how to close that gap.", None, None),
    ])
    result = cli("push", example, "--own-collection")
    assert result.exit_code == 0, result.output
    assert "key point 2 not heard: 1 card due today." in result.stdout
    with Col(collection) as col:
        after = cards_state(col)
        assert after[points[1]][2] == col.sched.today and before[points[1]][2] > col.sched.today
        assert due_fields(after[points[0]]) == due_fields(before[points[0]])
        assert due_fields(after[points[2]]) == due_fields(before[points[2]])
        assert revlog(col) == history


def _own():
    from deck_builder.push.own import own_collection

    return own_collection(None).collection


def test_ankis_own_set_due_date_writes_a_review_entry_which_is_why_push_does_not_use_it(anki):
    """The fact forward.py rests on (docs/anki.md): Set Due Date adds a "Manual" review entry,
    saving the card with a new due adds none and marks it for the next sync."""
    col = anki.col
    for text in ("one", "two"):
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"] = text
        col.add_note(note, col.decks.id_for_name("Default"))
    one, two = col.find_cards("")
    for cid in (one, two):
        study(col, cid)
    col.sched.set_due_date([one], "0")
    assert col.db.list("select type from revlog where cid = ? order by id", one) == [0, 4]  # 4: Manual
    card = col.get_card(two)
    card.due = col.sched.today
    col.update_cards([card])
    assert col.db.list("select type from revlog where cid = ? order by id", two) == [0]
    assert col.get_card(two).due == col.sched.today and col.get_card(two).usn == -1


def test_the_phone_gets_the_new_due_date_at_its_next_sync(example, home, tmp_path):  # noqa: F811
    """deck-builder's own collection, synced: the card brought forward is due today on the
    phone too, and the phone's review history of it is the same."""
    from anki_desktop import SyncServer
    from test_phone import Phone, login, push

    with SyncServer(tmp_path / "sync") as server:
        phone = Phone(tmp_path / "phone" / "collection.anki2", server)
        try:
            phone.add_own()
            assert phone.sync() == 4  # the phone fills the new server
            assert login(server).exit_code == 0
            assert push(example, "--sync", "--yes").exit_code == 0
            phone.sync()
            points = cards_of(phone.col, "points", "", "career-prepared")
            study(phone.col, points[1])
            phone.sync()
            assert push(example, "--sync").exit_code == 0  # the review comes to the own collection
            due = phone.col.get_card(points[1]).due
            assert due > phone.col.sched.today
            history = revlog(phone.col)
            rehearse(example, "career-prepared", None, 3, [(p, p != CAREER[1], p != CAREER[1]) for p in CAREER])
            pushed = push(example, "--sync")
            assert pushed.exit_code == 0, pushed.output
            assert "key point 2 not covered: 1 card due today." in pushed.stdout
            phone.sync()
            card = phone.col.get_card(points[1])
            assert card.due == phone.col.sched.today and card.queue == 2
            assert revlog(phone.col) == history
        finally:
            phone.close()


def test_the_studios_callback_with_anki_closed_or_files_broken_says_so_in_one_line(example):
    """push.forward.AtOnce, as cli.py hands it to the studio: nothing to do says nothing and
    asks nothing of Anki; Anki closed is said once; broken files are said, with what to run."""
    from anki_desktop import free_port

    from deck_builder.push.forward import AtOnce

    said: list[str] = []
    at_once = AtOnce(str(example), f"http://127.0.0.1:{free_port()}", None, said.append)
    rehearse(example, "career-prepared", None, 4)
    at_once()
    assert said == []
    rehearse(example, "career-prepared", None, 2)
    at_once()
    at_once()
    assert said == ["Anki is not open: the next deck-builder push makes the cards of weak answers due today."]
    (example / "answers.yaml").write_text("career-prepared:\n  points: [\n", encoding="utf-8")
    at_once()
    assert said[1:] == ["Not brought forward in Anki now: your files have errors (deck-builder check shows them); "
                        "once they are fixed, the next deck-builder push does it."]


def test_a_rehearsed_question_no_longer_in_the_files_is_said_once(example, profile, cli):
    base, collection = profile
    rehearse(example, "a-question-since-deleted", None, 1)
    rehearse(example, "career-prepared", "a-company-since-deleted", 2)
    first = cli("push", example, *closed(base))
    assert first.exit_code == 0, first.output
    assert ("  4 Dec, a-question-since-deleted: its question 'a-question-since-deleted' is no longer in your files.\n"
            "  4 Dec, career-prepared (a-company-since-deleted): its company 'a-company-since-deleted' is no longer "
            "in your files.\n") in first.stdout
    again = cli("push", example, *closed(base))
    assert again.exit_code == 0 and "Brought forward" not in again.stdout


def test_watch_push_brings_forward_and_says_so(example, studied, tmp_path):
    """watch --push takes push's switch: its first push brings a rehearsal forward, in one line."""
    import signal

    from test_watch import Watcher

    base, collection, points, *_ = studied
    rehearse(example, "career-prepared", None, 3, [(p, p != CAREER[1], p != CAREER[1]) for p in CAREER])
    w = Watcher(example, tmp_path / "out" / "deck.apkg", "--push", *closed(base))
    try:
        assert "in Anki: " in w.wait_for("in Anki: ")
        line = w.wait_for("brought forward")
    finally:
        w.proc.send_signal(signal.SIGINT)
        w.proc.wait(timeout=60)
    assert line.endswith("  brought forward from your rehearsal of 4 Dec, Please detail how your career has prepared "
                         "you for this…: key point 2 not covered: 1 card due today.")
    with Col(collection) as col:
        assert col.get_card(points[1]).due == col.sched.today
