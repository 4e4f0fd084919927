"""The docs match the tool: docs/commands.md's command reference is the CLI's own --help."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_command_reference_matches_help():
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "update_help.py"), "--check"], cwd=REPO)
    assert proc.returncode == 0, "docs/commands.md's command reference is stale: run python scripts/update_help.py"


def test_format_reference_names_every_key():
    from deck_builder.sources.model import (
        Answer,
        Company,
        Fact,
        Person,
        Product,
        Settings,
        Story,
    )

    text = (REPO / "docs" / "format.md").read_text(encoding="utf-8")
    keys = set()
    for cls in (Settings, Answer, Story, Fact, Product, Person, Company):
        keys |= set(cls.__dataclass_fields__)
    keys -= {"loc", "question_id"}
    keys |= {"bank", "questions", "ask", "category", "why", "id"}
    missing = sorted(k for k in keys if f"`{k}`" not in text)
    assert not missing, f"docs/format.md does not document: {missing}"


def test_promises_name_only_tests_and_mutants_that_exist():
    """tests/PROMISES.md maps each promise to its tests and to scripts/mutants.py's mutants."""
    import re

    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from mutants import MUTANTS
    finally:
        sys.path.pop(0)
    text = (REPO / "tests" / "PROMISES.md").read_text(encoding="utf-8")
    named = re.findall(r"`(test_\w+\.py)::(test_\w+)`", text)
    assert len(named) >= 50
    missing = [f"{f}::{t}" for f, t in named
               if not re.search(rf"^def {t}\(", (REPO / "tests" / f).read_text(encoding="utf-8"), re.M)]
    assert not missing, f"tests/PROMISES.md names tests that do not exist: {missing}"
    mutants = {m.name for m in MUTANTS}
    rows = [line for line in text.splitlines() if line.startswith("| ") and line.count(" | ") == 2]
    listed = {name for row in rows for name in re.findall(r"`([a-z0-9-]+)`", row.rsplit(" | ", 1)[1])}
    assert listed == mutants, (sorted(listed - mutants), sorted(mutants - listed))

