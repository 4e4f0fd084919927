"""Issue 18 point 8: small things a new user meets first."""

from __future__ import annotations

import re
from pathlib import Path

from deck_builder.cards.derive import GENERIC

SKELETON = Path(__file__).resolve().parent.parent / "deck_builder" / "skeleton"


def test_the_starter_workspace_reads_right_with_the_generic_fillings():
    """A card without a company fills {role} with 'this role' and {company} with 'our company':
    no text of the starter workspace may put an article before them ('the this role job')."""
    bad = []
    for path in SKELETON.rglob("*.yaml"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            for m in re.finditer(r"\b(the|a|an|our|this)\s+\{(company|role)\}", line, re.IGNORECASE):
                bad.append(f"{path.relative_to(SKELETON)}:{n}: '{m.group()}' reads '{m.group(1)} {GENERIC[m.group(2)]}'")
    assert not bad, "\n".join(bad)


def test_coverage_stays_readable_with_long_company_ids_and_a_big_bank(workspace, cli):
    questions = "".join(f"  - id: q{i}\n    ask: Question {i}?\n" for i in range(3000))
    ws = workspace({
        "deck.yaml": "banks: []\n",
        "questions/big.yaml": "bank: Big\nquestions:\n" + questions,
        "answers.yaml": "q0:\n  points:\n    - Lead a small team within 3 years.\n",
        "companies/northwind-traders-international.yaml": "name: Northwind\n",
        "companies/acme.yaml": "name: Acme\n",
    })
    result = cli("check", ws)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:6] == [
        "Coverage",
        "  questions  1 of 3000 have talking points",
        "             no talking points yet (no card until you add some): "
        + ", ".join(f"q{i}" for i in range(1, 13)) + " and 2987 more",
        "  stories    0",
        "  acme       0 facts, 0 products, 0 people, 0 tailored answers, 0 questions to ask",
        "  northwind-traders-international",
    ]
    assert lines[6] == "             0 facts, 0 products, 0 people, 0 tailored answers, 0 questions to ask"
    assert max(len(line) for line in lines) < 200


def test_ctrl_c_in_mock_stops_with_the_report_not_aborted(example, monkeypatch):
    from click.testing import CliRunner

    from deck_builder.cli import main
    from deck_builder.rehearse import mock

    calls = []

    def rating(stdin, echo):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return 3

    monkeypatch.setattr(mock, "ask_rating", rating)
    result = CliRunner().invoke(main, ["mock", str(example), "--count", "3", "--seed", "5"], input="\n\n\n\n\n\n")
    assert result.exit_code == 130, result.output
    assert "Aborted!" not in result.output
    assert "Report" in result.stdout
    assert result.stderr.splitlines()[-1] == ("Stopped (Ctrl-C): the 1 answer you rated is saved in "
                                              ".deck-builder/mock-history.jsonl.")
