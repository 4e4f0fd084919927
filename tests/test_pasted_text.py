"""Text as people paste and type it: nothing lost without a word, no false alarm, no fix that
loses words (cases found trying the tool as a job seeker would)."""

from __future__ import annotations

import pytest

from test_errors import ANSWER, assert_clean_failure, problem_lines


def check(cli, ws):
    result = cli("check", ws)
    assert "Traceback" not in result.output
    return result


def test_a_fix_for_a_colon_keeps_the_words_yaml_read_as_a_comment(workspace, cli):
    ws = workspace({"answers.yaml": "career-goals:\n  points:\n    - Why: #1 reason\n    - Note: keep it short # really\n"})
    result = check(cli, ws)
    assert_clean_failure(result)
    assert problem_lines(result.stderr) == [
        f"{ws}/answers.yaml:3:7: error: points item: YAML read this as 'key: value' because of the ': ' after 'Why'; "
        "put the whole text in quotes: \"Why: #1 reason\"",
        f"{ws}/answers.yaml:4:7: error: points item: YAML read this as 'key: value' because of the ': ' after 'Note'; "
        "put the whole text in quotes: \"Note: keep it short # really\"",
    ]


@pytest.mark.parametrize("notes", [
    "  notes: |\n    Result\uff1a 20% growth in the north\n",
    "  notes: \"Our results\n    Result\uff1a 20% growth\"\n",
])
def test_a_full_width_colon_inside_text_that_yaml_reads_is_fine(workspace, cli, notes):
    ws = workspace({"answers.yaml": ANSWER + notes})
    result = check(cli, ws)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


@pytest.mark.parametrize(("text", "line"), [
    ("name\uff1aAcme\n", "companies/acme.yaml:1:1: error: company: expected a mapping (key: value), got text; after "
     "'name' is a full-width colon (U+FF1A FULLWIDTH COLON), not the ':' YAML needs after a key: retype it as ':' "
     "(if it is text, put the text in quotes)"),
    ("name: Acme\nfacts:\n  - q\uff1a When was it founded?\n    a: In 1999.\n",
     "companies/acme.yaml:3:6: error: after 'q' is a full-width colon (U+FF1A FULLWIDTH COLON), not the ':' YAML "
     "needs after a key: retype it as ':' (if it is text, put the text in quotes)"),
])
def test_a_full_width_colon_after_a_key_is_named(workspace, cli, text, line):
    ws = workspace({"answers.yaml": ANSWER, "companies/acme.yaml": text})
    result = check(cli, ws)
    assert_clean_failure(result)
    assert problem_lines(result.stderr) == [f"{ws}/{line}"]


@pytest.mark.parametrize("extra", [
    "  notes:  # TODO: add the numbers\n",
    "    - Hire two leads  # ask Dana first\n",
])
def test_a_comment_written_as_a_comment_is_no_loss(workspace, cli, extra):
    ws = workspace({"answers.yaml": ANSWER + extra})
    result = check(cli, ws)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_a_comment_after_a_category_is_no_loss(workspace, cli):
    ws = workspace({"questions/mine.yaml": "bank: Mine\nquestions:\n  - id: my-q\n    ask: Why?\n    category: motivation # core\n",
                    "answers.yaml": "my-q:\n  points: [Because.]\n"})
    result = check(cli, ws)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


@pytest.mark.parametrize("ending", ["\r\n", "\r"], ids=["windows", "old-mac"])
def test_line_ends_of_every_system_read_the_same(workspace, cli, ending):
    ws = workspace({"answers.yaml": "career-goals:\n  points:\n    - Cut costs #1 priority\n".replace("\n", ending).encode()})
    result = check(cli, ws)
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"{ws}/answers.yaml:3:17: warning: points item: the words '#1 priority' are left out: YAML reads ' #' and "
        "what follows as a comment; to keep them, put the whole text in quotes: \"Cut costs #1 priority\" "
        "(a note to yourself goes on a line of its own)\n")


def test_an_exclamation_mark_alone_at_the_start_is_not_dropped(workspace, cli):
    ws = workspace({"answers.yaml": "career-goals:\n  points:\n    - ! Big win for the team\n"})
    result = check(cli, ws)
    assert_clean_failure(result)
    assert problem_lines(result.stderr) == [
        f"{ws}/answers.yaml:3:7: error: text that starts with '!' must be in quotes: YAML reads '!' as a type (a tag) "
        "and drops it; write \"! Big win for the team\""]
