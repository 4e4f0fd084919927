"""Into the profile's collection with Anki closed, through Anki's own engine (the `anki`
package, the optional extra deck-builder[anki]): check it is free and readable, back it up,
import, read back, prune, suspend; sync.py syncs it with the profile's stored login. The
same class opens deck-builder's own collection (own.py), which answers as a profile does.

Measured with anki 2.1.44-26.9 (docs/anki.md): a collection open in Anki (or syncing) is
locked, and a second opener gets "Anki already open, or media currently syncing." Opening
upgrades an older collection format to the engine's; Anki 2.1.44 and older cannot open the
format 2.1.45+ writes (schema 18), so a collection that would be upgraded past what the
user's Anki reads is refused, and one kept at the legacy format 11 (Anki's "Downgrade &
Quit") is put back to it on close.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path

from ..apkg.plan import Plan
from .outcome import CardDue, DeliveryError, NoteState
from .profile import Profile, anki_version_name

EXTRA = "pip install 'deck-builder[anki]'"
LEGACY_SCHEMA = 11
SCHEMA_18_SINCE = 45  # Anki 2.1.45 was the first to read and write schema 18 (measured)


def engine():
    """The `anki` package, or a DeliveryError saying how to install it."""
    try:
        import anki.collection  # noqa: F401
        from anki.collection import Collection, ImportAnkiPackageRequest  # noqa: F401
    except ImportError:
        raise DeliveryError(f"importing with Anki closed needs Anki's engine, which is not installed: "
                            f"run  {EXTRA}  (or open Anki with AnkiConnect installed)") from None
    import anki.collection

    return anki.collection


def engine_schema() -> int:
    """The collection format this engine writes (read from a new, throwaway collection)."""
    col_module = engine()
    with tempfile.TemporaryDirectory(prefix="deck-builder-") as tmp:
        col = col_module.Collection(str(Path(tmp) / "probe.anki2"))
        try:
            return int(col.db.scalar("select ver from col"))
        finally:
            col.close()


def engine_version() -> str:
    from anki.buildinfo import version

    return version


def engine_int_version() -> int:
    from anki.utils import int_version

    return int_version()


def _locked(profile: Profile, how: str) -> DeliveryError:
    if getattr(profile, "own", False):
        return DeliveryError(f"{profile.described} is in use ({how}): another push or watch of deck-builder is "
                             "writing it. Nothing was changed; push again when it is done")
    return DeliveryError(
        f"the collection of {profile.described} is in use ({how}): Anki is open without AnkiConnect "
        f"answering, or it is syncing. Nothing was changed. Close Anki and push again, or install "
        f"AnkiConnect in Anki (Tools > Add-ons > Get Add-ons..., code 2055492159) and push with Anki open")


def file_schema(profile: Profile) -> int:
    """The collection's format version, read without the engine (raises when it is locked)."""
    path = profile.collection
    if not path.is_file():
        raise DeliveryError(f"{profile.described} has no collection yet ({path}); open it in Anki once, "
                            "then push again")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0)
        try:
            return int(conn.execute("select ver from col").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise _locked(profile, "locked") from None
        raise DeliveryError(f"cannot read the collection {path} ({exc}); open it in Anki once (Tools > "
                            "Check Database), then push again") from None


def check_readable_after(profile: Profile, schema: int) -> None:
    """Refuse when opening would leave the collection in a format the user's Anki cannot read."""
    ours = engine_schema()
    if schema > ours:
        raise DeliveryError(
            f"the collection of {profile.described} was written by a newer Anki than deck-builder's Anki "
            f"engine ({engine_version()}) knows; nothing was changed. Update it:  pip install -U "
            "'deck-builder[anki]'  (or push with Anki open and AnkiConnect installed)")
    if schema in (ours, LEGACY_SCHEMA):
        return  # nothing to upgrade, or put back to the legacy format on close
    user = profile.last_run_version
    if user is not None and (user >= engine_int_version() or (ours == 18 and user >= SCHEMA_18_SINCE)):
        return  # the user's own Anki upgrades it the same way on its next start
    which = f"Anki {anki_version_name(user)}" if user else "the Anki that last opened it"
    raise DeliveryError(
        f"importing would upgrade the collection of {profile.described} to a format that {which} cannot "
        f"open; nothing was changed. Update Anki (2.1.45 or later) and open the profile once, or push with "
        "Anki open and AnkiConnect installed")


class OpenCollection:
    """The profile's collection, opened by Anki's engine (a context manager)."""

    def __init__(self, profile: Profile):
        self.profile = profile
        schema = file_schema(profile)
        check_readable_after(profile, schema)
        self.downgrade = schema == LEGACY_SCHEMA
        col_module = engine()
        from anki.errors import DBError

        try:
            self.col = col_module.Collection(str(profile.collection))
        except DBError as exc:
            if "already open" in str(exc).lower() or "locked" in str(exc).lower():
                raise _locked(profile, "Anki already open") from None
            raise DeliveryError(f"Anki's engine cannot open {profile.collection} ({exc}); open the profile in "
                                "Anki (Tools > Check Database), then push again") from None

    def __enter__(self) -> OpenCollection:
        return self

    def __exit__(self, *exc) -> None:
        self.col.close(downgrade=self.downgrade)

    def backup(self) -> Path:
        """Anki's own backup (a .colpkg in the profile's backups folder) of the collection as
        it is now; returns the file to restore from."""
        folder = self.profile.backups
        try:
            folder.mkdir(parents=True, exist_ok=True)
            # Anki names a backup by the second it was made: a second one within that second
            # would replace the first (measured), so wait for the next second.
            made = [p.stat().st_mtime for p in folder.glob("backup-*.colpkg")]
            while made and int(time.time()) <= int(max(made)):
                time.sleep(0.05)
            self.col.create_backup(backup_folder=str(folder), force=True, wait_for_completion=True)
        except Exception as exc:
            raise DeliveryError(f"could not back up the collection into {folder} ({exc}); nothing was "
                                "changed. Free some disk space, then push again") from None
        backups = sorted(folder.glob("backup-*.colpkg"), key=lambda p: p.stat().st_mtime)
        if not backups:
            raise DeliveryError(f"Anki made no backup in {folder}; nothing was changed")
        return backups[-1]  # a new one, or (nothing changed since it) the latest

    def snapshot(self, plan: Plan) -> dict[str, NoteState]:
        guids = [p.guid for p in plan.notes]
        found: dict[str, NoteState] = {}
        db = self.col.db
        for start in range(0, len(guids), 500):
            chunk = guids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = db.all(f"select n.id, n.guid, n.mid, n.mod, n.flds, n.tags, "
                          f"(select count() from cards c where c.nid = n.id) from notes n where n.guid in ({marks})",
                          *chunk)
            for nid, guid, mid, mod, flds, tags, cards in rows:
                found[guid] = NoteState(nid, mid, mod, tuple(flds.split("\x1f")), tuple(tags.split()), cards)
        return found

    def import_package(self, apkg: Path, merge_notetypes: bool) -> None:
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        # Default options, as in Anki's import dialog: update notes and note types if newer.
        options = ImportAnkiPackageOptions(merge_notetypes=merge_notetypes)
        try:
            self.col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg.resolve()), options=options))
        except Exception as exc:
            raise DeliveryError(f"Anki's importer failed ({exc})") from None

    def delete_notes(self, nids: list[int]) -> None:
        from anki.notes import NoteId

        self.col.remove_notes([NoteId(n) for n in nids])

    def card_states(self, nids: list[int]) -> dict[int, list[tuple[int, bool]]]:
        states: dict[int, list[tuple[int, bool]]] = {}
        for start in range(0, len(nids), 500):
            chunk = nids[start : start + 500]
            rows = self.col.db.all(f"select id, nid, queue from cards where nid in ({','.join('?' * len(chunk))})",
                                   *chunk)
            for cid, nid, queue in rows:
                states.setdefault(nid, []).append((cid, queue == -1))
        return states

    def card_dues(self, nids: list[int]):
        out = []
        for start in range(0, len(nids), 500):
            chunk = nids[start : start + 500]
            rows = self.col.db.all(f"select id, nid, ord, queue, due, odid from cards where nid in "
                                   f"({','.join('?' * len(chunk))})", *chunk)
            out += [CardDue(cid, nid, ord_, queue, due, odid != 0) for cid, nid, ord_, queue, due, odid in rows]
        return out

    def today(self, cards) -> int:
        return self.col.sched.today

    def set_dues(self, changes: list[tuple[int, int]]) -> set[int]:
        """Only the due date: update_card writes no review entry (set_due_date would add a
        "Manual" one) and stamps mod and usn, so the next sync carries it."""
        from anki.cards import CardId

        try:
            cards = []
            for cid, due in changes:
                card = self.col.get_card(CardId(cid))
                card.due = due
                cards.append(card)
            self.col.update_cards(cards)
        except Exception as exc:
            raise DeliveryError(f"Anki's engine could not change the due dates ({exc})") from None
        return {cid for cid, _ in changes}

    def suspend_cards(self, cids: list[int]) -> None:
        from anki.cards import CardId

        self.col.sched.suspend_cards([CardId(c) for c in cids])

    def unsuspend_cards(self, cids: list[int]) -> None:
        from anki.cards import CardId

        self.col.sched.unsuspend_cards([CardId(c) for c in cids])
