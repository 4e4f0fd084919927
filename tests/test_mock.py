"""deck-builder mock, driven with scripted input as a user without a terminal would."""

from __future__ import annotations

import json
import re

import pytest

BANK = "bank: Practice\nquestions:\n" + "".join(
    f"  - id: q{i}\n    ask: 'Question {i} for {{company}}?'\n" for i in range(1, 7)
)
ANSWERS = "".join(f"q{i}:\n  points: [Point A{i}, Point B{i}]\n" for i in range(1, 7))


@pytest.fixture
def ws(workspace):
    return workspace({
        "deck.yaml": "banks: []\n",
        "questions/practice.yaml": BANK,
        "answers.yaml": ANSWERS + "  stories: [s1]\n",
        "stories.yaml": "s1:\n  title: The big save\n  result: Saved 12 hours a week\n",
        "companies/acme.yaml": "name: Acme & Co\nrole: Head of Ops\ntailoring:\n  q2: [Acme point]\n",
    })


def asked(output: str) -> list[str]:
    return re.findall(r"^Question \d+ of \d+  \[(q\d)\]$", output, re.M)


def history(ws) -> list[dict]:
    path = ws / ".deck-builder" / "mock-history.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def run(cli_runner, ws, ratings, *args):
    from click.testing import CliRunner

    from deck_builder.cli import main

    script = "".join(f"\n{r}\n" for r in ratings)  # Enter after answering aloud, then the rating
    return CliRunner().invoke(main, ["mock", str(ws), *args], input=script, catch_exceptions=False)


def test_seeded_mock_asks_the_same_questions_and_writes_history(ws, cli):
    first = run(cli, ws, [3, 1, 4], "--count", "3", "--seed", "42")
    assert first.exit_code == 0, first.output
    questions = asked(first.output)
    assert len(questions) == 3 and len(set(questions)) == 3
    assert f'  Interviewer: "Question {questions[0][1:]} for our company?"' in first.output
    assert [(h["question"], h["rating"], h["company"]) for h in history(ws)] == [
        (questions[0], 3, None), (questions[1], 1, None), (questions[2], 4, None)]
    report = first.output.split("\nReport\n", 1)[1]
    assert f"  {questions[0]:<28} 3  good" in report
    assert f"  {questions[1]:<28} 1  missed it" in report
    assert f"Work on: {questions[1]} (1)" in report

    (ws / ".deck-builder" / "mock-history.jsonl").unlink()
    again = run(cli, ws, [3, 1, 4], "--count", "3", "--seed", "42")
    assert asked(again.output) == questions  # --seed makes the choice reproducible


def test_weak_questions_come_back_first(ws, cli):
    first = run(cli, ws, [1, 4, 2, 4], "--count", "4", "--seed", "1")
    q = asked(first.output)
    second = run(cli, ws, [3, 3, 3], "--count", "3", "--seed", "99")
    # rated 1, then rated 2, then one never practised (q5/q6 in some order); never the 4s
    assert asked(second.output)[:2] == [q[0], q[2]]
    assert asked(second.output)[2] not in q
    assert len(history(ws)) == 7  # append-only: earlier lines kept


def test_company_mock_uses_its_name_and_tailored_points(ws, cli):
    result = run(cli, ws, [4] * 6, "--company", "acme", "--count", "6", "--seed", "3")
    assert result.exit_code == 0
    assert "Mock interview: 6 questions for Acme & Co" in result.output
    assert '  Interviewer, Acme & Co: "Question 2 for Acme & Co?"' in result.output
    block = result.output.split("[q2]", 1)[1].split("Rate yourself", 1)[0]
    assert block.index("For Acme & Co:") < block.index("Acme point") < block.index("Point A2")
    q6 = result.output.split("[q6]", 1)[1].split("Rate yourself", 1)[0]
    assert "Story: The big save: Saved 12 hours a week" in q6
    assert {h["company"] for h in history(ws)} == {"acme"}


def test_bad_rating_is_asked_again_and_end_of_input_stops_cleanly(ws, cli):
    from click.testing import CliRunner

    from deck_builder.cli import main

    result = CliRunner().invoke(main, ["mock", str(ws), "--count", "3", "--seed", "5"], input="\n7\n2\n\n")
    assert result.exit_code == 0
    assert "Please type 1, 2, 3 or 4." in result.output
    assert "Input ended; stopping here." in result.output
    assert [h["rating"] for h in history(ws)] == [2]
    assert "Traceback" not in result.output


def test_unknown_company_is_a_clear_error(ws, cli):
    result = cli("mock", ws, "--company", "acm")
    assert result.exit_code == 1
    assert "error: no company 'acm' (did you mean 'acme'?); the companies are: acme" in result.stderr


def test_check_reports_mock_history(ws, cli):
    run(cli, ws, [1, 4], "--count", "2", "--seed", "8")
    result = cli("check", ws)
    assert re.search(r"  mock       2 questions practised; weakest last time: q\d \(1\)", result.stdout)


def test_mock_runs_without_a_terminal_in_a_real_process(ws):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "deck_builder", "mock", str(ws), "--count", "2", "--seed", "4"],
                          input="\n3\n\n2\n", capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "left" not in proc.stdout  # no countdown animation without a terminal
    assert len(asked(proc.stdout)) == 2 and "Report" in proc.stdout


def test_in_a_terminal_a_countdown_runs_until_enter(ws):
    """A real pseudo-terminal: the countdown animates in place, Enter stops it."""
    import os
    import pty
    import select
    import subprocess
    import sys
    import time

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "deck_builder", "mock", str(ws), "--count", "1", "--seconds", "5",
                             "--seed", "1"], stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    seen = b""

    def read_until(token: bytes, limit: float = 20) -> None:
        nonlocal seen
        deadline = time.monotonic() + limit
        while token not in seen:
            assert time.monotonic() < deadline, f"{token!r} not seen; got {seen[-300:]!r}"
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    break

    try:
        read_until(b"left")  # the countdown, e.g. "\r  0:04 left"
        assert re.search(rb"\r  0:0[0-5] left", seen)
        os.write(master, b"\n")
        read_until(b"Rate yourself")
        os.write(master, b"4\n")
        read_until(b"Report")
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert [h["rating"] for h in history(ws)] == [4]


def test_odd_history_lines_are_skipped_and_no_answers_say_so(ws, cli):
    history_file = ws / ".deck-builder" / "mock-history.jsonl"
    history_file.parent.mkdir()
    history_file.write_text('{"question": "q1", "rating": 7}\nnot json\n{"question": "q2", "rating": 1}\n')
    from click.testing import CliRunner

    from deck_builder.cli import main

    result = CliRunner().invoke(main, ["mock", str(ws), "--count", "1"], input="")
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert "[q2]" in result.output  # the rating-1 line counts; the bad ones are skipped
    assert result.output.rstrip().endswith("No answers recorded.")


def test_terminal_shows_the_users_text_without_markdown_syntax(workspace):
    from click.testing import CliRunner

    from deck_builder.cli import main

    ws = workspace({
        "deck.yaml": "banks: []\n",
        "questions/practice.yaml": "bank: Practice\nquestions:\n  - id: q1\n    ask: 'Tell me *how* you did it at {company}'\n"
                                   "    why: 'They want **numbers**'\n",
        "answers.yaml": "q1:\n  points: ['Say *how*, not **what**', 'See [the report](https://x.test/r)', "
                        "'`SLA` \\*stars\\* and <b>tags</b>']\n  stories: [s1]\n",
        "stories.yaml": "s1:\n  title: The _big_ save\n  result: |\n    Saved **12 hours** a week:\n\n    - fewer errors\n    - faster\n",
    })
    result = CliRunner().invoke(main, ["mock", str(ws), "--count", "1"], input="\n3\n", catch_exceptions=False)
    out = result.output
    assert '  Interviewer: "Tell me how you did it at our company"' in out
    assert "  1. Say how, not what\n" in out
    assert "  2. See the report (https://x.test/r)\n" in out
    assert "  3. SLA *stars* and <b>tags</b>\n" in out  # escaped stars are the user's; raw HTML is shown as typed
    assert "  Story: The big save: Saved 12 hours a week: fewer errors; faster\n" in out
    assert "  What they look for: They want numbers\n" in out


def test_tailored_and_general_points_are_numbered_as_one_answer(ws):
    from click.testing import CliRunner

    from deck_builder.cli import main

    result = CliRunner().invoke(main, ["mock", str(ws), "--company", "acme", "--count", "6", "--seed", "3"],
                                input="\n4\n" * 6, catch_exceptions=False)
    block = result.output.split("[q2]", 1)[1].split("Rate yourself", 1)[0]
    assert "  For Acme & Co:\n    1. Acme point\n  Your points:\n    2. Point A2\n    3. Point B2\n" in block
    plain = result.output.split("[q1]", 1)[1].split("Rate yourself", 1)[0]
    assert "Your key points:\n  1. Point A1\n  2. Point B1\n" in plain  # no tailored points: one plain list



def test_the_order_of_questions_is_described_as_the_rule_is(cli):
    """mock --help, studio --help and docs/studio.md say the rule in WEAKEST_FIRST, word for word."""
    from conftest import REPO

    from deck_builder.rehearse.mock import order_in_words

    words = order_in_words()
    assert words == ("those you last rated 1 (missed it), then 2 (shaky), then those never practised, "
                     "then 3 (good), then 4 (nailed it)")
    flat = lambda s: " ".join(s.split())  # noqa: E731
    for command in ("mock", "studio"):
        assert words in flat(cli(command, "--help").output), command
    page = flat((REPO / "docs" / "studio.md").read_text(encoding="utf-8"))
    assert page.count(words) >= 2  # its mock and studio sections
