"""Renames keep history: `renamed_from` keeps a renamed company's or question's notes, and a build
that sees notes removed and added again under a new id says how many cards would start over
and how to keep them, never that "your review history is kept"."""

from __future__ import annotations

import shutil
import time

import pytest

from deck_builder.build import build_deck

from test_errors import ANSWER, assert_clean_failure, problem_lines
from test_roundtrip import replace_in, review_one_card, snapshot

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
        assert lines[start:start + 5] == [
            "Renamed? 36 cards would start over without their review history when you import this package:",
            f"  company 'northwind' is now 'northwind-parcel' (22 notes, 32 cards): add  renamed_from: northwind  "
            f"to {example}/companies/northwind-parcel.yaml",
            f"  question 'my-first-review' is now 'my-first-performance-review' (2 notes, 3 cards): add  renamed_from: "
            f"my-first-review  to that question ({example}/questions/mine.yaml:3:5)",
            f"  fact 'what-risk-does-the-annual-report-stress-most' is now 'which-risk-does-the-annual-report-stress-most' "
            f"(1 note, 1 card): give it  id: what-risk-does-the-annual-report-stress-most  "
            f"({example}/companies/northwind-parcel.yaml:50:5)",
            "Do that and build again before you import: then the cards keep their history.",
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
