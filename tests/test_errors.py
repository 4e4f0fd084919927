"""Bad workspaces: every problem is reported as FILE:LINE:COL: error: message, exit 1, no traceback.

The corpus in tests/corpus/ holds small workspaces with one mistake each and the exact lines
`deck-builder check` must print for it (see tests/corpus/README.md). "{ws}" in an expected
line stands for the workspace folder exactly as it was given on the command line.

Tests marked xfail(strict=True) describe the correct behaviour for a bug or a confusing
message found while writing these tests; they start passing (and so fail as XPASS) once
the source is fixed, and the marker should then be removed.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(d.name for d in CORPUS.iterdir() if d.is_dir() and not d.name.startswith("_"))

# A valid answer to a question of the default built-in bank (second-interview).
ANSWER = (CORPUS / "_base" / "answers.yaml").read_text(encoding="utf-8")


def company(body: str) -> dict[str, str]:
    """A workspace with a valid answer and companies/acme.yaml = name + BODY."""
    return {"answers.yaml": ANSWER, "companies/acme.yaml": "name: Acme\n" + body}


def person_with_photo(photo: str) -> dict[str, str]:
    return company(f"people:\n  - name: Jo Doe\n    role: CEO\n    photo: {photo}\n")


def corpus_workspace(case: str, dest: Path) -> Path:
    """tests/corpus/_base (a valid answer) with the case's own files on top, in DEST."""
    shutil.copytree(CORPUS / "_base", dest)
    shutil.copytree(CORPUS / case, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns("expected.txt"))
    return dest


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


def failing_check(cli, ws: Path) -> list[str]:
    """`check WS`, which must fail cleanly -> its problem lines."""
    result = cli("check", ws)
    assert_clean_failure(result)
    return problem_lines(result.stderr)


@pytest.mark.parametrize("case", CASES)
def test_corpus_case_reports_its_defect_exactly(tmp_path, cli, case):
    ws = corpus_workspace(case, tmp_path / "ws")
    expected = (CORPUS / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    result = cli("check", ws)
    errors = sum(": error: " in line for line in expected)
    if not errors:  # valid YAML that loses or misreads something: check warns, and still passes
        assert result.exit_code == 0, result.output
        assert result.stderr.splitlines() == expect(expected, ws)
        assert f"No errors, {len(expected)} warning{'s' if len(expected) != 1 else ''};" in result.stdout
        return
    assert_clean_failure(result)
    lines = result.stderr.splitlines()
    assert lines[:-1] == expect(expected, ws)
    assert lines[-1] == summary(errors, len(expected) - errors) + "."


def test_corpus_cases_each_say_what_they_expect():
    assert len(CASES) >= 50
    for case in CASES:
        expected = (CORPUS / case / "expected.txt").read_text(encoding="utf-8").splitlines()
        assert expected and all(line.startswith("{ws}") for line in expected), case


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
    [line] = failing_check(cli, ws)
    assert line.startswith(f"{ws}/companies/acme.yaml:5:12: error: photo: 'media/jo-doe.png' is a link to a file outside the workspace")


def test_symlinked_media_folder_pointing_outside_is_refused(workspace, cli, tmp_path):
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    (pictures / "jo-doe.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    ws = workspace(person_with_photo("media/jo-doe.png"))
    os.symlink(pictures, ws / "media")
    [line] = failing_check(cli, ws)
    assert line.startswith(f"{ws}/companies/acme.yaml:5:12: error: photo: 'media/jo-doe.png' is a link to a file outside the workspace")


def test_symlink_message_says_the_file_is_a_link(workspace, cli, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n")
    ws = workspace(person_with_photo("media/jo-doe.png"))
    (ws / "media").mkdir()
    os.symlink(secret, ws / "media" / "jo-doe.png")
    [line] = failing_check(cli, ws)
    assert line.startswith(f"{ws}/companies/acme.yaml:5:12: error: photo: 'media/jo-doe.png' ")
    assert "link" in line
    assert "refer to it as media/jo-doe.png" not in line


def test_unclosed_quote_is_a_yaml_error(workspace, cli):
    ws = workspace({"answers.yaml": 'career-goals:\n  points:\n    - "Lead a team\n'})
    [line] = failing_check(cli, ws)
    assert line.startswith(f"{ws}/answers.yaml:")
    assert line == (f"{ws}/answers.yaml:3:7: error: this quote (\") is never closed, so YAML reads the rest of "
                    "the file as one text: add the closing \" where the text ends")


def test_unclosed_quote_points_at_the_opening_quote(workspace, cli):
    ws = workspace({"answers.yaml": 'career-goals:\n  points:\n    - "Lead a team\n    - Grow people\n  notes: x\n'})
    [line] = failing_check(cli, ws)
    assert line.startswith(f"{ws}/answers.yaml:3:7: error: this quote (\") is never closed")


@pytest.mark.parametrize("text", [
    "    - {company} is growing fast\n",
    "    - [Draft] lead a team\n",
])
def test_unquoted_text_starting_with_brace_says_to_quote_it(workspace, cli, text):
    ws = workspace({"answers.yaml": "career-goals:\n  points:\n" + text})
    [line] = failing_check(cli, ws)
    assert line.startswith(f"{ws}/answers.yaml:3:")
    assert "quote" in line
    assert "indentation" not in line


def test_python_tag_on_a_required_value_is_refused(workspace, cli):
    ws = workspace({"answers.yaml": "career-goals:\n  points:\n    - !!python/object/apply:os.system [echo hacked]\n"})
    problems = failing_check(cli, ws)
    assert (f"{ws}/answers.yaml:3:7: "
            "error: '!!python/object/apply:os.system' marks a YAML type (a tag), which deck-builder files do not use: "
            "delete it (they hold only text, lists and mappings)") in problems


def test_refused_tag_is_reported_once(workspace, cli):
    ws = workspace({"answers.yaml": "career-goals:\n  points:\n    - !!python/object/apply:os.system [echo hacked]\n"})
    assert failing_check(cli, ws) == [
        f"{ws}/answers.yaml:3:7: "
        "error: '!!python/object/apply:os.system' marks a YAML type (a tag), which deck-builder files do not use: "
            "delete it (they hold only text, lists and mappings)"
    ]


ALIAS_MESSAGE = ("'*p' at the start of a value is a YAML alias (a copy of another value), which deck-builder does "
                 "not use: write the value out in full; if it is your text (Markdown *italics*), put the whole text in quotes")
def tag_message(tag: str) -> str:
    if tag.startswith("!!"):
        return (f"'{tag}' marks a YAML type (a tag), which deck-builder files do not use: delete it "
                "(they hold only text, lists and mappings)")
    return (f"text that starts with '!' must be in quotes: YAML reads '{tag}' as a type (a tag) and drops it; "
            f"write \"{tag} text\"")  # the one local tag case: '!custom text'


@pytest.mark.parametrize("rel, text, where, tag", [
    ("answers.yaml", "career-goals:\n  points: [x]\n  notes: !!python/name:os.system\n", "3:10", "!!python/name:os.system"),
    ("answers.yaml", "career-goals:\n  points:\n    - !!python/object:os.system echo\n", "3:7", "!!python/object:os.system"),
    ("answers.yaml", "career-goals:\n  points: [x]\n  notes: !!binary aGk=\n", "3:10", "!!binary"),
    ("answers.yaml", "career-goals:\n  points: [x]\n  notes: !custom text\n", "3:10", "!custom"),
    ("companies/acme.yaml", "name: !!python/name:builtins.exec\nfacts: [{q: Q, a: A}]\n", "1:7", "!!python/name:builtins.exec"),
    ("answers.yaml", "career-goals: !!python/object:builtins.dict {points: [x]}\n", "1:15", "!!python/object:builtins.dict"),
    ("stories.yaml", "s1: !!set {title: t, result: r}\n", "1:5", "!!set"),
    ("stories.yaml", "!!python/object/new:os.system\ns1: {title: t, result: r 1}\n", "1:1", "!!python/object/new:os.system"),
], ids=["text", "list-item", "binary", "local-tag", "required-text", "mapping", "set", "whole-file"])
def test_a_tag_on_text_or_on_a_mapping_is_refused_once(workspace, cli, rel, text, where, tag):
    ws = workspace({"answers.yaml": ANSWER, rel: text})
    assert failing_check(cli, ws) == [f"{ws}/{rel}:{where}: error: {tag_message(tag)}"]
    result = cli("build", ws)
    assert_clean_failure(result)
    assert not (ws / "build").exists()


ALIASED = "career-goals:\n  points: &p\n    - Lead a team.\ncareer-prepared:\n  points: *p\n"


def test_yaml_alias_is_refused(workspace, cli):
    ws = workspace({"answers.yaml": ALIASED})
    lines = failing_check(cli, ws)
    assert any(line.startswith(f"{ws}/answers.yaml:") and line.endswith(
        f"error: {ALIAS_MESSAGE}") for line in lines)


def test_yaml_alias_is_reported_once_where_it_is_used(workspace, cli):
    ws = workspace({"answers.yaml": ALIASED})
    assert failing_check(cli, ws) == [f"{ws}/answers.yaml:5:11: error: {ALIAS_MESSAGE}"]


def test_question_id_clashing_with_builtin_bank_is_reported(workspace, cli):
    ws = workspace({
        "answers.yaml": ANSWER,
        "questions/mine.yaml": "bank: Mine\nquestions:\n  - id: career-goals\n    ask: Where do you see yourself?\n",
    })
    [line] = failing_check(cli, ws)
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
    assert failing_check(cli, ws) == [
        f"{ws}/answers.yaml:3:12: error: byte 0xff here is not UTF-8 text, though the file is UTF-8 up to here "
        "(a character pasted from a file in another encoding?): retype the character here and save the file as UTF-8"
    ]


def test_non_utf8_after_byte_order_mark(workspace, cli):
    ws = workspace({"answers.yaml": b"\xef\xbb\xbfcareer-goals:\n  points: [x\xff]\n"})
    assert failing_check(cli, ws) == [
        f"{ws}/answers.yaml:2:13: error: this file is not UTF-8 text but another encoding, probably Windows-1252 "
        "(byte 0xff is 'ÿ' there), as older Windows programs save text: save it as UTF-8 (in Notepad: File, Save as, "
        "Encoding: UTF-8)"
    ]


@pytest.mark.parametrize("notes", [
    "  notes: Say why I\n    like {compnay}\n",
    '  notes: "Say why I\n    like {compnay}"\n',
])
def test_placeholder_in_multiline_text_is_located_on_a_real_place(workspace, cli, notes):
    ws = workspace({"answers.yaml": "career-goals:\n  points: [x]\n" + notes})
    [line] = failing_check(cli, ws)
    message = ("error: notes: unknown placeholder {compnay} "
               "(did you mean {company}? the placeholders are {company} and {role})")
    assert line in (f"{ws}/answers.yaml:4:10: {message}", f"{ws}/answers.yaml:3:10: {message}")


def test_placeholder_column_after_escaped_single_quote(workspace, cli):
    ws = workspace({"answers.yaml": "career-goals:\n  points:\n    - 'it''s {compnay}'\n"})
    assert failing_check(cli, ws) == [
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
    lines = failing_check(cli, ws)
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


def test_dangling_photo_link_says_it_is_a_link(workspace, cli, tmp_path):
    ws = workspace(person_with_photo("media/jo-doe.png"))
    (ws / "media").mkdir()
    os.symlink(ws / "media" / "gone.png", ws / "media" / "jo-doe.png")
    assert failing_check(cli, ws) == [
        f"{ws}/companies/acme.yaml:5:12: error: photo: 'media/jo-doe.png' is a link to a file that is not there "
        "(moved or deleted): copy the picture itself to media/jo-doe.png"
    ]
