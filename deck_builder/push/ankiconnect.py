"""Into a running Anki through AnkiConnect (add-on 2055492159): import, read back, prune, sync.

AnkiConnect answers JSON on 127.0.0.1:8765: {"action", "version": 6, "params", "key"?} ->
{"result", "error"}. Its `importPackage` runs Anki's importer (through Anki's compatibility
layer since 26.09: update if newer, note types merged) and returns no import log, and none of
its actions shows a note's GUID. So the collection is read before and after through
`exportPackage` (a package of a deck, GUIDs, times and note ids kept), plus `notesInfo` for the
card-less notes of removed items, which no deck export holds.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

from ..apkg.plan import REMOVED_TAG, Plan
from ..cards.notetypes import NoteType
from .outcome import CardDue, DeliveryError, NoteState

DEFAULT_URL = "http://127.0.0.1:8765"
API_VERSION = 6  # the request format we speak; AnkiConnect answers `version` with its own
INSTALL = ("install it in Anki (Tools > Add-ons > Get Add-ons..., code 2055492159) and restart Anki")


class Unreachable(Exception):
    """Nothing listens at the address: Anki is closed, or AnkiConnect is not installed."""


class AnkiConnect:
    """A client for one AnkiConnect address."""

    def __init__(self, url: str = DEFAULT_URL, key: str | None = None, timeout: float = 30):
        parts = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DeliveryError(f"--anki-connect: '{url}' is not an address like {DEFAULT_URL}")
        self.url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))
        self.shown = url
        self.key = key
        self.timeout = timeout

    def call(self, action: str, timeout: float | None = None, **params):
        """One action -> its result; raises Unreachable or DeliveryError (in the user's words)."""
        body = {"action": action, "version": API_VERSION, "params": params}
        if self.key:
            body["key"] = self.key
        request = urllib.request.Request(self.url, json.dumps(body).encode("utf-8"),
                                         {"Content-Type": "application/json"})
        wait = self.timeout if timeout is None else timeout
        try:
            with urllib.request.urlopen(request, timeout=wait) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"AnkiConnect at {self.shown} refused the request (HTTP {exc.code}); "
                                "check its settings in Anki (Tools > Add-ons > AnkiConnect > Config)") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise DeliveryError(self._busy(wait)) from None
            if isinstance(reason, ConnectionRefusedError):
                raise Unreachable(self.shown) from None
            if isinstance(reason, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
                raise DeliveryError(f"Anki closed the connection to AnkiConnect ({self.shown}) during "
                                    f"'{action}'; check that Anki is still open, then push again") from None
            raise DeliveryError(f"cannot reach AnkiConnect at {self.shown}: {reason}") from None
        try:
            reply = json.loads(raw)
            if not isinstance(reply, dict) or "error" not in reply or "result" not in reply:
                raise ValueError
        except ValueError:
            raise DeliveryError(f"something other than AnkiConnect answers at {self.shown}; "
                                "give AnkiConnect's address with --anki-connect") from None
        if reply["error"] is not None:
            raise DeliveryError(self._explain(action, str(reply["error"])))
        return reply["result"]

    def _busy(self, wait: float) -> str:
        return (f"Anki did not answer within {wait:g} s: it is busy, probably with a dialog waiting for you, "
                "a sync, Check Database or an import. Finish or close it in Anki, then push again "
                "(or allow more time with --timeout)")

    def _explain(self, action: str, error: str) -> str:
        if "api key" in error.lower():
            if self.key:
                return ("AnkiConnect refused the API key: give the key set in Anki (Tools > Add-ons > "
                        "AnkiConnect > Config, \"apiKey\") with --api-key or $DECK_BUILDER_ANKI_KEY")
            return ("AnkiConnect asks for an API key: give the one set in Anki (Tools > Add-ons > "
                    "AnkiConnect > Config, \"apiKey\") with --api-key or $DECK_BUILDER_ANKI_KEY")
        if "unsupported action" in error.lower():
            return self._old(f"it does not know '{action}'")
        if "collection is not available" in error.lower():
            return "Anki is open but no profile is loaded: open your profile in Anki, then push again"
        return f"AnkiConnect reported an error for '{action}': {error}"

    def _old(self, why: str) -> str:
        return (f"the AnkiConnect in Anki is too old ({why}): update it in Anki (Tools > Add-ons, select "
                "AnkiConnect, Check for Updates) and restart Anki")

    def check_version(self) -> int:
        """AnkiConnect's API version; raises Unreachable when nothing listens."""
        version = self.call("version", timeout=min(self.timeout, 10))
        if not isinstance(version, int) or version < API_VERSION:
            raise DeliveryError(self._old(f"API version {version}, deck-builder needs {API_VERSION}"))
        return version

    # -- reading the collection -----------------------------------------------------------

    def snapshot(self, plan: Plan, types: dict[str, NoteType], scratch: Path) -> dict[str, NoteState]:
        """GUID -> NoteState for every note of the plan that Anki holds."""
        guids = {p.guid for p in plan.notes}
        roots = {p.deck.split("::")[0] for p in plan.notes}
        cards = self.call("findCards", query="tag:deck-builder")
        if cards:  # cards the user moved elsewhere: export those decks too
            roots |= {name.split("::")[0] for name in self.call("getDecks", cards=cards)}
        existing = set(self.call("deckNames"))
        found: dict[str, NoteState] = {}
        for root in sorted(roots & existing):
            found.update((g, s) for g, s in self._export(root, scratch).items() if g in guids)
        self._cardless(plan, types, found)
        return found

    def _export(self, deck: str, scratch: Path) -> dict[str, NoteState]:
        scratch.mkdir(parents=True, exist_ok=True)
        path = scratch / f".deck-builder-read-{os.getpid()}.apkg"
        try:
            if not self.call("exportPackage", deck=deck, path=str(path.resolve()), includeSched=False):
                return {}
            return read_package(path)
        finally:
            path.unlink(missing_ok=True)

    def _cardless(self, plan: Plan, types: dict[str, NoteType], found: dict[str, NoteState]) -> None:
        """Removed items whose note the user had deleted come back without cards, so no deck
        export holds them: match the flagged card-less notes to our removed items by note type
        and exact text (what we sent for that GUID)."""
        wanted = {}
        for p in plan.notes:
            if p.tombstone and p.guid not in found:
                wanted[(types[p.note_type].name, p.fields)] = p
        if not wanted:
            return
        known = {s.nid for s in found.values()}
        nids = [n for n in self.call("findNotes", query=f"tag:{REMOVED_TAG}") if n not in known]
        for info in self.call("notesInfo", notes=nids) if nids else []:
            if not info or info.get("cards"):
                continue
            fields = tuple(v["value"] for v in sorted(info["fields"].values(), key=lambda v: v["order"]))
            p = wanted.pop((info["modelName"], fields), None)
            if p is not None:
                found[p.guid] = NoteState(info["noteId"], types[p.note_type].id, p.mod, fields,
                                          tuple(info["tags"]), 0)

    # -- changing it ----------------------------------------------------------------------

    def import_package(self, apkg: Path) -> None:
        # The path is opened by Anki, so it must be absolute (a relative one is taken from
        # Anki's media folder).
        if not self.call("importPackage", path=str(apkg.resolve()), timeout=max(self.timeout, 120)):
            raise DeliveryError("Anki did not import the package (AnkiConnect found no collection open)")

    def delete_notes(self, nids: list[int]) -> None:
        self.call("deleteNotes", notes=nids)
        left = [i for i in self.call("notesInfo", notes=nids) if i]
        if left:
            raise DeliveryError(f"Anki did not delete {len(left)} of the {len(nids)} notes; "
                                "close Anki's Browse and editing windows, then push --prune again",
                                changed_nothing=False)

    def card_states(self, nids: list[int]) -> dict[int, list[tuple[int, bool]]]:
        if not nids:
            return {}
        cids = self.call("findCards", query="nid:" + ",".join(str(n) for n in nids))
        states: dict[int, list[tuple[int, bool]]] = {}
        for info in self.call("cardsInfo", cards=cids) if cids else []:
            states.setdefault(int(info["note"]), []).append((int(info["cardId"]), info["queue"] == -1))
        return states

    def suspend_cards(self, cids: list[int]) -> None:
        self.call("suspend", cards=cids)

    def multi(self, actions: list[tuple[str, dict]]) -> list:
        """Several actions in one request -> their results; raises on the first error."""
        inner = [{"action": a, "version": API_VERSION, "params": p, **({"key": self.key} if self.key else {})}
                 for a, p in actions]
        out = []
        for (action, _), reply in zip(actions, self.call("multi", actions=inner)):
            if isinstance(reply, dict) and reply.get("error") is not None:
                raise DeliveryError(self._explain(action, str(reply["error"])))
            out.append(reply.get("result") if isinstance(reply, dict) else reply)
        return out

    # -- bringing cards forward (forward.py) -----------------------------------------------

    def card_dues(self, nids: list[int]):
        query = "nid:" + ",".join(str(n) for n in nids)
        cids, filtered = self.multi([("findCards", {"query": query}), ("findCards", {"query": f"{query} deck:filtered"})])
        infos = self.call("cardsInfo", cards=cids) if cids else []
        return [CardDue(int(i["cardId"]), int(i["note"]), int(i["ord"]), int(i["queue"]), int(i["due"]),
                        int(i["cardId"]) in set(filtered)) for i in infos]

    def today(self, cards) -> int:
        """The collection's day number. No action tells it, so it is measured on a card whose due
        is a day number: Anki's search `prop:due<K` counts days from today, so the K where the
        card starts to match gives its distance from today (31 thresholds a round, one request)."""
        card = next(c for c in cards if not c.filtered)
        low, high = -(2 ** 22), 2 ** 22  # its due minus today lies in [low, high)
        while high - low > 1:
            step = max(1, (high - low) // 32)
            ks = list(range(low + step, high, step))[:31]
            found = self.multi([("findCards", {"query": f"cid:{card.cid} prop:due<{k}"}) for k in ks])
            above = [k for k, hit in zip(ks, found) if hit]
            below = [k for k, hit in zip(ks, found) if not hit]
            high = min(above, default=high)
            low = max(below, default=low)
        return card.due - low

    def set_dues(self, changes: list[tuple[int, int]]) -> set[int]:
        """Only the due date (setSpecificValueOfCard: no review entry, unlike setDueDate, which
        writes a "Manual" one); read back, so only what Anki holds now counts as taken."""
        self.multi([("setSpecificValueOfCard", {"card": cid, "keys": ["due"], "newValues": [due]})
                    for cid, due in changes])
        wanted = dict(changes)
        infos = self.call("cardsInfo", cards=sorted(wanted))
        return {int(i["cardId"]) for i in infos if i and wanted.get(int(i["cardId"])) == int(i["due"])}

    def unsuspend_cards(self, cids: list[int]) -> None:
        self.call("unsuspend", cards=cids)

    def sync(self, wait: float) -> None:
        """Ask Anki to sync, then wait until it is done with the collection again.

        The sync runs in Anki's background and holds the collection; a call that needs the
        collection is answered when the sync lets go of it."""
        self.call("sync")
        self.call("getNumCardsReviewedToday", timeout=wait)


def read_package(apkg: Path) -> dict[str, NoteState]:
    """A package's notes by GUID (its collection.anki21 or collection.anki2)."""
    with zipfile.ZipFile(apkg) as z, tempfile.TemporaryDirectory(prefix="deck-builder-") as tmp:
        names = [n for n in ("collection.anki21", "collection.anki2") if n in z.namelist()]
        for name in names:
            db = Path(z.extract(name, tmp))
            conn = sqlite3.connect(db)
            try:
                cards = dict(conn.execute("select nid, count(*) from cards group by nid"))
                rows = conn.execute("select id, guid, mid, mod, flds, tags from notes").fetchall()
            finally:
                conn.close()
            if rows:
                return {guid: NoteState(nid, mid, mod, tuple(flds.split("\x1f")), tuple(tags.split()),
                                        cards.get(nid, 0))
                        for nid, guid, mid, mod, flds, tags in rows}
    return {}
