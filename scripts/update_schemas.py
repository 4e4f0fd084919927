"""Regenerate the editor schemas that ship in the package from deck_builder/sources/keys.py.

    python scripts/update_schemas.py          # rewrite deck_builder/skeleton/.deck-builder/schemas/
    python scripts/update_schemas.py --check  # exit 1 if they are out of date (the tests do this)

Run it after changing a key in keys.py or a question in a built-in bank. `deck-builder init`
copies these files into new workspaces; `deck-builder schemas` and `build` bring existing ones
up to date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from deck_builder.sources.schema import schema_texts

FOLDER = Path(__file__).resolve().parent.parent / "deck_builder" / "skeleton" / ".deck-builder" / "schemas"


def stale() -> list[str]:
    """The schema files that differ from what keys.py makes (or are missing, or left over)."""
    want = {name: text.encode("utf-8") for name, text in schema_texts().items()}
    have = {p.name: p.read_bytes() for p in FOLDER.glob("*.json")} if FOLDER.is_dir() else {}
    return sorted(name for name in want.keys() | have.keys() if want.get(name) != have.get(name))


if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(1 if stale() else 0)
    FOLDER.mkdir(parents=True, exist_ok=True)
    for p in FOLDER.glob("*.json"):
        p.unlink()
    for name, text in schema_texts().items():
        (FOLDER / name).write_bytes(text.encode("utf-8"))
    print(f"wrote {len(schema_texts())} schemas to {FOLDER}")
