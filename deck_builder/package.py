"""Planned notes -> an .apkg file, written atomically. The only module that imports genanki."""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import sqlite3
import tempfile
import zipfile
import json
from pathlib import Path

from .notetypes import NoteType
from .plan import Plan
from .problems import UserError


def deck_id(name: str) -> int:
    """Stable per deck name (Anki matches decks by name; the id only has to be consistent)."""
    return (1 << 30) + int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") % (1 << 30)


def _classes():
    import genanki

    class Model(genanki.Model):
        """A note type that carries its own modification time instead of the build's."""

        mod = 0

        def to_json(self, timestamp, deck_id):
            return super().to_json(self.mod, deck_id)

    class Note(genanki.Note):
        """A note with its own modification time; a tombstone is written without cards."""

        mod = 0
        tombstone = False

        @property
        def cards(self):
            if self.tombstone:
                return []
            return genanki.Note.cards.func(self)

        def write_to_db(self, cursor, timestamp, deck_id, id_gen):
            super().write_to_db(cursor, self.mod, deck_id, id_gen)

    return genanki, Model, Note


def write_package(plan: Plan, types: dict[str, NoteType], css: str, out: Path) -> None:
    """Plan -> OUT.apkg; a temporary file is renamed over OUT only when complete."""
    genanki, Model, Note = _classes()
    models = {}
    for key, nt in types.items():
        m = Model(
            nt.id, nt.name,
            fields=[{"name": f} for f in nt.fields],
            templates=[{"name": t.name, "qfmt": t.front, "afmt": t.back} for t in nt.templates],
            css=css, model_type=nt.kind,
        )
        m.mod = plan.note_type_mods[key]
        models[key] = m

    decks: dict[str, object] = {}
    media: dict[str, Path] = {}
    for planned in plan.notes:
        deck = decks.get(planned.deck)
        if deck is None:
            deck = decks[planned.deck] = genanki.Deck(deck_id(planned.deck), planned.deck)
        note = Note(model=models[planned.note_type], fields=list(planned.fields), tags=list(planned.tags), guid=planned.guid)
        note.mod = planned.mod
        note.tombstone = planned.tombstone
        deck.add_note(note)
        for name, path in planned.media:
            media[name] = path

    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    work = Path(tempfile.mkdtemp(prefix="deck-builder-"))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(out)
        _write(genanki, list(decks.values()), media, work, tmp, plan.build_mod)
        os.replace(tmp, out)
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}; the previous package (if any) is unchanged") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
        try:
            tmp.unlink()
        except OSError:
            pass


def _remove_stale_temporaries(out: Path) -> None:
    """Temporary files of earlier builds that were killed outright (SIGKILL, power loss)."""
    for stale in out.parent.glob(f".{out.name}.*.tmp"):
        pid = stale.name[len(out.name) + 2 : -len(".tmp")]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)  # that build is still running: leave its file alone
        except ProcessLookupError:
            stale.unlink(missing_ok=True)
        except OSError:
            pass


def _write(genanki, decks, media: dict[str, Path], work: Path, target: Path, timestamp: int) -> None:
    # genanki.Package.write_to_file leaves its temporary database behind in /tmp; this is
    # the same steps with the database in our own folder, which we remove.
    db = work / "collection.anki2"
    conn = sqlite3.connect(db)
    try:
        genanki.Package(decks).write_to_db(conn.cursor(), timestamp, itertools.count(timestamp * 1000))
        conn.commit()
    finally:
        conn.close()
    with zipfile.ZipFile(target, "w") as z:
        z.write(db, "collection.anki2")
        names = sorted(media)
        z.writestr("media", json.dumps({str(i): name for i, name in enumerate(names)}))
        for i, name in enumerate(names):
            z.write(media[name], str(i))
