"""The docs match the tool: README's command reference is the CLI's own --help."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_readme_command_reference_matches_help():
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "update_help.py"), "--check"], cwd=REPO)
    assert proc.returncode == 0, "README.md's command reference is stale: run python scripts/update_help.py"


def test_format_reference_names_every_key():
    from deck_builder.model import Answer, Company, Fact, Person, Product, Settings, Story

    text = (REPO / "docs" / "format.md").read_text(encoding="utf-8")
    keys = set()
    for cls in (Settings, Answer, Story, Fact, Product, Person, Company):
        keys |= set(cls.__dataclass_fields__)
    keys -= {"loc", "question_id"}
    keys |= {"bank", "questions", "ask", "category", "why", "id"}
    missing = sorted(k for k in keys if f"`{k}`" not in text)
    assert not missing, f"docs/format.md does not document: {missing}"
