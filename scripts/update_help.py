"""Regenerate the command reference in docs/commands.md from the CLI's own --help.

    python scripts/update_help.py          # rewrite docs/commands.md
    python scripts/update_help.py --check  # exit 1 if docs/commands.md is out of date (the tests do this)
"""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from deck_builder.cli import main

COMMANDS = Path(__file__).resolve().parent.parent / "docs" / "commands.md"
START, END = "<!-- help:start -->", "<!-- help:end -->"


def help_reference() -> str:
    blocks = []
    for name in ["", *sorted(main.commands)]:
        args = [name, "--help"] if name else ["--help"]
        text = CliRunner().invoke(main, args, prog_name="deck-builder", terminal_width=100).output.rstrip()
        title = f"deck-builder {name} --help" if name else "deck-builder --help"
        blocks.append(f"### `{title}`\n\n```text\n{text}\n```\n")
    return "\n".join(blocks)


def updated(page: str) -> str:
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{help_reference()}{END}{tail}"


if __name__ == "__main__":
    text = COMMANDS.read_text(encoding="utf-8")
    new = updated(text)
    if "--check" in sys.argv:
        sys.exit(0 if new == text else 1)
    COMMANDS.write_text(new, encoding="utf-8")
