"""Renames keep history: `renamed_from` keeps a renamed company's or question's notes, and a build
that sees notes removed and added again under a new id says how many cards would start over
and how to keep them, never that "your review history is kept"."""

from __future__ import annotations

import shutil
import time

import pytest
from test_errors import ANSWER, assert_clean_failure, problem_lines
from test_roundtrip import replace_in, review_one_card, snapshot

from deck_builder.build import build_deck

BANK = """\
bank: Mine
questions:
  - id: my-first-review
    ask: How did your first review as a manager go?
"""
ANSWERS = ANSWER + """\
my-first-review:
  points:
    - Two of five reports asked for more feedback.
    - I started weekly one-to-ones.
"""


def rename_company(ws, old: str, new: str, keep: bool) -> None:
    text = (ws / "companies" / f"{old}.yaml").read_text(encoding="utf-8")
    (ws / "companies" / f"{old}.yaml").unlink()
    (ws / "companies" / f"{new}.yaml").write_text((f"renamed_from: {old}\n" if keep else "") + text, encoding="utf-8")


def rename_question(ws, old: str, new: str, keep: bool) -> None:
    bank = ws / "questions" / "mine.yaml"
    replace_in(bank, f"  - id: {old}\n", f"  - id: {new}\n" + (f"    renamed_from: {old}\n" if keep else ""))
    replace_in(ws / "answers.yaml", f"{old}:\n", f"{new}:\n")


def test_renamed_company_and_question_keep_notes_cards_and_reviews_through_anki(example, anki):
    (example / "questions" / "mine.yaml").write_text(BANK, encoding="utf-8")
    (example / "answers.yaml").write_text((example / "answers.yaml").read_text() + ANSWERS.split(ANSWER)[1])
    out = example / "deck.apkg"
    now = time.time()
    build_deck(str(example), out, now=now)
    assert len(anki.import_package(out).new) > 0
    col = anki.col
    reviewed_company = review_one_card(col, "Interview Prep::Northwind Parcel")
    reviewed = review_one_card(col)
    before = snapshot(col)
    revlog = col.db.all("select id, cid, ease from revlog order by id")
    assert len(revlog) == 2

    rename_company(example, "northwind", "northwind-parcel", keep=True)
    rename_question(example, "my-first-review", "my-first-performance-review", keep=True)
    second = build_deck(str(example), out, now=now)  # the same second
    assert not second.plan.added and not second.plan.removed and not second.plan.renames
    log = anki.import_package(out)
    assert not log.new and not log.conflicting
    assert len(log.updated) == len(second.plan.changed) > 0  # new tags; every other note unchanged

    assert snapshot(col) == before  # same notes, same note and card ids, nothing duplicated
    assert col.db.all("select id, cid, ease from revlog order by id") == revlog
    assert col.get_card(reviewed_company).reps == 1 and col.get_card(reviewed).reps == 1
    moved = col.find_notes("tag:company::northwind-parcel")
    assert moved and not col.find_notes("tag:company::northwind")  # the tags follow the new id
    assert col.find_notes('tag:kind::answer "Prompt:How did your first review*"')


def test_a_rename_without_renamed_from_says_how_many_cards_would_start_over(example, cli):
    (example / "questions" / "mine.yaml").write_text(BANK, encoding="utf-8")
    (example / "answers.yaml").write_text((example / "answers.yaml").read_text() + ANSWERS.split(ANSWER)[1])
    assert cli("build", example).exit_code == 0
    rename_company(example, "northwind", "northwind-parcel", keep=False)
    rename_question(example, "my-first-review", "my-first-performance-review", keep=False)
    replace_in(example / "companies" / "northwind-parcel.yaml", "- q: What risk does the annual report stress most?",
               "- q: Which risk does the annual report stress most?")  # a reworded fact: its id comes from its text
    for command in ("diff", "build"):
        result = cli(command, example)
        assert result.exit_code == (1 if command == "diff" else 0), result.output
        lines = result.stdout.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("Renamed?"))
        package = "the next package" if command == "diff" else "this package"
        assert lines[start:start + 5] == [
            f"Renamed? 36 cards would start over without their review history when you import {package}:",
            f"  company 'northwind' looks renamed to 'northwind-parcel' (22 notes, 32 cards): add  renamed_from: northwind  "
            f"to {example}/companies/northwind-parcel.yaml",
            f"  question 'my-first-review' looks renamed to 'my-first-performance-review' (2 notes, 3 cards): add  renamed_from: "
            f"my-first-review  to that question ({example}/questions/mine.yaml:3:5)",
            f"  fact 'what-risk-does-the-annual-report-stress-most' looks renamed to 'which-risk-does-the-annual-report-stress-most' "
            f"(1 note, 1 card): give it  id: what-risk-does-the-annual-report-stress-most  "
            f"({example}/companies/northwind-parcel.yaml:50:5)",
            "Do that and build again, and they keep their history: import that package rather than this one, "
            "whose new notes it leaves out (if you have imported since the rename, the notes with the old ids "
            "come back with it; delete the new copies there).",
        ]
    assert "your review history is kept" not in result.stdout
    assert ("Import it once the renames above are kept, or those 36 cards start over "
            "(changed notes are updated in place):") in lines


@pytest.mark.parametrize(("files", "problem"), [
    ({"companies/acme.yaml": "renamed_from: acme\nname: Acme\n"},
     "companies/acme.yaml:1:15: error: renamed_from: 'acme' is this company's own id; renamed_from names the id it "
     "had before, so delete the line if it was never renamed"),
    ({"companies/acme.yaml": "name: Acme\n", "companies/acme-corp.yaml": "renamed_from: acme\nname: Acme\n"},
     "companies/acme-corp.yaml:1:15: error: renamed_from: 'acme' is still the id of a company ({ws}/companies/acme.yaml); "
     "if this company replaces it, delete the old one, otherwise remove renamed_from"),
    ({"companies/a.yaml": "renamed_from: acme\nname: Acme\n", "companies/b.yaml": "renamed_from: acme\nname: Acme B\n"},
     "companies/b.yaml:1:15: error: renamed_from: 'acme' is also claimed by 'a' ({ws}/companies/a.yaml:1:15); "
     "only one company can keep its notes"),
    ({"questions/mine.yaml": "bank: Mine\nquestions:\n  - id: new-q\n    ask: Why?\n    renamed_from: career-goals\n"},
     "questions/mine.yaml:5:19: error: renamed_from: 'career-goals' is still the id of a question "
     "(in the built-in bank 'second-interview'); if this question replaces it, delete the old one, otherwise remove renamed_from"),
    ({"companies/acme.yaml": "renamed_from: Acme Inc\nname: Acme\n"},
     "companies/acme.yaml:1:15: error: renamed_from: 'Acme Inc' is not a valid id; use lowercase letters, digits and "
     "hyphens, like 'acme-inc'"),
])
def test_renamed_from_that_cannot_be_right_is_an_error(workspace, cli, files, problem):
    ws = workspace({"answers.yaml": ANSWER, **files})
    result = cli("check", ws)
    assert_clean_failure(result)
    assert problem_lines(result.stderr) == [f"{ws}/" + problem.replace("{ws}", str(ws))]


def renamed_lines(result) -> list[str]:
    lines = result.stdout.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Renamed?")), None)
    return [] if start is None else lines[start:start + next(
        i for i, line in enumerate(lines[start:]) if line.startswith("Do that"))]


def test_following_the_advice_after_the_warning_keeps_history_and_the_warning_goes(workspace, cli):
    ws = workspace({"answers.yaml": ANSWER,
                    "companies/acme.yaml": "name: Acme\nproducts:\n  - name: Cloud\n    about: Parcel tracking for shops.\n"})
    assert cli("build", ws).exit_code == 0
    rename_company(ws, "acme", "acme-corp", keep=False)
    replace_in(ws / "companies" / "acme-corp.yaml", "- name: Cloud", "- name: Acme Cloud")
    first = cli("build", ws)
    assert renamed_lines(first) == [
        "Renamed? 1 card would start over without its review history when you import this package:",
        f"  product 'cloud' looks renamed to 'acme-cloud' (1 note, 1 card): give it  id: cloud  "
        f"({ws}/companies/acme-corp.yaml:3:5), and add  renamed_from: acme  to {ws}/companies/acme-corp.yaml"]
    again = cli("build", ws)  # built again before fixing: still said, never "your review history is kept"
    assert renamed_lines(again) == renamed_lines(first)
    assert "your review history is kept" not in again.stdout
    assert renamed_lines(cli("diff", ws))[1:] == renamed_lines(first)[1:]
    # the advice: the product's old id, and the company's old name (the product's note follows it)
    replace_in(ws / "companies" / "acme-corp.yaml", "- name: Acme Cloud", "- id: cloud\n    name: Acme Cloud")
    (ws / "companies" / "acme-corp.yaml").write_text("renamed_from: acme\n" + (ws / "companies" / "acme-corp.yaml").read_text())
    fixed = cli("build", ws)
    assert fixed.exit_code == 0
    assert renamed_lines(fixed) == []
    assert "Import it (your review history is kept; changed notes are updated in place):" in fixed.stdout
    assert renamed_lines(cli("build", ws)) == []


@pytest.mark.parametrize(("before", "after"), [
    pytest.param("people:\n  - name: Jane Doe\n    role: Chief Executive Officer\n",
                 "people:\n  - name: John Doe\n    role: Chief Executive Officer\n", id="a new CEO in the same role"),
    pytest.param("products:\n  - name: Parcel Pro\n    about: Next-day delivery for shops.\n",
                 "products:\n  - name: Freight Max\n    about: Next-day delivery for shops.\n", id="another product, same blurb"),
    pytest.param("facts:\n  - q: How many depots?\n    a: '38'\n    source: Annual report 2025\n",
                 "facts:\n  - q: How many staff?\n    a: '4,800'\n    source: Annual report 2025\n", id="another fact, same source"),
])
def test_a_new_item_that_merely_resembles_a_removed_one_is_no_rename(workspace, cli, before, after):
    ws = workspace({"answers.yaml": ANSWER, "companies/acme.yaml": "name: Acme\n" + before})
    assert cli("build", ws).exit_code == 0
    (ws / "companies" / "acme.yaml").write_text("name: Acme\n" + after)
    result = cli("build", ws)
    assert "Renamed?" not in result.stdout
    assert "Import it (your review history is kept" in result.stdout


def test_a_fact_moved_between_two_companies_is_no_company_rename(workspace, cli):
    fact = "facts:\n  - q: Who owns them?\n    a: Globex Holdings.\n    source: site\n"
    ws = workspace({"answers.yaml": ANSWER, "companies/acme.yaml": "name: Acme\nrole: Director\n" + fact,
                    "companies/beta.yaml": "name: Acme\nrole: Director\n"})
    assert cli("build", ws).exit_code == 0
    (ws / "companies" / "acme.yaml").write_text("name: Acme\nrole: Director\n")
    (ws / "companies" / "beta.yaml").write_text("name: Acme\nrole: Director\n" + fact)
    assert "Renamed?" not in cli("build", ws).stdout


def test_many_reworded_facts_are_listed_briefly(workspace, cli):
    facts = "".join(f"  - q: What did Acme report about region {n} in the annual report of last year?\n"
                    f"    a: Growth of {n} percent, driven by parcel volumes in the north and the new depots.\n"
                    f"    source: Annual report 2025, p. {n}\n" for n in range(200))
    ws = workspace({"answers.yaml": ANSWER, "companies/acme.yaml": "name: Acme\nfacts:\n" + facts})
    assert cli("build", ws).exit_code == 0
    replace_in(ws / "companies" / "acme.yaml", "", "")
    (ws / "companies" / "acme.yaml").write_text((ws / "companies" / "acme.yaml").read_text()
                                                .replace("What did Acme report", "What did Acme Corp report"))
    result = cli("build", ws)
    lines = renamed_lines(result)
    assert lines[0] == "Renamed? 200 cards would start over without their review history when you import this package:"
    assert len(lines) == 14 and lines[-1] == "  ... and 188 more (188 cards): deck-builder diff lists them all"
    assert len(renamed_lines(cli("diff", ws))) == 201


def test_a_damaged_identity_in_the_build_state_is_no_traceback(workspace, cli):
    import json

    ws = workspace({"answers.yaml": ANSWER, "companies/acme.yaml": "name: Acme\n" + "facts:\n  - q: Founded?\n    a: '1999'\n    source: s\n"})
    assert cli("build", ws).exit_code == 0
    path = ws / ".deck-builder" / "state.json"
    state = json.loads(path.read_text())
    for n, record in enumerate(state["notes"].values()):
        record["identity"] = ["fact"] if n % 2 else "xyz"
    path.write_text(json.dumps(state))
    rename_company(ws, "acme", "acme-corp", keep=False)
    for command in ("diff", "build"):
        result = cli(command, ws)
        assert result.exit_code in (0, 1) and "Traceback" not in result.output


def test_an_answer_still_under_the_old_id_says_the_new_one(workspace, cli):
    ws = workspace({"answers.yaml": "my-first-review:\n  points: [Went well.]\n",
                    "questions/mine.yaml": BANK.replace("  - id: my-first-review\n",
                                                       "  - id: my-review\n    renamed_from: my-first-review\n")})
    result = cli("check", ws)
    assert problem_lines(result.stderr) == [
        f"{ws}/answers.yaml:1:1: error: answers.yaml: no question has the id 'my-first-review' (its question is "
        "'my-review' now, renamed_from 'my-first-review': use 'my-review' here); answers are keyed by the id of "
        "a question in the banks you include"]


def test_a_mistyped_renamed_from_is_a_warning(workspace, cli):
    ws = workspace({"answers.yaml": ANSWER, "companies/acme.yaml": "name: Acme\nquestions_to_ask: [Why?]\n"})
    assert cli("build", ws).exit_code == 0
    rename_company(ws, "acme", "acme-corp", keep=False)
    (ws / "companies" / "acme-corp.yaml").write_text("renamed_from: acmee\n" + (ws / "companies" / "acme-corp.yaml").read_text())
    result = cli("build", ws)
    assert result.exit_code == 0
    assert (f"{ws}/companies/acme-corp.yaml:1:15: warning: renamed_from: no earlier build here had a company 'acmee' "
            "(did you mean 'acme'?), so it keeps no cards; it must name the id the cards were first built with") in result.stderr


def test_following_the_rename_advice_sends_no_note_the_user_never_had(workspace, cli):
    """Rename the file, build, add renamed_from as told, build: the last package flags nothing
    for the notes only the build in between had, and lists each label once (issue 18 point 7)."""
    facts = ("facts:\n  - q: When was Acme founded?\n    a: '1999'\n    source: acme.com\n"
             "  - q: Where is Acme based?\n    a: Leeds\n    source: acme.com\n")
    ws = workspace({"answers.yaml": ANSWER, "companies/acme.yaml": "name: Acme\n" + facts})
    out = ws / "deck.apkg"
    now = time.time()
    build_deck(str(ws), out, now=now)
    (ws / "companies" / "acme.yaml").rename(ws / "companies" / "acme-corp.yaml")
    between = build_deck(str(ws), out, now=now + 60)
    assert between.plan.renames
    replace_in(ws / "companies" / "acme-corp.yaml", "name: Acme\n", "renamed_from: acme\nname: Acme\n")
    last = build_deck(str(ws), out, now=now + 120)
    assert not last.plan.removed
    assert not [n for n in last.plan.notes if n.tombstone]
    labels = [c.label for c in last.plan.added + last.plan.changed + last.plan.removed]
    assert len(labels) == len(set(labels))
    assert not last.plan.renames
