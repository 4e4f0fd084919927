"""Bad workspaces: every problem is reported as FILE:LINE:COL: error: message, exit 1, no traceback.

Each row of BAD_WORKSPACES is a small workspace with one mistake and the exact lines
`deck-builder check` must print for it. "{ws}" in an expected line stands for the
workspace folder exactly as it was given on the command line.

Tests marked xfail(strict=True) describe the correct behaviour for a bug or a confusing
message found while writing these tests; they start passing (and so fail as XPASS) once
the source is fixed, and the marker should then be removed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

# A valid answer to a question of the default built-in bank (second-interview).
ANSWER = """\
career-goals:
  points:
    - Lead a small team within 3 years.
"""

# A workspace's own bank, for rows that must not depend on the built-in banks.
MY_BANK = """\
bank: My questions
questions:
  - id: why-us
    ask: "Why {company}?"
"""


def company(body: str) -> dict[str, str]:
    """A workspace with a valid answer and companies/acme.yaml = name + BODY."""
    return {"answers.yaml": ANSWER, "companies/acme.yaml": "name: Acme\n" + body}


def person_with_photo(photo: str) -> dict[str, str]:
    return company(f"people:\n  - name: Jo Doe\n    role: CEO\n    photo: {photo}\n")


BAD_WORKSPACES = [
    # -- YAML syntax ----------------------------------------------------------------------
    pytest.param(
        {"answers.yaml": "career-goals:\n  points:\n    - Lead a team.\n  notes: Remember: smile\n"},
        ["{ws}/answers.yaml:4:18: error: invalid YAML: mapping values are not allowed in this context "
         "(a ':' followed by a space inside text? put the whole text in quotes)"],
        id="colon-space-inside-unquoted-text",
    ),
    pytest.param(
        {"answers.yaml": "career-goals:\n\tpoints:\n    - Lead a team.\n"},
        ["{ws}/answers.yaml:2:1: error: invalid YAML: found character that cannot start any token "
         "(a tab, or text starting with @ or `? indent with spaces, quote the text), "
         "while scanning for the next token at line 2"],
        id="tab-indentation",
    ),
    pytest.param(
        {"answers.yaml": ANSWER + "---\nobstacles:\n  points: [x]\n"},
        ["{ws}/answers.yaml:4:1: error: invalid YAML: but found another document, "
         "expected a single document in the stream at line 1"],
        id="two-yaml-documents-in-one-file",
    ),
    # -- wrong types ------------------------------------------------------------------------
    pytest.param(
        {"answers.yaml": "career-goals:\n  points: Lead a small team.\n"},
        ["{ws}/answers.yaml:2:11: error: points: expected a list (lines starting with '- '), got text"],
        id="points-as-text-instead-of-list",
    ),
    pytest.param(
        {"answers.yaml": "career-goals:\n  points:\n    - Goal: lead a team\n"},
        ["{ws}/answers.yaml:3:7: error: points item: expected text, got a mapping (key: value)"],
        id="mapping-where-a-point-belongs",
    ),
    pytest.param(
        {"answers.yaml": "career-goals:\n  points: [x]\n  notes:\n    keep: it short\n"},
        ["{ws}/answers.yaml:4:5: error: notes: expected text, got a mapping (key: value)"],
        id="mapping-where-notes-text-belongs",
    ),
    pytest.param(
        {"answers.yaml": "career-goals:\n  points:\n    - {company}\n"},
        ["{ws}/answers.yaml:3:7: error: points item: expected text, got a mapping (key: value) "
         "(text starting with '{' or '[' must be in quotes)"],
        id="unquoted-placeholder-reads-as-a-mapping",
    ),
    pytest.param(
        {"answers.yaml": ANSWER, "stories.yaml": "- first-win\n- second-win\n"},
        ["{ws}/stories.yaml:1:1: error: stories.yaml: expected a mapping (key: value), got a list"],
        id="stories-yaml-is-a-list",
    ),
    pytest.param(
        {"answers.yaml": "- career-goals\n"},
        ["{ws}/answers.yaml:1:1: error: answers.yaml: expected a mapping (key: value), got a list"],
        id="answers-yaml-is-a-list",
    ),
    pytest.param(
        {"answers.yaml": ANSWER, "companies/acme.yaml": "Acme\n"},
        ["{ws}/companies/acme.yaml:1:1: error: company: expected a mapping (key: value), got text"],
        id="company-file-is-text",
    ),
    pytest.param(
        company("people:\n  name: Jo Doe\n  role: CEO\n"),
        ["{ws}/companies/acme.yaml:3:3: error: people: expected a list (lines starting with '- '), "
         "got a mapping (key: value)"],
        id="people-mapping-instead-of-list",
    ),
    pytest.param(
        {"answers.yaml": "career-goals:\n"},
        ["{ws}/answers.yaml:1:14: error: answer to 'career-goals': expected a mapping (key: value), got nothing"],
        id="answer-with-nothing-under-it",
    ),
    pytest.param(
        {"answers.yaml": "career-goals:\n  points: []\n"},
        ["{ws}/answers.yaml:2:11: error: points: give at least one talking point"],
        id="empty-points-list",
    ),
    # -- unknown and missing keys -------------------------------------------------------
    pytest.param(
        {"answers.yaml": "career-goals:\n  point:\n    - Lead a team.\n"},
        ["{ws}/answers.yaml:2:3: error: answer to 'career-goals': unknown key 'point' (did you mean 'points'?)"],
        id="unknown-key-with-suggestion",
    ),
    pytest.param(
        {"answers.yaml": "career-goals:\n  points: [x]\n  zzz: 1\n"},
        ["{ws}/answers.yaml:3:3: error: answer to 'career-goals': unknown key 'zzz' "
         "(valid keys: points, stories, notes)"],
        id="unknown-key-without-near-match-lists-valid-keys",
    ),
    pytest.param(
        {"answers.yaml": ANSWER, "deck.yaml": "bank:\n  - second-interview\n"},
        ["{ws}/deck.yaml:1:1: error: deck.yaml: unknown key 'bank' (did you mean 'banks'?)"],
        id="deck-yaml-unknown-key",
    ),
    pytest.param(
        {"answers.yaml": ANSWER, "stories.yaml": "first-win:\n  title: Fixing the report\n  action: Automated it.\n"},
        ["{ws}/stories.yaml:1:1: error: story 'first-win': missing required key 'result'"],
        id="story-without-result",
    ),
    pytest.param(
        {"answers.yaml": ANSWER, "companies/acme.yaml": "role: PM\nfacts:\n  - q: Founded?\n    a: 2015\n"},
        ["{ws}/companies/acme.yaml:1:1: error: company: missing required key 'name'"],
        id="company-without-name",
    ),
    pytest.param(
        company("people:\n  - name: Jo Doe\n"),
        ["{ws}/companies/acme.yaml:3:5: error: person: missing required key 'role'"],
        id="person-without-role",
    ),
    # -- duplicate ids -------------------------------------------------------------------
    pytest.param(
        {
            "answers.yaml": "why-us:\n  points: [x]\n",
            "questions/a.yaml": MY_BANK,
            "questions/b.yaml": "bank: Other\nquestions:\n  - id: why-us\n    ask: Why us?\n",
        },
        ["{ws}/questions/b.yaml:3:5: error: question id 'why-us' is already used by bank 'a' "
         "({ws}/questions/a.yaml:3:5); ids must be unique across all banks you include"],
        id="same-question-id-in-two-banks",
    ),
    pytest.param(
        {
            "answers.yaml": "why-us:\n  points: [x]\n",
            "questions/mine.yaml": MY_BANK + "  - id: why-us\n    ask: Why us, really?\n",
        },
        ["{ws}/questions/mine.yaml:5:5: error: duplicate question id 'why-us' (first at line 3); ids must be unique"],
        id="same-question-id-twice-in-one-bank",
    ),
    pytest.param(
        company("facts:\n  - q: When was Acme founded?\n    a: 2015\n"
                "  - q: When was Acme founded?\n    a: In 2015, in Leeds.\n"),
        ["{ws}/companies/acme.yaml:5:5: error: two facts would share the id 'when-was-acme-founded' "
         "(the other is at line 3); give one of them its own 'id:'"],
        id="two-facts-derive-the-same-id",
    ),
    pytest.param(
        company("people:\n  - id: jo\n    name: Jo Doe\n    role: CEO\n"
                "  - id: jo\n    name: Jo Roe\n    role: CTO\n"),
        ["{ws}/companies/acme.yaml:6:5: error: duplicate person id 'jo' (first at line 3); ids must be unique"],
        id="two-people-with-the-same-explicit-id",
    ),
    pytest.param(
        {"answers.yaml": ANSWER + "career-goals:\n  points: [again]\n"},
        ["{ws}/answers.yaml:4:1: error: duplicate key 'career-goals' (first at line 1); "
         "YAML would silently keep only the last one: merge them or rename one"],
        id="duplicate-key-in-one-mapping",
    ),
    # -- references ----------------------------------------------------------------------
    pytest.param(
        {"answers.yaml": "carer-goals:\n  points: [x]\n"},
        ["{ws}/answers.yaml:1:1: error: answers.yaml: no question has the id 'carer-goals' "
         "(did you mean 'career-goals'?); answers are keyed by the id of a question in the banks you include"],
        id="answer-to-unknown-question",
    ),
    pytest.param(
        company("tailoring:\n  carer-goals:\n    - Mention the Leeds office.\n"),
        ["{ws}/companies/acme.yaml:3:3: error: tailoring: no question has the id 'carer-goals' "
         "(did you mean 'career-goals'?)"],
        id="tailoring-for-unknown-question",
    ),
    pytest.param(
        {
            "answers.yaml": "career-goals:\n  points: [x]\n  stories:\n    - firstwin\n",
            "stories.yaml": "first-win:\n  title: Fixing the report\n  result: 6 hours to 1.\n",
        },
        ["{ws}/answers.yaml:4:7: error: stories: no story has the id 'firstwin' (did you mean 'first-win'?); "
         "story ids are the keys in stories.yaml"],
        id="unknown-story-with-suggestion",
    ),
    pytest.param(
        company("tailoring:\n  career-goals: []\n"),
        ["{ws}/companies/acme.yaml:3:17: error: tailoring for 'career-goals': give at least one point"],
        id="empty-tailoring",
    ),
    # -- placeholders and cloze ----------------------------------------------------------
    pytest.param(
        {"answers.yaml": "career-goals:\n  points:\n    - I love {compnay} a lot\n"},
        ["{ws}/answers.yaml:3:14: error: points item: unknown placeholder {compnay} "
         "(did you mean {company}? the placeholders are {company} and {role})"],
        id="unknown-placeholder-column-of-brace",
    ),
    pytest.param(
        {"answers.yaml": 'career-goals:\n  points:\n    - "I love {compnay} a lot"\n'},
        ["{ws}/answers.yaml:3:15: error: points item: unknown placeholder {compnay} "
         "(did you mean {company}? the placeholders are {company} and {role})"],
        id="unknown-placeholder-in-quoted-text",
    ),
    pytest.param(
        {"answers.yaml": "career-goals:\n  points:\n    - Ask about the {team}\n"},
        ["{ws}/answers.yaml:3:21: error: points item: unknown placeholder {team} "
         "(the placeholders are {company} and {role})"],
        id="unknown-placeholder-without-near-match",
    ),
    pytest.param(
        {"answers.yaml": ANSWER, "companies/acme.yaml": 'name: "{company} Inc"\nquestions_to_ask: [Why?]\n'},
        ["{ws}/companies/acme.yaml:1:8: error: name: placeholders like {company} cannot be used here; write it out"],
        id="placeholder-in-company-name",
    ),
    pytest.param(
        company('facts:\n  - cloze: "Founded in {{c1::2015"\n'),
        ["{ws}/companies/acme.yaml:3:24: error: cloze: '{{c1::' is never closed; end the hidden text with '}}'"],
        id="cloze-never-closed",
    ),
    pytest.param(
        company('facts:\n  - cloze: "Founded in 2015}} in Leeds"\n'),
        ["{ws}/companies/acme.yaml:3:28: error: cloze: '}}' without a matching '{{c1::' before it"],
        id="cloze-stray-closing-braces",
    ),
    pytest.param(
        company('facts:\n  - cloze: "Founded in 2015"\n'),
        ["{ws}/companies/acme.yaml:3:13: error: cloze: a cloze fact needs at least one hidden part, "
         "written {{c1::like this}}"],
        id="cloze-without-deletion",
    ),
    pytest.param(
        company('facts:\n  - cloze: "Founded in {{c1::}}"\n'),
        ["{ws}/companies/acme.yaml:3:24: error: cloze: cloze {{c1::}} hides nothing; put the hidden text after '::'"],
        id="cloze-hiding-nothing",
    ),
    pytest.param(
        company('facts:\n  - cloze: "Founded in {{c0::2015}}"\n'),
        ["{ws}/companies/acme.yaml:3:24: error: cloze: cloze numbers go from c1 to c500"],
        id="cloze-numbered-c0",
    ),
    # -- photos --------------------------------------------------------------------------
    pytest.param(
        person_with_photo("media/jo-doe.png"),
        ["{ws}/companies/acme.yaml:5:12: error: photo: no file 'media/jo-doe.png' in the workspace"],
        id="missing-photo-file",
    ),
    pytest.param(
        person_with_photo("../jo-doe.png"),
        ["{ws}/companies/acme.yaml:5:12: error: photo: '../jo-doe.png' is outside the workspace; "
         "copy the picture into media/ and refer to it as media/jo-doe.png"],
        id="photo-path-escaping-with-dotdot",
    ),
    pytest.param(
        person_with_photo("media/../../jo-doe.png"),
        ["{ws}/companies/acme.yaml:5:12: error: photo: 'media/../../jo-doe.png' is outside the workspace; "
         "copy the picture into media/ and refer to it as media/jo-doe.png"],
        id="photo-path-escaping-through-media",
    ),
    pytest.param(
        person_with_photo("/home/me/jo-doe.png"),
        ["{ws}/companies/acme.yaml:5:12: error: photo: '/home/me/jo-doe.png' is an absolute path; "
         "give a path inside the workspace, like media/jo-doe.png"],
        id="absolute-photo-path",
    ),
    pytest.param(
        {**person_with_photo("media/jo-doe.txt"), "media/jo-doe.txt": "not a picture"},
        ["{ws}/companies/acme.yaml:5:12: error: photo: 'media/jo-doe.txt' is not a picture Anki shows; "
         "use one of .png, .jpg, .jpeg, .gif, .svg, .webp"],
        id="photo-that-is-not-a-picture",
    ),
    # -- encoding and refused YAML features ----------------------------------------------
    pytest.param(
        {"answers.yaml": b"career-goals:\n  points:\n    - caf\xff\n"},
        ["{ws}/answers.yaml:3:10: error: this file is not UTF-8 text (byte 0xff); save it with UTF-8 encoding"],
        id="file-that-is-not-utf8",
    ),
    pytest.param(
        {"answers.yaml": "career-goals:\n  points: [x]\n  notes: !!python/object/apply:os.system [echo hacked]\n"},
        ["{ws}/answers.yaml:3:10: error: YAML tag !!python/object/apply:os.system is not allowed; "
         "deck-builder files hold only text, lists and mappings"],
        id="python-tag-refused",
    ),
    pytest.param(
        {"answers.yaml": "career-goals: &base\n  points: [x]\ncareer-prepared:\n  <<: *base\n  points: [y]\n"},
        ["{ws}/answers.yaml:4:7: error: anchors and aliases (&name, *name, <<) are not supported; write the value out"],
        id="yaml-merge-key-refused",
    ),
    # -- ids and names -------------------------------------------------------------------
    pytest.param(
        {"answers.yaml": ANSWER, "stories.yaml": "Career Goals:\n  title: T\n  result: R\n"},
        ["{ws}/stories.yaml:1:1: error: story id 'Career Goals' is not a valid id; "
         "use lowercase letters, digits and hyphens, like 'career-goals'"],
        id="invalid-story-id",
    ),
    pytest.param(
        {"answers.yaml": ANSWER, "questions/mine.yaml": "bank: Mine\nquestions:\n  - id: Career Goals\n    ask: Why?\n"},
        ["{ws}/questions/mine.yaml:3:9: error: id: 'Career Goals' is not a valid id; "
         "use lowercase letters, digits and hyphens, like 'career-goals'"],
        id="invalid-question-id",
    ),
    pytest.param(
        {"answers.yaml": ANSWER, "companies/Acme Inc.yaml": "name: Acme\nquestions_to_ask: [Why?]\n"},
        ["{ws}/companies/Acme Inc.yaml: error: company file name 'Acme Inc' is not a valid id; "
         "use lowercase letters, digits and hyphens, like 'acme-inc'"],
        id="invalid-company-file-name",
    ),
    # -- deck.yaml -----------------------------------------------------------------------
    pytest.param(
        {"answers.yaml": "why-us:\n  points: [x]\n", "questions/mine.yaml": MY_BANK,
         "deck.yaml": "banks:\n  - second-interviw\n"},
        ["{ws}/deck.yaml:2:5: error: banks: unknown built-in bank 'second-interviw' "
         "(did you mean 'second-interview'?); the built-in banks are behavioral, second-interview"],
        id="unknown-builtin-bank-with-suggestion",
    ),
    pytest.param(
        {"answers.yaml": ANSWER, "deck.yaml": "banks: [second-interview, second-interview]\n"},
        ["{ws}/deck.yaml:1:27: error: banks: 'second-interview' is listed twice"],
        id="bank-listed-twice",
    ),
    pytest.param(
        {"answers.yaml": ANSWER, "deck.yaml": "tts: english\n"},
        ["{ws}/deck.yaml:1:6: error: tts: 'english' is not a locale; write it like en_US or de_DE"],
        id="bad-tts-locale",
    ),
    pytest.param(
        {"answers.yaml": ANSWER, "deck.yaml": "tts: en-US\n"},
        ["{ws}/deck.yaml:1:6: error: tts: 'en-US' is not a locale; write it like en_US or de_DE"],
        id="tts-locale-with-hyphen",
    ),
    # -- nothing to study ----------------------------------------------------------------
    pytest.param(
        {"answers.yaml": ""},
        ["{ws}/answers.yaml: error: nothing to study yet: add talking points to answers.yaml, a story to stories.yaml "
         "or a company under companies/ (see 'deck-builder init')"],
        id="empty-answers-and-nothing-else",
    ),
]


def problem_lines(stderr: str) -> list[str]:
    """The FILE:LINE:COL: error|warning: lines, without the closing summary."""
    return [line for line in stderr.splitlines() if re.search(r": (error|warning): ", line)]


def expect(lines: list[str], ws: Path) -> list[str]:
    return [line.replace("{ws}", str(ws)) for line in lines]


def summary(errors: int, warnings: int = 0) -> str:
    """The count line that closes the problems."""
    return f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"


def assert_clean_failure(result) -> None:
    """Exit 1, nothing on stdout, no traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""


@pytest.mark.parametrize(("files", "expected"), BAD_WORKSPACES)
def test_check_reports_each_mistake_at_its_place(workspace, cli, files, expected):
    ws = workspace(files)
    result = cli("check", ws)
    assert_clean_failure(result)
    lines = result.stderr.splitlines()
    assert lines[:-1] == expect(expected, ws)
    assert lines[-1] == summary(len(expected)) + "."


def test_error_paths_follow_the_folder_as_given(workspace, cli, monkeypatch):
    ws = workspace({"answers.yaml": "career-goals:\n  points: Lead a team.\n"}, name="prep")
    monkeypatch.chdir(ws.parent)
    result = cli("check", "prep")
    assert_clean_failure(result)
    assert problem_lines(result.stderr) == [
        "prep/answers.yaml:2:11: error: points: expected a list (lines starting with '- '), got text"
    ]
    monkeypatch.chdir(ws)
    result = cli("check")
    assert_clean_failure(result)
    assert problem_lines(result.stderr) == [
        "answers.yaml:2:11: error: points: expected a list (lines starting with '- '), got text"
    ]


def test_missing_workspace_folder_is_one_clear_error(tmp_path, cli):
    missing = tmp_path / "nowhere"
    result = cli("check", missing)
    assert_clean_failure(result)
    assert result.stderr == (
        f"error: no workspace at '{missing}': the folder does not exist "
        f"(create one with 'deck-builder init {missing}')\n"
    )


# -- mistakes that need more than a files table ------------------------------------------------

def test_symlink_in_media_pointing_outside_is_refused(workspace, cli, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n")
    ws = workspace(person_with_photo("media/jo-doe.png"))
    (ws / "media").mkdir()
    os.symlink(secret, ws / "media" / "jo-doe.png")
    result = cli("check", ws)
    assert_clean_failure(result)
    [line] = problem_lines(result.stderr)
    assert line.startswith(f"{ws}/companies/acme.yaml:5:12: error: photo: 'media/jo-doe.png' is a link to a file outside the workspace")


def test_symlinked_media_folder_pointing_outside_is_refused(workspace, cli, tmp_path):
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    (pictures / "jo-doe.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    ws = workspace(person_with_photo("media/jo-doe.png"))
    os.symlink(pictures, ws / "media")
    result = cli("check", ws)
    assert_clean_failure(result)
    [line] = problem_lines(result.stderr)
    assert line.startswith(f"{ws}/companies/acme.yaml:5:12: error: photo: 'media/jo-doe.png' is a link to a file outside the workspace")


def test_symlink_message_says_the_file_is_a_link(workspace, cli, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n")
    ws = workspace(person_with_photo("media/jo-doe.png"))
    (ws / "media").mkdir()
    os.symlink(secret, ws / "media" / "jo-doe.png")
    result = cli("check", ws)
    assert_clean_failure(result)
    [line] = problem_lines(result.stderr)
    assert line.startswith(f"{ws}/companies/acme.yaml:5:12: error: photo: 'media/jo-doe.png' ")
    assert "link" in line
    assert "refer to it as media/jo-doe.png" not in line


def test_unclosed_quote_is_a_yaml_error(workspace, cli):
    ws = workspace({"answers.yaml": 'career-goals:\n  points:\n    - "Lead a team\n'})
    result = cli("check", ws)
    assert_clean_failure(result)
    [line] = problem_lines(result.stderr)
    assert line.startswith(f"{ws}/answers.yaml:")
    assert "invalid YAML" in line and "a quote that is never closed?" in line and ":3:7:" in line


def test_unclosed_quote_points_at_the_opening_quote(workspace, cli):
    ws = workspace({"answers.yaml": 'career-goals:\n  points:\n    - "Lead a team\n    - Grow people\n  notes: x\n'})
    result = cli("check", ws)
    assert_clean_failure(result)
    [line] = problem_lines(result.stderr)
    assert line.startswith(f"{ws}/answers.yaml:3:7: error: invalid YAML: ")
    assert "never closed" in line


@pytest.mark.parametrize("text", [
    "    - {company} is growing fast\n",
    "    - [Draft] lead a team\n",
])
def test_unquoted_text_starting_with_brace_says_to_quote_it(workspace, cli, text):
    ws = workspace({"answers.yaml": "career-goals:\n  points:\n" + text})
    result = cli("check", ws)
    assert_clean_failure(result)
    [line] = problem_lines(result.stderr)
    assert line.startswith(f"{ws}/answers.yaml:3:")
    assert "quote" in line
    assert "indentation" not in line


def test_python_tag_on_a_required_value_is_refused(workspace, cli):
    ws = workspace({"answers.yaml": "career-goals:\n  points:\n    - !!python/object/apply:os.system [echo hacked]\n"})
    result = cli("check", ws)
    assert_clean_failure(result)
    assert (f"{ws}/answers.yaml:3:7: error: YAML tag !!python/object/apply:os.system is not allowed; "
            "deck-builder files hold only text, lists and mappings") in problem_lines(result.stderr)


def test_refused_tag_is_reported_once(workspace, cli):
    ws = workspace({"answers.yaml": "career-goals:\n  points:\n    - !!python/object/apply:os.system [echo hacked]\n"})
    result = cli("check", ws)
    assert_clean_failure(result)
    assert problem_lines(result.stderr) == [
        f"{ws}/answers.yaml:3:7: error: YAML tag !!python/object/apply:os.system is not allowed; "
        "deck-builder files hold only text, lists and mappings"
    ]


ALIASED = "career-goals:\n  points: &p\n    - Lead a team.\ncareer-prepared:\n  points: *p\n"


def test_yaml_alias_is_refused(workspace, cli):
    ws = workspace({"answers.yaml": ALIASED})
    result = cli("check", ws)
    assert_clean_failure(result)
    lines = problem_lines(result.stderr)
    assert any(line.startswith(f"{ws}/answers.yaml:") and line.endswith(
        "error: anchors and aliases (&name, *name, <<) are not supported; write the value out") for line in lines)


def test_yaml_alias_is_reported_once_where_it_is_used(workspace, cli):
    ws = workspace({"answers.yaml": ALIASED})
    result = cli("check", ws)
    assert_clean_failure(result)
    assert problem_lines(result.stderr) == [
        f"{ws}/answers.yaml:5:11: error: anchors and aliases (&name, *name, <<) are not supported; write the value out"
    ]


def test_question_id_clashing_with_builtin_bank_is_reported(workspace, cli):
    ws = workspace({
        "answers.yaml": ANSWER,
        "questions/mine.yaml": "bank: Mine\nquestions:\n  - id: career-goals\n    ask: Where do you see yourself?\n",
    })
    result = cli("check", ws)
    assert_clean_failure(result)
    [line] = problem_lines(result.stderr)
    assert line.startswith(f"{ws}/questions/mine.yaml:3:5: error: question id 'career-goals' "
                           "is already used by the built-in bank 'second-interview'")
    assert line.endswith("ids must be unique across all banks you include")


def test_question_id_clash_with_builtin_bank_names_no_pseudo_file(workspace, cli):
    ws = workspace({
        "answers.yaml": ANSWER,
        "questions/mine.yaml": "bank: Mine\nquestions:\n  - id: career-goals\n    ask: Where do you see yourself?\n",
    })
    result = cli("check", ws)
    [line] = problem_lines(result.stderr)
    assert "second-interview" in line
    assert "<built-in bank" not in line


def test_non_utf8_column_counts_characters(workspace, cli):
    ws = workspace({"answers.yaml": "career-goals:\n  points:\n    - café ".encode() + b"\xff\n"})
    result = cli("check", ws)
    assert_clean_failure(result)
    assert problem_lines(result.stderr) == [
        f"{ws}/answers.yaml:3:12: error: this file is not UTF-8 text (byte 0xff); save it with UTF-8 encoding"
    ]


def test_non_utf8_after_byte_order_mark(workspace, cli):
    ws = workspace({"answers.yaml": b"\xef\xbb\xbfcareer-goals:\n  points: [x\xff]\n"})
    result = cli("check", ws)
    assert_clean_failure(result)
    assert problem_lines(result.stderr) == [
        f"{ws}/answers.yaml:2:13: error: this file is not UTF-8 text (byte 0xff); save it with UTF-8 encoding"
    ]


@pytest.mark.parametrize("notes", [
    "  notes: Say why I\n    like {compnay}\n",
    '  notes: "Say why I\n    like {compnay}"\n',
])
def test_placeholder_in_multiline_text_is_located_on_a_real_place(workspace, cli, notes):
    ws = workspace({"answers.yaml": "career-goals:\n  points: [x]\n" + notes})
    result = cli("check", ws)
    assert_clean_failure(result)
    [line] = problem_lines(result.stderr)
    message = ("error: notes: unknown placeholder {compnay} "
               "(did you mean {company}? the placeholders are {company} and {role})")
    assert line in (f"{ws}/answers.yaml:4:10: {message}", f"{ws}/answers.yaml:3:10: {message}")


def test_placeholder_column_after_escaped_single_quote(workspace, cli):
    ws = workspace({"answers.yaml": "career-goals:\n  points:\n    - 'it''s {compnay}'\n"})
    result = cli("check", ws)
    assert_clean_failure(result)
    assert problem_lines(result.stderr) == [
        f"{ws}/answers.yaml:3:14: error: points item: unknown placeholder {{compnay}} "
        "(did you mean {company}? the placeholders are {company} and {role})"
    ]


@pytest.mark.parametrize("body", [
    'name: "{company} Inc"\nquestions_to_ask: [Why?]\n',
    'name: Acme\nproducts:\n  - name: "{company} App"\n    about: A scheduling app.\n',
    'name: Acme\npeople:\n  - name: "{role} lead"\n    role: CEO\n',
])
def test_placeholder_in_a_name_gives_no_traceback(workspace, cli, body):
    """These once passed validation and then crashed check with KeyError: 'company' in render.plain."""
    ws = workspace({"answers.yaml": ANSWER, "companies/acme.yaml": body})
    result = cli("check", ws)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code in (0, 1)
    if result.exit_code == 1:
        assert all(line.startswith(f"{ws}/companies/acme.yaml:") for line in problem_lines(result.stderr))
        assert problem_lines(result.stderr)


@pytest.mark.parametrize(("files", "broken"), [
    pytest.param(
        {"answers.yaml": "career-goals:\n  points: [x]\n  stories: [first-win]\n",
         "stories.yaml": 'first-win:\n  title: "Fixing the report\n  result: 6 hours to 1.\n'},
        "stories.yaml", id="stories-yaml-with-a-syntax-error",
    ),
    pytest.param(
        {"answers.yaml": "why-us:\n  points: [x]\n",
         "questions/mine.yaml": 'bank: Mine\nquestions:\n  - id: why-us\n    ask: "Why {company}?\n'},
        "questions/mine.yaml", id="bank-with-a-syntax-error",
    ),
    pytest.param(
        {"answers.yaml": "why-us:\n  points: [x]\n",
         "questions/mine.yaml": "bank: Mine\nquestions:\n  - id: why-us\n    aks: Why us?\n"},
        "questions/mine.yaml", id="question-with-a-misspelt-key",
    ),
])
def test_broken_file_does_not_cascade_into_false_reference_errors(workspace, cli, files, broken):
    ws = workspace(files)
    result = cli("check", ws)
    assert_clean_failure(result)
    lines = problem_lines(result.stderr)
    assert [line for line in lines if not line.startswith(f"{ws}/{broken}:")] == []


def test_check_on_a_file_is_a_clear_error(workspace, cli):
    ws = workspace({"answers.yaml": ANSWER})
    result = cli("check", ws / "answers.yaml")
    assert result.exit_code == 1
    assert result.stderr == (f"error: '{ws / 'answers.yaml'}' is a file; "
                             "give the workspace folder that holds deck.yaml and answers.yaml\n")


# -- all at once --------------------------------------------------------------------------

BROKEN = {
    "deck.yaml": "deck: Interview Prep\ntts: english\n",
    "answers.yaml": (
        "career-goals:\n"
        "  point:\n"
        "    - Lead a team.\n"
        "obstacles:\n"
        "  points: [x]\n"
        "  stories: [firstwin]\n"
    ),
    "stories.yaml": (
        "first-win:\n"
        "  title: Fixing the report\n"
        "  result: From 6 hours to 1.\n"
        "late-win:\n"
        "  title: A late delivery saved\n"
    ),
    "companies/acme.yaml": (
        "name: Acme\n"
        "facts:\n"
        '  - cloze: "Founded in {{c1::2015"\n'
        "people:\n"
        "  - name: Jo Doe\n"
        "    role: CEO\n"
        "    photo: media/jo-doe.png\n"
    ),
}

BROKEN_PROBLEMS = [
    "{ws}/answers.yaml:2:3: error: answer to 'career-goals': unknown key 'point' (did you mean 'points'?)",
    "{ws}/answers.yaml:6:13: error: stories: no story has the id 'firstwin' (did you mean 'first-win'?); "
    "story ids are the keys in stories.yaml",
    "{ws}/companies/acme.yaml:3:24: error: cloze: '{{c1::' is never closed; end the hidden text with '}}'",
    "{ws}/companies/acme.yaml:7:12: error: photo: no file 'media/jo-doe.png' in the workspace",
    "{ws}/deck.yaml:2:6: error: tts: 'english' is not a locale; write it like en_US or de_DE",
    "{ws}/stories.yaml:4:1: error: story 'late-win': missing required key 'result'",
]


def test_every_problem_in_every_file_is_reported_in_one_run(workspace, cli):
    ws = workspace(BROKEN)
    result = cli("check", ws)
    assert_clean_failure(result)
    lines = result.stderr.splitlines()
    assert lines[:-1] == expect(BROKEN_PROBLEMS, ws)
    assert lines[-1] == summary(len(BROKEN_PROBLEMS)) + "."


def test_problems_are_sorted_by_file_then_line(workspace, cli):
    ws = workspace(BROKEN)
    lines = problem_lines(cli("check", ws).stderr)
    places = []
    for line in lines:
        m = re.match(r"(.+?):(\d+):(\d+): error: ", line)
        assert m, line
        places.append((m[1], int(m[2]), int(m[3])))
    assert places == sorted(places)
    assert len({p[0] for p in places}) == 4


# -- build refuses a broken workspace and keeps the last package ----------------------------

GOOD = {
    "answers.yaml": ANSWER,
    "stories.yaml": "first-win:\n  title: Fixing the report\n  result: From 6 hours to 1.\n",
    "companies/acme.yaml": "name: Acme\nfacts:\n  - q: When was Acme founded?\n    a: In 2015.\n",
}


def test_build_of_broken_workspace_keeps_previous_package(workspace, cli, tmp_path):
    ws = workspace(GOOD)
    out_dir = tmp_path / "out"
    out = out_dir / "prep.apkg"
    first = cli("build", ws, "-o", out)
    assert first.exit_code == 0, first.output
    assert sorted(p.name for p in out_dir.iterdir()) == ["prep.apkg"]
    package = out.read_bytes()
    state = (ws / ".deck-builder" / "state.json").read_bytes()

    for rel, text in BROKEN.items():
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text(text, encoding="utf-8")
    checked = cli("check", ws)
    result = cli("build", ws, "-o", out)

    assert_clean_failure(result)
    lines = result.stderr.splitlines()
    assert lines[:-1] == expect(BROKEN_PROBLEMS, ws)
    assert lines[:-1] == checked.stderr.splitlines()[:-1]
    assert lines[-1] == summary(len(BROKEN_PROBLEMS)) + "; nothing was built and the previous package is unchanged."
    assert out.read_bytes() == package
    assert sorted(p.name for p in out_dir.iterdir()) == ["prep.apkg"]
    assert (ws / ".deck-builder" / "state.json").read_bytes() == state
    assert sorted(p.name for p in (ws / ".deck-builder").iterdir()) == ["state.json"]
    assert not (ws / "build").exists()


def test_build_of_broken_workspace_writes_nothing(workspace, cli):
    ws = workspace(BROKEN)
    result = cli("build", ws)
    assert_clean_failure(result)
    assert result.stderr.splitlines()[:-1] == expect(BROKEN_PROBLEMS, ws)
    assert not (ws / "build").exists()
    assert not (ws / ".deck-builder").exists()


def test_warnings_are_listed_with_the_errors(workspace, cli):
    ws = workspace({
        "answers.yaml": "career-goals:\n  points: Lead a team.\n",
        "questions/extra.yml": "bank: Extra\nquestions: []\n",
    })
    result = cli("check", ws)
    assert_clean_failure(result)
    assert result.stderr.splitlines() == [
        f"{ws}/answers.yaml:2:11: error: points: expected a list (lines starting with '- '), got text",
        f"{ws}/questions/extra.yml: warning: ignored: deck-builder reads only .yaml files; rename it to extra.yaml",
        summary(1, 1) + ".",
    ]
