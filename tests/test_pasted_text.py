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


@pytest.mark.parametrize(("answers", "line"), [
    ("career-goals:\n  points:\n    - {company} is growing fast\n",
     "answers.yaml:3:7: error: text that starts with '{' or '[' must be in quotes, like \"{company} is growing\""),
    ("career-goals:\n  points:\n    - [Draft] report shipped\n",
     "answers.yaml:3:7: error: text that starts with '{' or '[' must be in quotes, like \"{company} is growing\""),
    ("career-goals:\n  points: [Lead a team]\n  notes: {company} is great\n",
     "answers.yaml:3:10: error: text that starts with '{' or '[' must be in quotes, like \"{company} is growing\""),
    ("career-goals:\n  points:\n    - 'I'm a leader'\n",
     "answers.yaml:3:9: error: the text ends at its second ' (an apostrophe?), and YAML finds more after it: inside "
     "single quotes write an apostrophe twice ('I''m a leader'), or use double quotes"),
    ("career-goals:\n  points: [Lead a team]\n  notes: - item one\n",
     "answers.yaml:3:10: error: a list cannot start on the same line as its key: put '- item one' on a line of its "
     "own under 'notes:', indented"),
    ("career-goals:\n  points: [Cut costs #1 priority, grow]\n",
     "answers.yaml:2:11: error: a '[' or '{' here is never closed: close it, or, if it is text, put the whole text in "
     "quotes (the ' #' on line 2 starts a comment, which hides the rest of that line from YAML: put that text in quotes)"),
])
def test_more_yaml_slips_in_plain_words(workspace, cli, answers, line):
    ws = workspace({"answers.yaml": answers})
    result = check(cli, ws)
    assert_clean_failure(result)
    assert problem_lines(result.stderr) == [f"{ws}/{line}"]


@pytest.mark.parametrize(("company", "line"), [
    ("name: Acme\nfacts:\n  - q: Revenue: how much?\n    a: 5M\n",
     "companies/acme.yaml:3:15: error: a ': ' inside text makes YAML read 'Revenue:' as a key: put the whole text in "
     "quotes, like - q: \"Revenue: how much?\""),
    ("name: Acme\npeople:\n  - name: Jo Doe\n    role: CEO\n      notes: likes cycling\n",
     "companies/acme.yaml:5:7: error: this line is indented further than 'role:' above, so YAML reads it as more of "
     "that text: line 'notes:' up with 'role:'"),
])
def test_a_colon_slip_in_a_company_file_gets_the_right_fix(workspace, cli, company, line):
    ws = workspace({"answers.yaml": ANSWER, "companies/acme.yaml": company})
    result = check(cli, ws)
    assert_clean_failure(result)
    assert problem_lines(result.stderr) == [f"{ws}/{line}"]


def test_a_point_ending_in_a_colon_is_explained(workspace, cli):
    ws = workspace({"answers.yaml": "career-goals:\n  points:\n    - Next steps:\n"})
    result = check(cli, ws)
    assert problem_lines(result.stderr) == [
        f"{ws}/answers.yaml:3:7: error: points item: YAML read this as a key with nothing after it, because of the ':' "
        "at the end; put the whole text in quotes: \"Next steps:\""]


def test_a_bank_in_companies_and_a_company_in_questions_say_where_they_go(workspace, cli):
    ws = workspace({"answers.yaml": ANSWER,
                    "companies/mine.yaml": "bank: Mine\nquestions:\n  - id: my-q\n    ask: Why?\n",
                    "questions/acme.yaml": "name: Acme\nfacts:\n  - q: Founded?\n    a: '1999'\n"})
    result = check(cli, ws)
    assert problem_lines(result.stderr) == [
        f"{ws}/companies/mine.yaml:1:1: error: this looks like a question bank (it has 'bank' and 'questions'), but "
        "companies/ holds company files: move it to questions/",
        f"{ws}/questions/acme.yaml:1:1: error: this looks like a company file (it has 'name' and company keys), but "
        "questions/ holds question banks: move it to companies/"]
