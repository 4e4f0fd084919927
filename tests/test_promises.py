"""The build's promises of identity, modification times, escaping and atomic writes, one
fixed test each (issue 12: a safety net to refactor the reader, validator and planner against).

tests/PROMISES.md lists every promise (README.md's "How rebuilds stay safe", docs/anki.md,
docs/format.md and the modules' docstrings) with the test that guards it. This file holds
those that only a random property test, or nothing, guarded before. Each one fails when its
promise breaks: `python scripts/mutants.py` makes each deliberate bug and names the tests
that catch it. Real files, the real Anki engine, real processes interrupted for real.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from deck_builder.apkg.plan import REMOVED_SEARCH, REMOVED_TAG, TOMBSTONE_DAYS
from deck_builder.apkg.state import load_state, state_path
from deck_builder.build import build_deck
from deck_builder.cards.derive import note_guid
from deck_builder.cards.notetypes import note_types

# A small workspace with every kind of note, each item with an explicit id.
BANK = """
    bank: Mine
    questions:
      - id: why-us
        ask: Why do you want to work for {company}?
        category: goals
      - id: biggest-win
        ask: What is your biggest win?
    """
ANSWERS = """
    why-us:
      points:
        - Their parcel network is growing fast.
        - I have run networks like it.
      stories: [peak]
    biggest-win:
      points: [Cleared a 3-day backlog in 9 days.]
    """
STORIES = """
    peak:
      title: Recovering a failing peak season
      result: Backlog cleared in 9 days.
    """
ACME = """
    name: Acme Parcel
    role: Head of Operations
    facts:
      - id: founded
        q: When was Acme founded?
        a: In 2006.
      - id: sites
        cloze: "Acme runs {{c1::6}} fulfilment centres."
    products:
      - id: next-day
        name: Acme Next Day
        about: Next-day delivery for businesses.
    people:
      - id: ceo
        name: Dana Okafor
        role: Chief Executive
    tailoring:
      why-us:
        - Acme's Eastgate hub needs what I built.
        - Their on-time rate is below target.
    questions_to_ask:
      - What does success look like in a year?
    """
FILES = {"deck.yaml": "banks: []\n", "questions/mine.yaml": BANK, "answers.yaml": ANSWERS,
         "stories.yaml": STORIES, "companies/acme.yaml": ACME}
LABELS = {  # label -> identity (kind, company id, item id), as docs/format.md section 4 lists them
    "answer/why-us": ("answer", "", "why-us"),
    "points/why-us": ("points", "", "why-us"),
    "answer/biggest-win": ("answer", "", "biggest-win"),
    "story/peak": ("story", "", "peak"),
    "acme/tailored/why-us": ("tailored", "acme", "why-us"),
    "acme/points/why-us": ("points", "acme", "why-us"),
    "acme/fact/founded": ("fact", "acme", "founded"),
    "acme/fact/sites": ("cloze", "acme", "sites"),
    "acme/product/next-day": ("product", "acme", "next-day"),
    "acme/person/ceo": ("person", "acme", "ceo"),
    "acme/questions-to-ask": ("asks", "acme", ""),
}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def guids(result) -> dict[str, str]:
    """label -> GUID of the notes a build wrote (removed items' flagged notes left out)."""
    return {n.label: n.guid for n in result.plan.notes if not n.tombstone}


def labels(changes) -> list[str]:
    return sorted(c.label for c in changes)


def as_text(rendered: str) -> str:
    """A rendered card side as the user reads it: no stylesheet, no tags, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered.split("</style>", 1)[-1]))


def cloze_spans(rendered: str) -> list[str]:
    """The text of the active cloze on a card side ("[...]" on the front), as the user reads it."""
    return [html.unescape(s) for s in re.findall(r'<span class="cloze"[^>]*>(.*?)</span>', rendered)]


def fields_of(anki, guid: str) -> dict[str, str]:
    note = anki.note_by_guid(guid)
    return dict(zip(note.keys(), note.fields))


# -- identity: a note is what an item is, never its text --------------------------------------

def imported(workspace, anki, files=None, now=None):
    """A workspace of FILES (default FILES), built once at NOW (default: now) and imported
    into ANKI: (workspace, package, the time, the build)."""
    ws = workspace(FILES if files is None else files)
    out = ws / "deck.apkg"
    t = time.time() if now is None else now
    first = build_deck(str(ws), out, now=t)
    anki.import_package(out)
    return ws, out, t, first


def test_rewording_every_kind_of_item_keeps_its_note_cards_and_reviews(workspace, anki):
    ws = workspace(FILES)
    out = ws / "deck.apkg"
    t = time.time()
    first = build_deck(str(ws), out, now=t)
    assert guids(first) == {label: note_guid(*identity) for label, identity in LABELS.items()}
    log = anki.import_package(out)
    assert len(log.new) == len(LABELS)
    reviewed = [min(cids) for _, cids in anki.snapshot().values()]  # one card of every note
    for cid in reviewed:
        anki.review(cid)
    before = anki.snapshot()

    edit(ws / "questions/mine.yaml", "Why do you want to work for {company}?", "What draws you to {company}?")
    edit(ws / "stories.yaml", "Recovering a failing peak season", "Saving the peak season")
    company = ws / "companies/acme.yaml"
    edit(company, "q: When was Acme founded?", "q: In what year was Acme founded?")
    edit(company, "Acme runs {{c1::6}} fulfilment centres.", "Acme runs {{c1::7}} fulfilment centres and a hub.")
    edit(company, "name: Acme Next Day", "name: Acme Next-Day Express")
    edit(company, "name: Dana Okafor", "name: Dana Okafor-Reyes")
    edit(company, "What does success look like in a year?", "What would success look like after a year?")
    edit(company, "- Their on-time rate is below target.", "- Their on-time rate is 2 points below target.")

    second = build_deck(str(ws), out, now=t)  # the same second, even
    assert guids(second) == guids(first)
    assert labels(second.plan.changed) == sorted(set(LABELS) - {"answer/biggest-win"})
    assert (second.plan.added, second.plan.removed, second.plan.unchanged) == ([], [], 1)

    log = anki.import_package(out)
    assert (len(log.updated), len(log.duplicate), log.new, log.conflicting) == (len(LABELS) - 1, 1, [], [])
    assert anki.snapshot() == before  # same notes, note ids and card ids: nothing duplicated
    for cid in reviewed:
        assert anki.col.get_card(cid).reps == 1
        assert anki.col.db.scalar("select count() from revlog where cid = ?", cid) == 1
    g = guids(second)
    assert fields_of(anki, g["acme/fact/founded"])["Prompt"] == "In what year was Acme founded?"
    assert fields_of(anki, g["acme/fact/sites"])["Text"] == "Acme runs {{c1::7}} fulfilment centres and a hub."
    assert fields_of(anki, g["acme/product/next-day"])["Prompt"] == "What is Acme Next-Day Express?"
    assert fields_of(anki, g["acme/person/ceo"])["Name"] == "Dana Okafor-Reyes"
    assert fields_of(anki, g["story/peak"])["Title"] == "Saving the peak season"
    assert fields_of(anki, g["answer/why-us"])["Prompt"] == "What draws you to our company?"
    assert fields_of(anki, g["acme/tailored/why-us"])["Prompt"] == "What draws you to Acme Parcel?"
    assert "<b>Saving the peak season</b>" in fields_of(anki, g["acme/tailored/why-us"])["Stories"]
    assert "2 points below target" in fields_of(anki, g["acme/points/why-us"])["Text"]
    assert "after a year" in fields_of(anki, g["acme/questions-to-ask"])["Answer"]


def test_renaming_the_company_its_role_and_the_deck_keeps_every_note(workspace, anki):
    ws, out, t, first = imported(workspace, anki)
    before = anki.snapshot()
    decks = {cid: anki.col.get_card(cid).did for _, cids in before.values() for cid in cids}

    edit(ws / "companies/acme.yaml", "name: Acme Parcel\nrole: Head of Operations",
         "name: Acme Logistics\nrole: VP Operations")
    (ws / "deck.yaml").write_text("deck: Jobs::Prep 2026\nbanks: []\n", encoding="utf-8")
    second = build_deck(str(ws), out, now=t)
    assert guids(second) == guids(first)
    assert labels(second.plan.changed) == sorted(label for label in LABELS if label.startswith("acme/"))
    assert (second.plan.added, second.plan.removed) == ([], [])

    log = anki.import_package(out)
    assert (log.new, log.conflicting) == ([], [])
    assert anki.snapshot() == before
    # As docs/format.md says: Anki does not move existing cards when a deck name changes.
    assert {cid: anki.col.get_card(cid).did for cid in decks} == decks
    assert fields_of(anki, guids(second)["acme/person/ceo"])["Company"] == "Acme Logistics"


def test_moving_a_question_to_another_bank_and_reordering_items_changes_nothing(workspace):
    ws = workspace(FILES)
    first = build_deck(str(ws), ws / "deck.apkg", now=1_750_000_000)
    edit(ws / "questions/mine.yaml", "  - id: biggest-win\n    ask: What is your biggest win?\n", "")
    (ws / "questions/other.yaml").write_text(
        "bank: Other\nquestions:\n  - id: biggest-win\n    ask: What is your biggest win?\n", encoding="utf-8")
    company = ws / "companies/acme.yaml"
    text = company.read_text(encoding="utf-8")
    founded = "  - id: founded\n    q: When was Acme founded?\n    a: In 2006.\n"
    sites = '  - id: sites\n    cloze: "Acme runs {{c1::6}} fulfilment centres."\n'
    company.write_text(text.replace(founded + sites, sites + founded), encoding="utf-8")
    answers = ws / "answers.yaml"
    why, win = answers.read_text(encoding="utf-8").split("biggest-win:")
    answers.write_text("biggest-win:" + win + why, encoding="utf-8")

    second = build_deck(str(ws), ws / "deck.apkg", now=1_750_000_001)
    assert not second.plan.anything_changed
    assert second.plan.unchanged == len(LABELS)
    assert guids(second) == guids(first)


def company_file(name: str) -> str:
    return ACME.replace("name: Acme Parcel", f"name: {name}")


def test_two_companies_with_the_same_questions_and_ids_get_notes_of_their_own(workspace, anki):
    ws = workspace({**FILES, "companies/beta.yaml": company_file("Beta Freight")})
    out = ws / "deck.apkg"
    result = build_deck(str(ws), out)
    g = guids(result)
    assert len(g) == len(result.plan.notes) == len(LABELS) + 7
    assert len(set(g.values())) == len(g)  # every note its own GUID
    for label, identity in LABELS.items():
        if label.startswith("acme/"):
            beta = label.replace("acme/", "beta/", 1)
            assert g[label] == note_guid(*identity) and g[beta] == note_guid(identity[0], "beta", identity[2])
    assert len({g["answer/why-us"], g["acme/tailored/why-us"], g["beta/tailored/why-us"]}) == 3

    log = anki.import_package(out)
    assert (len(log.new), log.duplicate, log.conflicting) == (len(g), [], [])
    for cid, deck in (("acme", "Interview Prep::Acme Parcel"), ("beta", "Interview Prep::Beta Freight")):
        note = anki.note_by_guid(g[f"{cid}/tailored/why-us"])
        assert [anki.col.decks.name(c.did) for c in note.cards()] == [deck]
        assert note.fields[0] == f"Why do you want to work for {deck.split('::')[1]}?"
    log = anki.import_package(out)
    assert (log.new, len(log.duplicate)) == ([], len(g))


# Items without an id take one from their text (docs/format.md "Derived ids"). These GUIDs
# are in users' collections: a change to how ids are derived or GUIDs computed re-creates
# every note without its history, so they are pinned here literally.
PINNED_FILES = {
    "deck.yaml": "banks: []\n",
    "questions/mine.yaml": BANK,
    "answers.yaml": ANSWERS,
    "stories.yaml": STORIES,
    "companies/zoe-co.yaml": """
        name: Zoë & Co
        facts:
          - q: When was {company} founded?
            a: In 1999.
          - cloze: "Zoë & Co runs {{c1::6}} sites and {{c2::38::number}} depots."
          - q: What does the annual report of this company say is the single largest risk to its plans?
            a: Labour costs.
        products:
          - name: Zoë's App
            about: An app.
        people:
          - name: 李雷
            role: CTO
          - name: Åsa Öberg-Núñez
            role: CEO
        tailoring:
          why-us: [A point, Another point]
        questions_to_ask: [Why now?]
        """,
}
PINNED = {
    "answer/why-us": 'vig1vey@xL',
    "points/why-us": 'y[&PtI1h2p',
    "answer/biggest-win": 'wu&7Mu`x.(',
    "story/peak": 'kN[ls,~6cc',
    "zoe-co/tailored/why-us": 'C5_|@SVb$J',
    "zoe-co/points/why-us": 'kh<vg6/mAT',
    "zoe-co/fact/when-was-company-founded": 'w1b6ouXEV+',
    "zoe-co/fact/zoe-co-runs-sites-and-depots": 'jhoei/%nFD',
    "zoe-co/fact/what-does-the-annual-report-of-this-company-say-is-the": 'MAVwrpA[lo',
    "zoe-co/product/zoe-s-app": 'y_3]QLK1,k',
    "zoe-co/person/id-5c8c492fec": 'vylqb6]?Rz',  # no ASCII letters: id- and the text's SHA-1
    "zoe-co/person/asa-oberg-nunez": 'bG&mTKnucX',
    "zoe-co/questions-to-ask": 'nQ6-vP7<Vv',
}
# Note types are matched by id: a changed id is a new note type (and "Merge note types").
PINNED_NOTE_TYPE_IDS = {"answer": 1909993776, "story": 1847082441, "basic": 1479874227, "cloze": 1771140619,
                        "person": 1115269573}


def test_derived_ids_and_guids_are_pinned(workspace):
    ws = workspace(PINNED_FILES)
    result = build_deck(str(ws), ws / "deck.apkg", now=1_750_000_000)
    assert guids(result) == PINNED
    assert {name: nt.id for name, nt in note_types().items()} == PINNED_NOTE_TYPE_IDS
    assert {name: nt.id for name, nt in note_types("en_US", ("Daniel",)).items()} == PINNED_NOTE_TYPE_IDS


def test_a_note_types_id_changes_with_its_fields_or_templates_only():
    from dataclasses import replace

    from deck_builder.cards.notetypes import Template

    basic = note_types()["basic"]
    reworded = replace(basic, templates=(Template("Card", "<b>{{Prompt}}</b>", "{{Answer}}"),))
    assert reworded.id == basic.id  # template wording is updated in place by Anki
    assert replace(basic, fields=basic.fields + ("Image",)).id != basic.id
    assert replace(basic, templates=basic.templates + (Template("Reverse", "{{Answer}}", "{{Prompt}}"),)).id != basic.id
    assert replace(basic, templates=(Template("Front", "{{Prompt}}", "{{Answer}}"),)).id != basic.id
    assert replace(basic, kind=1).id != basic.id


def test_correcting_a_cloze_facts_hidden_part_or_hint_keeps_its_note(workspace):
    ws = workspace({"deck.yaml": "banks: []\n", "companies/acme.yaml": """
        name: Acme
        facts:
          - cloze: "Acme runs {{c1::6}} sites and {{c2::38}} depots."
          - q: When was Acme founded?
            a: In 2006.
        """})
    first = build_deck(str(ws), ws / "deck.apkg", now=1_750_000_000)
    label = "acme/fact/acme-runs-sites-and-depots"
    assert label in guids(first)
    edit(ws / "companies/acme.yaml", "{{c1::6}} sites and {{c2::38}}", "{{c1::7}} sites and {{c2::40::number}}")
    second = build_deck(str(ws), ws / "deck.apkg", now=1_750_000_001)
    assert guids(second) == guids(first)
    assert (labels(second.plan.changed), second.plan.added, second.plan.removed) == ([label], [], [])

    # Without an id, the visible text and a fact's question are its identity (as documented).
    edit(ws / "companies/acme.yaml", "Acme runs", "Acme now runs")
    edit(ws / "companies/acme.yaml", "When was Acme founded?", "In what year was Acme founded?")
    third = build_deck(str(ws), ws / "deck.apkg", now=1_750_000_002)
    assert labels(third.plan.added) == ["acme/fact/acme-now-runs-sites-and-depots", "acme/fact/in-what-year-was-acme-founded"]
    assert labels(third.plan.removed) == [label, "acme/fact/when-was-acme-founded"]


def test_a_fact_changed_between_question_and_cloze_is_a_new_note(workspace, anki):
    ws, out, t, first = imported(workspace, anki)
    edit(ws / "companies/acme.yaml", "q: When was Acme founded?\n    a: In 2006.", 'cloze: "Acme was founded in {{c1::2006}}."')
    second = build_deck(str(ws), out, now=t)
    assert labels(second.plan.added) == labels(second.plan.removed) == ["acme/fact/founded"]
    new = guids(second)["acme/fact/founded"]
    assert new != guids(first)["acme/fact/founded"]
    log = anki.import_package(out)
    assert (len(log.new), len(log.updated), log.conflicting) == (1, 1, [])  # the cloze note; the old one flagged
    assert anki.note_by_guid(new).note_type()["name"] == "deck-builder Cloze"
    (flagged,) = anki.notes(REMOVED_SEARCH)
    assert flagged.guid == guids(first)["acme/fact/founded"]  # the q/a note, for the user to delete


def test_a_replaced_photo_is_a_new_picture_on_the_same_note(workspace, anki):
    files = {**FILES, "media/dana.svg": '<svg xmlns="http://www.w3.org/2000/svg"><text>old</text></svg>\n'}
    files["companies/acme.yaml"] = ACME.replace("role: Chief Executive", "role: Chief Executive\n        photo: media/dana.svg")
    ws, out, t, first = imported(workspace, anki, files)
    guid = guids(first)["acme/person/ceo"]
    old_photo = fields_of(anki, guid)["Photo"]

    (ws / "media/dana.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><text>new</text></svg>\n')
    second = build_deck(str(ws), out, now=t)
    assert guids(second)["acme/person/ceo"] == guid
    assert labels(second.plan.changed) == ["acme/person/ceo"]
    log = anki.import_package(out)
    assert (len(log.updated), log.new) == (1, [])
    photo = fields_of(anki, guid)["Photo"]
    assert photo != old_photo
    (name,) = re.findall(r'<img src="([^"]+)"', photo)
    assert (Path(anki.col.media.dir()) / name).read_text().count("new") == 1


# -- modification times ------------------------------------------------------------------------

def test_a_clock_set_back_still_gives_changed_notes_a_newer_time(workspace, anki):
    ws, out, t, first = imported(workspace, anki)
    edit(ws / "answers.yaml", "growing fast", "growing faster than any rival")
    second = build_deck(str(ws), out, now=t - 3600)  # the clock went back an hour
    assert second.plan.build_mod > first.plan.build_mod
    log = anki.import_package(out)
    assert (len(log.updated), log.new) == (2, [])
    assert "faster than any rival" in fields_of(anki, guids(second)["answer/why-us"])["Points"]


def test_an_unchanged_note_type_keeps_its_time_so_a_style_edited_in_anki_survives(workspace, anki):
    ws, out, t, first = imported(workspace, anki, now=int(time.time()))
    col = anki.col
    model = col.models.by_name("deck-builder Basic")
    model["css"] += "\n.mine { color: teal; }\n"
    col.models.update_dict(model)

    later = build_deck(str(ws), out, now=t + 600)  # nothing changed, ten minutes later
    assert later.plan.note_type_mods == first.plan.note_type_mods
    anki.import_package(out)
    assert ".mine { color: teal; }" in col.models.by_name("deck-builder Basic")["css"]

    # A template change is newer, and Anki updates the note type in place.
    (ws / "deck.yaml").write_text("banks: []\ntts: en_US\n", encoding="utf-8")
    changed = build_deck(str(ws), out, now=t + 1200)
    assert changed.plan.note_type_mods["basic"] == changed.plan.build_mod > first.plan.note_type_mods["basic"]
    anki.import_package(out)
    model = col.models.by_name("deck-builder Basic")
    assert model["id"] == note_types()["basic"].id and "{{tts en_US:Prompt}}" in model["tmpls"][0]["qfmt"]
    assert ".mine" not in model["css"]
    assert sorted(m.name for m in col.models.all_names_and_ids() if m.name.startswith("deck-builder")) == [
        "deck-builder Answer", "deck-builder Basic", "deck-builder Cloze", "deck-builder Person", "deck-builder Story"]


def test_a_changed_category_reaches_the_notes_tags_in_anki(workspace, anki):
    ws = workspace(FILES)
    out = ws / "deck.apkg"
    t = time.time()
    build_deck(str(ws), out, now=t)
    anki.import_package(out)
    edit(ws / "questions/mine.yaml", "category: goals", "category: Motivation")
    result = build_deck(str(ws), out, now=t)
    assert labels(result.plan.changed) == ["acme/points/why-us", "acme/tailored/why-us", "answer/why-us", "points/why-us"]
    assert {c.fields for c in result.plan.changed} == {("tags",)}
    log = anki.import_package(out)
    assert (len(log.updated), log.new) == (4, [])
    note = anki.note_by_guid(guids(result)["answer/why-us"])
    assert "category::motivation" in note.tags and "category::goals" not in note.tags


# -- removed items -------------------------------------------------------------------------------

def remove_product(ws: Path) -> None:
    edit(ws / "companies/acme.yaml",
         "products:\n  - id: next-day\n    name: Acme Next Day\n    about: Next-day delivery for businesses.\n", "")


def test_a_removed_item_is_flagged_for_exactly_fourteen_days(workspace):
    assert TOMBSTONE_DAYS == 14  # as README.md and docs/format.md say
    ws = workspace(FILES)
    out = ws / "deck.apkg"
    t0 = 1_750_000_000
    build_deck(str(ws), out, now=t0)
    remove_product(ws)
    removed = t0 + 100
    flagged = build_deck(str(ws), out, now=removed)
    assert labels(flagged.plan.removed) == ["acme/product/next-day"]

    last_day = build_deck(str(ws), out, now=removed + TOMBSTONE_DAYS * 86400)  # 14 days to the second
    assert [n.label for n in last_day.plan.notes if n.tombstone] == ["acme/product/next-day"]
    assert last_day.plan.forgotten == 0

    after = build_deck(str(ws), out, now=removed + TOMBSTONE_DAYS * 86400 + 1)  # and one second
    assert [n.label for n in after.plan.notes if n.tombstone] == []
    assert after.plan.forgotten == 1
    assert "acme/product/next-day" not in {r.label for r in load_state(ws, "state")[0].notes.values()}


def test_a_flagged_note_is_sent_unchanged_after_the_build_that_removed_it(workspace, anki):
    ws = workspace(FILES)
    out = ws / "deck.apkg"
    t = int(time.time())
    build_deck(str(ws), out, now=t)
    anki.import_package(out)
    remove_product(ws)
    removal = build_deck(str(ws), out, now=t + 1)
    anki.import_package(out)
    (flagged,) = anki.notes(REMOVED_SEARCH)
    for days in (1, 7):
        later = build_deck(str(ws), out, now=t + days * 86400)
        assert not later.plan.anything_changed
        (tombstone,) = [n for n in later.plan.notes if n.tombstone]
        assert tombstone.mod == removal.plan.build_mod
        log = anki.import_package(out)
        assert (log.updated, log.new, len(log.duplicate)) == ([], [], len(LABELS))
    assert REMOVED_TAG in anki.col.get_note(flagged.id).tags


# -- the build state -----------------------------------------------------------------------------

def test_the_state_is_written_in_the_workspace_whatever_the_output(workspace, tmp_path):
    ws = workspace(FILES)
    out = tmp_path / "elsewhere" / "deck.apkg"
    build_deck(str(ws), out)
    assert sorted(p.name for p in out.parent.iterdir()) == ["deck.apkg"]
    assert sorted(p.name for p in (ws / ".deck-builder").iterdir()) == ["state.json"]
    state, problems = load_state(ws, "state")
    assert problems == [] and len(state.notes) == len(LABELS)


def test_diff_leaves_a_broken_state_where_it_is(workspace, cli):
    ws = workspace(FILES)
    assert cli("build", ws).exit_code == 0
    state_path(ws).write_text("{ not json", encoding="utf-8")
    before = {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()}
    result = cli("diff", ws)
    assert result.exit_code == 1
    assert (f"{ws}/.deck-builder/state.json: warning: the build state could not be read "
            "(Expecting property name enclosed in double quotes: line 1 column 3 (char 2)); it was left in place") \
        in result.stderr
    assert {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()} == before


def test_a_deleted_state_updates_every_note_once_in_place(workspace, anki):
    ws = workspace(FILES)
    out = ws / "deck.apkg"
    t = time.time()
    build_deck(str(ws), out, now=t)
    anki.import_package(out)
    cid = min(min(cids) for _, cids in anki.snapshot().values())
    anki.review(cid)
    before = anki.snapshot()

    state_path(ws).unlink()
    again = build_deck(str(ws), out, now=t + 1)
    assert again.plan.first and len(again.plan.added) == len(LABELS)
    log = anki.import_package(out)
    assert (len(log.updated), log.new, log.conflicting) == (len(LABELS), [], [])
    assert anki.snapshot() == before
    assert anki.col.db.scalar("select count() from revlog where cid = ?", cid) == 1
    assert not build_deck(str(ws), out, now=t + 2).plan.anything_changed


# -- atomic writes, interrupted for real ---------------------------------------------------------

# Runs `deck-builder ARGS...` with an audit hook that interrupts the first file opened for
# writing in the folder DB_INTERRUPT_IN. "killed": the kernel kills the process (SIGXFSZ) once
# 64 bytes of that file are written. "ctrl-c": a real SIGINT, taken by Python's own handler
# at the next audited step once the file is open (the next file opened, or the rename).
INTERRUPTED_BUILD = r"""
import os, resource, signal, sys

where, how = os.environ["DB_INTERRUPT_IN"], os.environ["DB_INTERRUPT_HOW"]
opened, fired = [], []
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal, even if started with SIGINT ignored


def hook(event, args):
    if fired:
        return
    if opened:
        fired.append(event)
        print("Ctrl-C at", event, file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(10**8):  # Python's handler raises KeyboardInterrupt here, before EVENT happens
            pass
        return
    if event != "open" or not isinstance(args[0], str) or not args[2] & (os.O_WRONLY | os.O_RDWR):
        return
    if os.path.dirname(os.path.abspath(args[0])) != where:
        return
    opened.append(args[0])
    print("interrupting the write of", os.path.basename(args[0]), file=sys.stderr, flush=True)
    if how == "killed":
        fired.append(event)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


sys.addaudithook(hook)
sys.argv = ["deck-builder", *sys.argv[1:]]
from deck_builder.__main__ import run

run()
"""


def interrupted_build(ws: Path, out: Path, where: Path, how: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DB_INTERRUPT_IN=str(where), DB_INTERRUPT_HOW=how)
    return subprocess.run([sys.executable, "-c", INTERRUPTED_BUILD, "build", str(ws), "-o", str(out)],
                          cwd=ws.parent, env=env, capture_output=True, text=True, timeout=120)


def temporaries(*folders: Path) -> list[str]:
    return sorted(p.name for folder in folders for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("how", ["killed", "ctrl-c"])
@pytest.mark.parametrize("target", ["package", "state"])
def test_a_write_interrupted_for_real_leaves_the_previous_file_whole(example, tmp_path, anki, target, how):
    out = tmp_path / "out" / "deck.apkg"
    state_dir = example / ".deck-builder"
    build_deck(str(example), out)
    anki.import_package(out)
    before = anki.snapshot()
    old_package, old_state = out.read_bytes(), state_path(example).read_bytes()
    sources = {p: p.read_bytes() for p in example.rglob("*.yaml")}
    edit(example / "answers.yaml", "12 years in parcel operations", "Twelve years in parcel operations")
    sources[example / "answers.yaml"] = (example / "answers.yaml").read_bytes()

    proc = interrupted_build(example, out, out.parent if target == "package" else state_dir, how)
    written = ".deck.apkg." if target == "package" else ".state.json."
    assert proc.stderr.startswith(f"interrupting the write of {written}"), proc.stderr
    if how == "killed":
        assert proc.returncode == -signal.SIGXFSZ, proc.stderr
        (tmp,) = temporaries(out.parent, state_dir)  # killed mid-write: its temporary file, 64 bytes
        assert tmp.startswith(written) and ((out.parent if target == "package" else state_dir) / tmp).stat().st_size == 64
    else:
        assert proc.returncode == 130, proc.stderr
        assert "\nInterrupted; " in proc.stderr and "Traceback" not in proc.stderr
        if target == "package":
            assert proc.stderr.endswith("\nInterrupted; the previous package (if any) is unchanged.\n")
        assert temporaries(out.parent, state_dir) == []
    assert state_path(example).read_bytes() == old_state  # the state as it was, and it loads
    assert load_state(example, "state")[1] == []
    if target == "package":
        assert out.read_bytes() == old_package
    else:  # the package was complete before the state was written
        with zipfile.ZipFile(out) as z:
            assert z.testzip() is None
        assert out.read_bytes() != old_package
    assert {p: p.read_bytes() for p in example.rglob("*.yaml")} == sources

    log = anki.import_package(out)  # what the interrupted build left loads in Anki
    assert (log.new, log.conflicting) == ([], [])
    nxt = build_deck(str(example), out, now=time.time() + 2)  # and the next build is right
    assert labels(nxt.plan.changed) == ["answer/career-prepared", "points/career-prepared"]
    assert (nxt.plan.added, nxt.plan.removed) == ([], [])
    assert temporaries(out.parent, state_dir) == []
    assert sorted(p.name for p in state_dir.iterdir()) == ["state.json"]
    log = anki.import_package(out)
    assert (len(log.updated), log.new, log.conflicting) == (2, [], [])
    assert anki.snapshot() == before
    assert any("Twelve years in parcel operations" in f for n in anki.notes("tag:kind::answer") for f in n.fields)


# -- escaping: what Anki would read as its own syntax stays text ----------------------------------

def test_braces_and_colons_in_user_text_never_open_or_close_a_cloze(workspace, anki):
    ws = workspace({
        "deck.yaml": "banks: []\n",
        "questions/mine.yaml": BANK,
        "answers.yaml": """
            why-us:
              points:
                - "Grew {{c7::revenue}} 5x"
                - "Closed }} and {{ gaps {3} { x }"
                - "Ratio 3::1 :: target"
            """,
        "companies/acme.yaml": """
            name: "Acme {{c9::x}} }}"
            facts:
              - id: sites
                cloze: "Opened {{c1::6 sites}} in {2025} and a } here"
            tailoring:
              why-us:
                - "Join {company} now"
                - "A second point"
            """,
    })
    out = ws / "deck.apkg"
    result = build_deck(str(ws), out)
    anki.import_package(out)
    g = guids(result)

    def cards_of(label):
        return sorted(anki.note_by_guid(g[label]).cards(), key=lambda c: c.ord)

    points = ["Grew {{c7::revenue}} 5x", "Closed }} and {{ gaps {3} { x }", "Ratio 3::1 :: target"]
    assert len(cards_of("points/why-us")) == 3  # one card per point, none from the user's text
    for card, point in zip(cards_of("points/why-us"), points):
        assert cloze_spans(card.question()) == ["[...]"]  # hidden, with no hint read from '::'
        assert cloze_spans(card.answer()) == [point]
    tailored = cards_of("acme/points/why-us")
    assert [cloze_spans(c.answer()) for c in tailored] == [["Join Acme {{c9::x}} }} now"], ["A second point"]]
    (fact,) = cards_of("acme/fact/sites")
    assert cloze_spans(fact.question()) == ["[...]"]
    assert "Opened 6 sites in {2025} and a } here" in as_text(fact.answer())
    (answer,) = cards_of("answer/why-us")
    assert all(p in as_text(answer.answer()) for p in points)
    assert "Why do you want to work for Acme {{c9::x}} }}?" in as_text(cards_of("acme/tailored/why-us")[0].question())


def test_sound_and_tts_tags_in_user_text_are_never_played(workspace, anki):
    hostile = "[sound:evil.mp3] and [anki:tts lang=en_US]hello[/anki:tts]"
    ws = workspace({
        "deck.yaml": "banks: []\n",
        "questions/mine.yaml": BANK,
        "answers.yaml": f"why-us:\n  points:\n    - '{hostile}'\n    - another\n  notes: '{hostile}'\n",
        "stories.yaml": f"peak:\n  title: '{hostile}'\n  result: '{hostile} 9 days'\n",
        "companies/acme.yaml": f"name: Acme\nfacts:\n  - q: '{hostile}'\n    a: '{hostile}'\n"
                               f"  - cloze: '{{{{c1::{hostile}}}}} x'\npeople:\n  - name: '{hostile}'\n    role: '{hostile}'\n",
    })
    out = ws / "deck.apkg"
    build_deck(str(ws), out)
    anki.import_package(out)
    cards = [anki.col.get_card(c) for c in anki.col.find_cards("")]
    assert len(cards) == 9
    for card in cards:
        assert (card.question_av_tags(), card.answer_av_tags()) == ([], [])
        assert "[sound:evil.mp3]" in as_text(card.answer())
    assert not (Path(anki.col.media.dir()) / "evil.mp3").exists()


def test_unsafe_links_images_and_html_in_user_text_stay_text(workspace, anki):
    ws = workspace({
        "deck.yaml": "banks: []\n",
        "questions/mine.yaml": BANK,
        "answers.yaml": """
            why-us:
              points:
                - "[click](javascript:alert(1)) and [file](file:///etc/passwd)"
                - "![pic](media/x.png) and <img src=x onerror=alert(1)>"
                - "[site](https://example.com/{company})"
            """,
    })
    out = ws / "deck.apkg"
    build_deck(str(ws), out)
    anki.import_package(out)
    (card,) = [anki.col.get_card(c) for c in anki.col.find_cards("tag:kind::answer")]
    back = card.answer().split("</style>", 1)[-1]
    # An image is "!" and a link labelled with its alt text (docs/format.md, Escaping).
    assert re.findall(r"<a [^>]*>", back) == ['<a href="media/x.png">', '<a href="https://example.com/our%20company">']
    assert "<img" not in back
    text = as_text(back)
    assert "[click](javascript:alert(1)) and [file](file:///etc/passwd)" in text
    assert "!pic and <img src=x onerror=alert(1)>" in text


def test_a_photos_file_name_and_a_persons_name_cannot_break_out_of_the_picture(workspace, anki):
    photo = 'x" onerror="alert(1) <b>.svg'
    ws = workspace({
        "deck.yaml": "banks: []\n",
        f"media/{photo}": '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
        "companies/acme.yaml": f"""
            name: Acme
            people:
              - id: jo
                name: 'Jo "JJ" <Smith> {{company}}'
                role: CEO
                photo: 'media/{photo}'
            """,
    })
    out = ws / "deck.apkg"
    build_deck(str(ws), out)
    anki.import_package(out)
    (who, name) = sorted(anki.notes()[0].cards(), key=lambda c: c.ord)
    digest = hashlib.sha1((ws / "media" / photo).read_bytes()).hexdigest()[:10]
    media = f"deck-builder-{digest}-x-onerror-alert-1-b-.svg"
    assert os.listdir(anki.col.media.dir()) == [media]
    for side in (who.question(), name.answer()):
        assert re.findall(r"<img[^>]*>", side) == [f'<img src="{media}" alt="Jo &quot;JJ&quot; &lt;Smith&gt; Acme">']
    assert 'Jo "JJ" <Smith> Acme' in as_text(who.question())


def test_text_reaches_the_card_exactly_as_typed(workspace, anki):
    # as YAML 1.1 would read them: a float, an octal, a boolean, a date, ...; and with the tags
    # deck-builder accepts (they name what plain YAML would make of the text: it stays text)
    values = ["1.10", "010", "yes", "2025-03-01", "1_000", "0x1F", ".inf", "1e3", "12:30:00", "+1", "no",
              "!!str 1.10", "!!int 010", "!!float 1e3", "!!bool yes", "!!timestamp 2025-03-01"]
    facts = "".join(f"  - id: f{i}\n    q: Q{i}\n    a: {v}\n" for i, v in enumerate(values))
    plain = [v for v in values if not v.startswith("!!")]  # a file without tags is read line by line (yamltree)
    plain_facts = "".join(f"  - id: f{i}\n    q: Q{i}\n    a: {v}\n" for i, v in enumerate(plain))
    values = [v.split(" ")[-1] for v in values]
    ws = workspace({"deck.yaml": "banks: []\n", "companies/acme.yaml": f"name: 2006\nrole: 1.0\nfacts:\n{facts}",
                    "companies/plain.yaml": f"name: 2007\nrole: 1.0\nfacts:\n{plain_facts}"})
    out = ws / "deck.apkg"
    build_deck(str(ws), out)
    anki.import_package(out)
    for company, name, typed in (("acme", "2006", values), ("plain", "2007", plain)):
        for i, v in enumerate(typed):
            note = anki.note_by_guid(note_guid("fact", company, f"f{i}"))
            assert (note["Answer"], note["Context"]) == (v, name)
    assert anki.col.decks.by_name("Interview Prep::2006") is not None
    assert anki.col.decks.by_name("Interview Prep::2007") is not None


def test_a_company_name_with_double_colons_makes_one_subdeck(workspace, anki):
    ws = workspace({"deck.yaml": "deck: Jobs::Prep\nbanks: []\n",
                    "companies/acme.yaml": "name: Acme::Labs\nfacts:\n  - q: Q\n    a: A\n"})
    out = ws / "deck.apkg"
    build_deck(str(ws), out)
    anki.import_package(out)
    (card,) = [anki.col.get_card(c) for c in anki.col.find_cards("")]
    assert anki.col.decks.name(card.did) == "Jobs::Prep::Acme:Labs"
