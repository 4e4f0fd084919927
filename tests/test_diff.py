"""deck-builder diff: what the next build would change, without writing anything."""

from __future__ import annotations

import json
import time

import pytest

from deck_builder.apkg.state import state_path
from deck_builder.build import build_deck


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def built(example, cli):
    result = cli("build", example)
    assert result.exit_code == 0
    return example


def snapshot(ws):
    return {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()}


def test_nothing_to_change_exits_0(built, cli):
    result = cli("diff", built)
    assert result.exit_code == 0
    assert result.stdout == "Nothing would change: all 47 notes are as last built.\n"


def test_changed_point_shows_field_before_and_after_and_writes_nothing(built, cli):
    edit(built / "answers.yaml", "12 years in parcel operations", "Twelve years in parcel operations")
    before = snapshot(built)
    result = cli("diff", built)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "~ changed  answer/career-prepared" in lines
    assert "    Points: '12 years in parcel operations, from shift lead to regional o...' -> " \
           "'Twelve years in parcel operations, from shift lead to region...'" in lines
    assert "~ changed  points/career-prepared" in lines
    assert lines[-1] == "The next build would change 2 notes (0 added, 2 changed, 0 removed); 45 unchanged."
    assert snapshot(built) == before  # not a byte written, not even the build state


def test_added_and_removed_items(built, cli):
    stories = built / "stories.yaml"
    stories.write_text(stories.read_text(encoding="utf-8") + "\nnew-story:\n  title: New\n  result: Saved 3 days\n")
    company = built / "companies" / "northwind.yaml"
    text = company.read_text(encoding="utf-8")
    company.write_text(text.replace("  - name: Northwind Returns\n", "  - name: Northwind Returns Plus\n"))
    result = cli("diff", built)
    assert result.exit_code == 1
    assert "+ added    story/new-story" in result.stdout
    assert "+ added    northwind/product/northwind-returns-plus" in result.stdout
    assert "- removed  northwind/product/northwind-returns  (flagged deck-builder::removed in Anki)" in result.stdout


def test_renamed_story_id_is_removed_plus_added(built, cli):
    for rel in ("stories.yaml", "answers.yaml"):
        path = built / rel
        path.write_text(path.read_text(encoding="utf-8").replace("close-second-site", "closing-millbrook"))
    result = cli("diff", built)
    assert result.exit_code == 1
    assert "+ added    story/closing-millbrook" in result.stdout
    assert "- removed  story/close-second-site" in result.stdout


def test_template_change_and_schema_change_are_shown(built, cli):
    (built / "deck.yaml").write_text("tts: en_US\n")
    result = cli("diff", built)
    assert result.exit_code == 1
    assert "~ note type deck-builder Answer: card templates or style changed (updated in place on import)" \
        in result.stdout

    path = state_path(built)
    state = json.loads(path.read_text())
    state["note_types"]["person"]["id"] = 123
    path.write_text(json.dumps(state))
    result = cli("diff", built)
    assert '! note type deck-builder Person: new field list; tick "Merge note types" when importing' in result.stdout


def test_errors_exit_2(built, cli):
    (built / "stories.yaml").write_text("a: [\n")
    result = cli("diff", built)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{built}/stories.yaml:1:4: error: a '[' or '{{' here is never closed")


def test_edit_twice_in_one_second(example, cli, anki):
    out = example / "deck.apkg"
    t = time.time()
    build_deck(str(example), out, now=t)
    anki.import_package(out)
    mods = []
    for new in ("Twelve years in parcel operations", "Twelve full years in parcel operations"):
        old = "12 years in parcel operations" if not mods else "Twelve years in parcel operations"
        edit(example / "answers.yaml", old, new)
        result = cli("diff", example)
        assert result.exit_code == 1 and f"'{new}, from shift lead" in result.stdout
        build = build_deck(str(example), out, now=t)  # all within the same second
        mods.append(build.plan.build_mod)
        log = anki.import_package(out)
        assert len(log.updated) == 2  # the answer and its point cards: never skipped
        assert cli("diff", example).exit_code == 0
    assert mods[0] < mods[1]
    assert any(new in f for n in anki.notes("tag:kind::answer") for f in n.fields)
