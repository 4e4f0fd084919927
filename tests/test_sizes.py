"""Huge pastes (issue 18 point 6): any text over the size limit is a warning, and `check` stays
linear in the input: a 5 MB paste checks in under 2 s of CPU time (benchmarks/check_size.py
prints the curve up to 5 MB)."""

from __future__ import annotations

import time

from test_errors import ANSWER

from deck_builder.sources.textrules import MAX_TEXT_CHARS

SENTENCE = "Led the platform team through a merger and grew revenue by a third while hiring five engineers. "


def _paste(size: int) -> str:
    return (SENTENCE * (size // len(SENTENCE) + 1))[:size].strip()


def _workspace(tmp_path, files: dict[str, str]):
    """Written by hand, not with the workspace fixture: its closing check against the editor
    schemas (jsonschema's patterns) takes minutes over 5 MB."""
    ws = tmp_path / "ws"
    for rel, text in files.items():
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text(text, encoding="utf-8")
    return ws


def _check_cpu(cli, ws) -> tuple[float, object]:
    t0 = time.process_time()
    result = cli("check", ws)
    return time.process_time() - t0, result


def test_a_5mb_paste_into_a_point_checks_in_under_2_s(tmp_path, cli):
    text = _paste(5_000_000)
    ws = _workspace(tmp_path, {"answers.yaml": f'career-goals:\n  points:\n    - "{text}"\n'})
    cpu, result = _check_cpu(cli, ws)
    assert result.exit_code == 0, result.output[:500]
    assert result.stderr.splitlines() == [
        f"{ws}/answers.yaml:3:7: warning: points item: this text is {len(text):,} characters long (about 1,667 "
        "pages), and a card shows all of it, on a phone too: keep what you need to recall, under 3,000 "
        "characters, and the rest outside the deck"
    ]
    assert cpu < 2.0, f"check took {cpu:.1f} s of CPU time for a 5 MB paste"


def test_a_5mb_paste_into_notes_checks_in_under_2_s(tmp_path, cli):
    text = _paste(5_000_000)
    lines = "\n".join("      " + text[i:i + 100].strip() for i in range(0, len(text), 100))
    ws = _workspace(tmp_path, {"answers.yaml": ANSWER, "companies/acme.yaml":
                               f"name: Acme\npeople:\n  - name: Dana\n    role: CTO\n    notes: |\n{lines}\n"})
    cpu, result = _check_cpu(cli, ws)
    assert result.exit_code == 0, result.output[:500]
    [warning] = result.stderr.splitlines()
    assert warning.startswith(f"{ws}/companies/acme.yaml:5:12: warning: notes: this text is ")
    assert cpu < 2.0, f"check took {cpu:.1f} s of CPU time for a 5 MB paste"


def test_a_text_just_under_the_limit_is_no_warning(workspace, cli):
    text = _paste(MAX_TEXT_CHARS)
    ws = workspace({"answers.yaml": ANSWER,
                    "companies/acme.yaml": f"name: Acme\npeople:\n  - name: Dana\n    role: CTO\n    notes: {text}\n"})
    result = cli("check", ws)
    assert result.exit_code == 0
    assert result.stderr == ""


def test_a_huge_file_with_many_slips_is_read_again_within_a_budget(tmp_path, cli):
    lines = ["career-goals:", "  points:"]
    for i in range(100_000):
        lines.append(f"    - Led the platform team through a merger and grew revenue {i}")
        if i % 2000 == 0:
            lines.append(f"\t- tab item {i}")
    ws = _workspace(tmp_path, {"answers.yaml": "\n".join(lines) + "\n"})
    cpu, result = _check_cpu(cli, ws)
    assert result.exit_code == 1
    problems = result.stderr.splitlines()
    assert problems[0].startswith(f"{ws}/answers.yaml: error: more lines of this file could not be read than the ")
    assert len(problems) > 5 and all("indented with a tab" in p for p in problems[1:-1])
    assert cpu < 4.0, f"check took {cpu:.1f} s of CPU time"
