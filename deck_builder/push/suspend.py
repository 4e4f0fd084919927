"""Removed items leave the review queue: the cards of notes push flags as removed are
suspended, and unsuspended when the item comes back to the files.

Only cards deck-builder suspended are ever unsuspended: it remembers them, by note GUID, in
WORKSPACE/.deck-builder/suspended.json, so a card the user suspended in Anki stays suspended.
A removed item's cards are suspended once: one the user unsuspends again stays in the queue.
Anki keeps card ids across an import and a sync, so the same list holds for the phone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Protocol

from ..atomic import replacing
from ..sources.workspace import STATE_DIR
from .outcome import Delivery, NoteState

SUSPENDED_FILE = "suspended.json"


class Cards(Protocol):
    def card_states(self, nids: list[int]) -> dict[int, list[tuple[int, bool]]]:
        """Note id -> its cards as (card id, suspended)."""

    def suspend_cards(self, cids: list[int]) -> None: ...

    def unsuspend_cards(self, cids: list[int]) -> None: ...


def _path(root: Path) -> Path:
    return root / STATE_DIR / SUSPENDED_FILE


def load_suspended(root: Path) -> dict[str, list[int]]:
    try:
        data = json.loads(_path(root).read_text(encoding="utf-8"))
        return {str(g): [int(c) for c in cids] for g, cids in data.items()}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def save_suspended(root: Path, suspended: dict[str, list[int]]) -> None:
    path = _path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as tmp:
        tmp.write_text(json.dumps(suspended, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def settle_suspended(delivery: Delivery, root: Path, plan, after: dict[str, NoteState], cards: Cards,
                     labels: Callable[[str], str]) -> None:
    """Suspend the cards of DELIVERY's flagged notes; unsuspend those deck-builder suspended
    whose item is back (a note of the plan that is no tombstone)."""
    ours = load_suspended(root)
    original = {g: list(c) for g, c in ours.items()}
    flagged = {f.guid: f.nid for f in delivery.flagged}
    back = {p.guid: after[p.guid].nid for p in plan.notes
            if not p.tombstone and p.guid in ours and p.guid in after}
    states = cards.card_states(sorted(set(flagged.values()) | set(back.values())))
    to_suspend: list[int] = []
    for guid, nid in flagged.items():
        if guid in ours:
            continue  # suspended once already: a card unsuspended since is the user's choice
        mine = [cid for cid, suspended in states.get(nid, []) if not suspended]  # a suspended one is the user's
        to_suspend += mine
        ours[guid] = sorted(mine)
    to_unsuspend: list[int] = []
    for guid, nid in back.items():
        mine = set(ours.pop(guid))
        again = [cid for cid, suspended in states.get(nid, []) if suspended and cid in mine]
        if again:
            to_unsuspend += again
            delivery.unsuspended.append(labels(guid))
    if to_suspend:
        cards.suspend_cards(to_suspend)
    if to_unsuspend:
        cards.unsuspend_cards(to_unsuspend)
    held = set(to_suspend) | {cid for nid in flagged.values() for cid, suspended in states.get(nid, []) if suspended}
    delivery.suspended = sum(cid in held for guid in flagged for cid in ours.get(guid, []))
    if ours != original:
        try:
            save_suspended(root, ours)
        except OSError:
            pass  # next push suspends again; only unsuspending needs the list, and it stays as it was


def forget_suspended(root: Path, guids: set[str]) -> None:
    """Notes deleted from Anki (push --prune): nothing of theirs to unsuspend any more."""
    ours = load_suspended(root)
    if guids & set(ours):
        try:
            save_suspended(root, {g: c for g, c in ours.items() if g not in guids})
        except OSError:
            pass
