"""Rebuild and re-import through the real Anki engine: the heart of deck-builder.

A rebuild must update notes in place (same note and card ids, review history kept), never
duplicate them, never be skipped by Anki (even within one second), leave unchanged notes
alone, and make removed items findable without ever bringing a deleted one back.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from deck_builder.apkg.plan import REMOVED_SEARCH
from deck_builder.build import build_deck


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def remove_returns_product(workspace: Path) -> str:
    """Delete the "Northwind Returns" product from the example; returns the file's old text."""
    company = workspace / "companies" / "northwind.yaml"
    text = company.read_text(encoding="utf-8")
    block = re.search(r"^  - name: Northwind Returns\n(?:    .*\n)+(?:\n)?", text, re.M).group(0)
    company.write_text(text.replace(block, "", 1), encoding="utf-8")
    return text


def review_one_card(col, deck: str = "Interview Prep") -> int:
    """Answer the first queued card GOOD with the v3 scheduler; returns its card id."""
    from anki.scheduler.v3 import CardAnswer

    col.decks.select(col.decks.id_for_name(deck))
    queued = col.sched.get_queued_cards(fetch_limit=1).cards[0]
    card = col.get_card(queued.card.id)
    card.start_timer()
    col.sched.answer_card(col.sched.build_answer(card=card, states=queued.states, rating=CardAnswer.GOOD))
    return card.id


def snapshot(col):
    """guid -> (note id, sorted card ids) for every note in the collection."""
    out = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        out[note.guid] = (note.id, sorted(c.id for c in note.cards()))
    return out


def test_rebuild_in_the_same_second_updates_in_place_and_keeps_history(example, anki):
    out = example / "build" / "deck.apkg"
    t = time.time()
    first = build_deck(str(example), out, now=t)
    total = len(first.plan.notes)
    log = anki.import_package(out)
    assert len(log.new) == total and not log.updated and not log.conflicting

    col = anki.col
    reviewed = review_one_card(col)
    revlog_before = col.db.scalar("select count() from revlog where cid = ?", reviewed)
    assert revlog_before == 1
    before = snapshot(col)

    # Edit a talking point, a fact's answer and a person's notes; remove a product.
    replace_in(example / "answers.yaml", "12 years in parcel operations", "Twelve years in parcel operations")
    company = example / "companies" / "northwind.yaml"
    text = company.read_text(encoding="utf-8")
    fact_answer = re.search(r"^\s+a: (.+)$", text, re.M).group(1)
    replace_in(company, f"a: {fact_answer}", f"a: {fact_answer} (checked 2026)")
    replace_in(company, "front-line input.", "front-line input & <candour>.")
    remove_returns_product(example)

    second = build_deck(str(example), out, now=t)  # the same second as the first build
    assert second.plan.build_mod > first.plan.build_mod
    assert [c.label for c in second.plan.removed] == ["northwind/product/northwind-returns"]
    assert len(second.plan.changed) == 4  # the answer, its point clozes, the fact, the person

    log = anki.import_package(out)  # default options, as a user imports
    assert len(log.updated) == 5  # four changed notes and the removed product's flag
    assert len(log.duplicate) == total - 5  # unchanged notes are reported unchanged
    assert not log.new and not log.conflicting

    after = snapshot(col)
    assert after == before  # same notes, same note ids, same card ids: nothing duplicated
    assert col.db.scalar("select count() from revlog where cid = ?", reviewed) == revlog_before
    assert col.get_card(reviewed).reps == 1

    texts = " ".join(" ".join(n.fields) for n in anki.notes())
    assert "Twelve years in parcel operations" in texts
    assert f"{fact_answer} (checked 2026)" in texts
    assert "front-line input &amp; &lt;candour&gt;." in texts

    removed = anki.notes(REMOVED_SEARCH)
    assert [n.fields[0] for n in removed] == ["What is Northwind Returns?"]


def test_removed_note_deleted_by_the_user_never_returns_to_reviews(example, anki):
    out = example / "build" / "deck.apkg"
    t = time.time()
    build_deck(str(example), out, now=t)
    anki.import_package(out)
    remove_returns_product(example)
    build_deck(str(example), out, now=t + 1)
    anki.import_package(out)

    col = anki.col
    ids = col.find_notes(REMOVED_SEARCH)
    assert len(ids) == 1
    col.remove_notes(ids)  # the user deletes it, as the build summary says

    for n in range(2):  # later builds and imports, with and without other changes
        if n:
            replace_in(example / "answers.yaml", "12 years in parcel operations", "Twelve years in parcel ops")
        build_deck(str(example), out, now=t + 2 + n)
        anki.import_package(out)
        assert col.find_cards(REMOVED_SEARCH) == []  # no card of it anywhere, so never reviewed
        assert col.find_cards('"Prompt:What is Northwind Returns?"') == []
        assert len(col.find_notes('"Prompt:What is Northwind Returns?"')) == 1  # a card-less note, tagged removed


def test_unchanged_rebuild_keeps_edits_made_in_anki(example, anki):
    out = example / "build" / "deck.apkg"
    t = time.time()
    build_deck(str(example), out, now=t)
    anki.import_package(out)
    note = anki.notes("story")[0]
    note.fields[-1] = "my own note, typed in Anki"
    anki.col.update_note(note)

    result = build_deck(str(example), out, now=t)
    assert not result.plan.anything_changed
    log = anki.import_package(out)
    assert not log.updated and not log.new
    assert anki.col.get_note(note.id).fields[-1] == "my own note, typed in Anki"


def test_rebuilding_twice_never_duplicates(example, anki):
    out = example / "build" / "deck.apkg"
    for _ in range(3):
        build_deck(str(example), out)
        anki.import_package(out)
    result = build_deck(str(example), out)
    assert len(anki.notes()) == len(result.plan.notes)


def test_removed_item_added_back_is_live_again(example, anki):
    out = example / "build" / "deck.apkg"
    t = time.time()
    build_deck(str(example), out, now=t)
    anki.import_package(out)
    original = remove_returns_product(example)
    build_deck(str(example), out, now=t)
    anki.import_package(out)
    assert len(anki.notes(REMOVED_SEARCH)) == 1

    (example / "companies" / "northwind.yaml").write_text(original, encoding="utf-8")
    result = build_deck(str(example), out, now=t)
    assert [c.label for c in result.plan.added] == ["northwind/product/northwind-returns"]
    anki.import_package(out)
    assert anki.notes(REMOVED_SEARCH) == []
    assert "Removed from your sources" not in " ".join(anki.notes("\"Prompt:What is Northwind Returns?\"")[0].fields)


def test_removed_items_are_flagged_for_two_weeks_then_forgotten(example):
    from deck_builder.apkg.plan import TOMBSTONE_DAYS

    out = example / "build" / "deck.apkg"
    t = time.time()
    build_deck(str(example), out, now=t)
    remove_returns_product(example)
    flagged = build_deck(str(example), out, now=t + 1)
    assert [n.label for n in flagged.plan.notes if n.tombstone] == ["northwind/product/northwind-returns"]
    still = build_deck(str(example), out, now=t + TOMBSTONE_DAYS * 86400 - 60)
    assert [n.label for n in still.plan.notes if n.tombstone] == ["northwind/product/northwind-returns"]
    later = build_deck(str(example), out, now=t + TOMBSTONE_DAYS * 86400 + 60)
    assert not any(n.tombstone for n in later.plan.notes)
    assert later.plan.forgotten == 1
