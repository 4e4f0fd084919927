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
            for m in re.finditer(r"\b(the|a|an|our|this)\s+\{(company|role)\}", line, re.I):
                bad.append(f"{path.relative_to(SKELETON)}:{n}: '{m.group()}' reads '{m.group(1)} {GENERIC[m.group(2)]}'")
    assert not bad, "\n".join(bad)
