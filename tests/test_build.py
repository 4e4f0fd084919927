"""deck-builder build: the package, its summary, the build state, and cards in the real Anki engine."""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path

import pytest

from deck_builder.apkg.state import state_path
from deck_builder.build import build_deck
from deck_builder.cards.derive import note_guid
from deck_builder.cards.notetypes import note_types
from deck_builder.sources.problems import UserError


def as_text(rendered: str) -> str:
    """A rendered card side as the user reads it: no stylesheet, no tags, entities decoded."""
    body = rendered.split("</style>", 1)[-1]
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def test_build_writes_default_package_and_prints_counts_and_import_steps(example, cli):
    result = cli("build", example)
    assert result.exit_code == 0, result.output
    out = example / "build" / "Interview Prep.apkg"
    assert out.is_file()
    assert result.stdout.startswith(f"Built {out} (")
    assert "answer" in result.stdout and "tailored answer" in result.stdout and "person" in result.stdout
    assert "Anki desktop" in result.stdout and "AnkiMobile" in result.stdout and "AnkiDroid" in result.stdout
    assert state_path(example).is_file()
    assert [p.name for p in out.parent.iterdir()] == ["Interview Prep.apkg"]  # no temporary files left


def test_build_summary_counts_notes_and_cards_by_kind(example, cli):
    result = cli("build", example)
    rows = {}
    for line in result.stdout.splitlines():
        parts = line.rsplit(None, 2)
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            rows[parts[0].strip()] = (int(parts[1]), int(parts[2]))
    assert rows["story"][1] == 2 * rows["story"][0]  # story and result card
    assert rows["person"][1] == 2 * rows["person"][0]  # name -> role and role -> name
    assert rows["answer"] == (9, 9)
    assert rows["questions to ask"] == (1, 1)


def test_output_option_creates_missing_folders(example, cli, tmp_path):
    out = tmp_path / "nested" / "deeper" / "prep.apkg"
    result = cli("build", example, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.is_file()


def test_output_that_is_a_folder_is_a_clear_error(example, cli, tmp_path):
    result = cli("build", example, "-o", tmp_path)
    assert result.exit_code == 1
    assert result.stderr == (f"error: cannot write {tmp_path}: it is a folder; give a file name ending in .apkg, "
                             f"like {tmp_path / 'Interview Prep.apkg'}\n")
    folder = tmp_path / "deck.apkg"
    folder.mkdir()
    result = cli("build", example, "-o", folder)
    assert result.exit_code == 1
    assert f"error: cannot write {folder}: it is a folder" in result.stderr
    for command in (("preview",), ("brief", "--company", "northwind"), ("watch",)):
        result = cli(*command[:1], example, *command[1:], "-o", tmp_path)
        assert result.exit_code == 1, command
        assert result.stderr.startswith(f"error: cannot write {tmp_path}: it is a folder"), command
    with pytest.raises(UserError, match="it is a folder; give a file name ending in .apkg"):
        build_deck(str(example), folder)  # the same guard for callers of the Python API


def test_second_build_reports_nothing_changed(example, cli):
    cli("build", example)
    result = cli("build", example)
    assert "Nothing changed since the last build" in result.stdout


def test_summary_names_added_changed_and_removed_items(example, cli):
    cli("build", example)
    answers = example / "answers.yaml"
    answers.write_text(answers.read_text().replace("12 years in parcel operations", "Twelve years in parcel operations"))
    stories = example / "stories.yaml"
    stories.write_text(stories.read_text() + "\nnew-story:\n  title: A new story\n  result: Saved 10 hours a week\n")
    result = cli("build", example)
    assert "1 added, 2 changed, 0 removed" in result.stdout
    assert "added    story/new-story" in result.stdout
    assert "changed  answer/career-prepared  (Points)" in result.stdout
    assert "changed  points/career-prepared  (Text)" in result.stdout


def test_guid_comes_from_identity_not_content(example):
    first = {n.label: n.guid for n in build_deck(str(example), example / "a.apkg").plan.notes}
    answers = example / "answers.yaml"
    answers.write_text(answers.read_text().replace("12 years in parcel operations", "Twelve years"))
    second = {n.label: n.guid for n in build_deck(str(example), example / "a.apkg").plan.notes}
    assert first == second
    assert first["answer/career-prepared"] == note_guid("answer", "", "career-prepared")
    assert first["northwind/person/dana-okafor"] == note_guid("person", "northwind", "dana-okafor")


def test_note_type_ids_are_fixed_and_change_only_with_the_schema():
    a, b = note_types(), note_types("en_US", ("Samantha",))
    assert {k: t.id for k, t in a.items()} == {k: t.id for k, t in b.items()}  # templates differ, ids do not
    assert len({t.id for t in a.values()}) == len(a)


def test_changed_note_type_schema_tells_user_to_merge_note_types(example, cli):
    cli("build", example)
    path = state_path(example)
    state = json.loads(path.read_text())
    state["note_types"]["answer"]["id"] = 12345  # as if built by a version with other fields
    path.write_text(json.dumps(state))
    result = cli("build", example)
    assert "deck-builder Answer" in result.stdout
    assert 'tick "Merge note types"' in result.stdout


def test_corrupt_build_state_is_set_aside_with_a_warning(example, cli):
    cli("build", example)
    path = state_path(example)
    path.write_text("{ not json")
    result = cli("build", example)
    assert result.exit_code == 0
    assert "warning: the build state could not be read" in result.stderr
    assert "every note counts as changed once" in result.stderr
    assert (path.parent / "state.json.broken").read_text() == "{ not json"
    assert json.loads(path.read_text())["format"] == 1


def test_tts_only_when_asked(example, anki):
    out = example / "deck.apkg"
    build_deck(str(example), out)
    anki.import_package(out)
    cards = [anki.col.get_card(c) for c in anki.col.find_cards("tag:deck-builder")]
    assert not any(c.question_av_tags() for c in cards)

    (example / "deck.yaml").write_text("deck: Interview Prep\ntts: en_US\nvoices: [Samantha]\n")
    build_deck(str(example), out, now=time.time() + 1)
    anki.import_package(out)
    card = anki.col.get_card(anki.col.find_cards('"note:deck-builder Answer"')[0])
    (tag,) = card.question_av_tags()
    assert (tag.lang, tag.voices) == ("en_US", ["Samantha"])
    assert as_text(card.question()).startswith("Your answers") and tag.field_text in as_text(card.question())


def test_text_is_escaped_in_every_card(workspace, anki):
    nasty = 'a<b & "c" <script>alert(1)</script> {{c1::x}}'
    ws = workspace({
        "answers.yaml": f"""
            career-goals:
              points:
                - '{nasty}'
              notes: '<img src=x onerror=alert(1)>'
            """,
        "stories.yaml": f"""
            s1:
              title: '{nasty}'
              result: 'Saved 10% & more'
            """,
        "companies/acme.yaml": f"""
            name: 'A&B <Co>'
            facts:
              - q: 'Who owns {{company}}?'
                a: '{nasty}'
            people:
              - name: 'Jo "JJ" <Smith>'
                role: CEO
            """,
    })
    out = ws / "deck.apkg"
    build_deck(str(ws), out)
    anki.import_package(out)
    cards = [anki.col.get_card(c) for c in anki.col.find_cards("tag:deck-builder")]
    assert cards
    for card in cards:
        for side in (card.question(), card.answer()):
            assert "<script" not in side and "<img src=x" not in side
            assert "class=\"cloze" not in side  # the user's {{c1::x}} stays text, never a cloze
    texts = [as_text(c.answer()) for c in cards]
    assert any('a<b & "c" <script>alert(1)</script> {{c1::x}}' in t for t in texts)
    assert any("Who owns A&B <Co>?" in t for t in texts)
    assert any('Who is the CEO at A&B <Co>?' in t for t in texts)
    assert any('Jo "JJ" <Smith>' in t for t in texts)


def test_photos_travel_as_media(example, anki):
    out = example / "deck.apkg"
    build_deck(str(example), out)
    anki.import_package(out)
    media = sorted(p.name for p in Path(anki.col.media.dir()).iterdir())
    assert len(media) == 2 and all(m.startswith("deck-builder-") and m.endswith(".svg") for m in media)
    person = anki.col.get_card(anki.col.find_cards('"note:deck-builder Person" "Name:Dana Okafor" card:1')[0])
    assert f'<img src="{media[0]}"' in person.question() or f'<img src="{media[1]}"' in person.question()


def test_decks_and_tags(example, anki):
    out = example / "deck.apkg"
    build_deck(str(example), out)
    anki.import_package(out)
    col = anki.col
    assert col.find_cards('"deck:Interview Prep::Northwind Parcel"') == col.find_cards("tag:company::northwind")
    assert col.find_notes("tag:kind::story") and col.find_notes("tag:category::career")
    generic = set(col.find_cards('"deck:Interview Prep" -"deck:Interview Prep::*"'))
    assert generic == set(col.find_cards("-tag:company::* (tag:kind::answer or tag:kind::points or tag:kind::story)"))


def test_company_cards_use_the_company_name_and_generic_ones_do_not(example, anki):
    out = example / "deck.apkg"
    build_deck(str(example), out)
    anki.import_package(out)
    col = anki.col
    tailored = col.get_note(col.find_notes("tag:kind::tailored tag:company::northwind")[0])
    generic = col.get_note(col.find_notes("tag:kind::answer")[0])
    assert "Northwind Parcel" in tailored.fields[0]
    assert "our company" in generic.fields[0]
    for note in anki.notes():
        for field in note.fields:
            for name in ("company", "role"):  # as typed, as rendered, and inside a link
                assert f"{{{name}}}" not in field and f"&#123;{name}&#125;" not in field
                assert f"%7B{name}%7D" not in field


def test_placeholders_fill_link_targets_too(workspace):
    ws = workspace({"companies/acme.yaml": """
        name: A&B Co
        facts:
          - q: Where is the careers page?
            a: "[careers](https://jobs.example/{company}/{role})"
        role: Head of Ops
        """})
    (note,) = build_deck(str(ws), ws / "d.apkg").plan.notes
    assert '<a href="https://jobs.example/A%26B%20Co/Head%20of%20Ops">careers</a>' in note.fields[1]


def test_cloze_fact_has_one_card_per_deletion(example, anki):
    out = example / "deck.apkg"
    build_deck(str(example), out)
    anki.import_package(out)
    col = anki.col
    for nid in col.find_notes('"note:deck-builder Cloze"'):
        note = col.get_note(nid)
        numbers = {int(n) for n in __import__("re").findall(r"\{\{c(\d+)::", note.fields[0])}
        assert len(note.cards()) == len(numbers)
        for card in note.cards():
            assert card.question().count('class="cloze"') >= 1
