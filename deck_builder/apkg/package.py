"""Planned notes -> an .apkg file, written atomically. The only module that imports genanki."""

from __future__ import annotations

import itertools
import json
import shutil
import sqlite3
import tempfile
import zipfile
from pathlib import Path

from ..atomic import replacing
from ..cards.notetypes import NoteType, card_ordinals, stable_id
from ..sources.problems import UserError
from .plan import Plan


def write_package(plan: Plan, types: dict[str, NoteType], css: str, out: Path) -> None:
    """Plan -> OUT.apkg; a temporary file is renamed over OUT only when complete."""
    media: dict[str, Path] = {}
    for planned in plan.notes:
        for name, path in planned.media:
            media[name] = path
    work = Path(tempfile.mkdtemp(prefix="deck-builder-"))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _write_collection(plan, types, css, work / "collection.anki2")
        with replacing(out) as tmp:
            _zip(work / "collection.anki2", media, tmp)
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}; the previous package (if any) is unchanged") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


_ROWS = 1000  # notes inserted per statement (see _write_collection)


def _write_collection(plan: Plan, types: dict[str, NoteType], css: str, db: Path) -> None:
    """The collection inside the package: genanki's schema, note-type and deck records, and
    note and card rows with the columns genanki writes, inserted in two statements.

    genanki's own writer makes a Python call and an INSERT per note and per card, half of a
    10,000-note build's writing time (benchmarks/scale.py). Differences from its rows: ids
    follow the plan's order rather than deck by deck (Anki matches notes by GUID and cards
    by note and ordinal, never by these ids), a note's modification time is our own
    (unchanged notes keep theirs), cards are the ones Anki would generate (card_ordinals,
    checked against Anki in the tests), and a tombstone has none."""
    genanki = _genanki()
    from genanki.apkg_col import APKG_COL
    from genanki.apkg_schema import APKG_SCHEMA

    deck_ids: dict[str, int] = {}
    types_in_deck: dict[int, dict[str, None]] = {}
    ids = itertools.count(plan.build_mod * 1000)

    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA journal_mode = OFF")  # a scratch file, zipped and deleted afterwards
        conn.execute("PRAGMA synchronous = OFF")
        # genanki's schema, its indexes built after the rows are in (faster than row by row)
        tables, _, indexes = APKG_SCHEMA.partition("CREATE INDEX")
        conn.executescript(tables)
        conn.executescript(APKG_COL)
        # The rows go in _ROWS notes at a time: a note's row holds a copy of all its text (the
        # fields joined), so all of them at once would be a few more megabytes at the peak.
        for start in range(0, len(plan.notes), _ROWS):
            notes, cards = [], []
            for planned in plan.notes[start:start + _ROWS]:
                did = deck_ids.get(planned.deck)
                if did is None:
                    did = deck_ids[planned.deck] = stable_id(planned.deck)  # Anki matches decks by name
                    types_in_deck[did] = {}
                types_in_deck[did][planned.note_type] = None
                nt = types[planned.note_type]
                nid = next(ids)
                mod = int(planned.mod)  # an INTEGER column for Anki, whatever a hand-edited state file says
                fields = planned.fields
                notes.append((nid, planned.guid, nt.id, mod, -1, f" {' '.join(planned.tags)} ", "\x1f".join(fields),
                              fields[0], 0, 0, ""))
                if not planned.tombstone:
                    cards.extend((next(ids), nid, did, n - 1, mod, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "")
                                 for n in card_ordinals(nt, fields))
            conn.executemany("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?)", notes)
            conn.executemany("INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", cards)
            del notes, cards
        decks_json, models_json = conn.execute("SELECT decks, models FROM col").fetchone()
        decks, models = json.loads(decks_json), json.loads(models_json)
        built: dict[str, object] = {}
        for name, did in deck_ids.items():
            decks[str(did)] = genanki.Deck(did, name).to_json()
            for key in types_in_deck[did]:  # as genanki: a note type's deck is the last deck using it
                model = built.get(key)
                if model is None:
                    nt = types[key]
                    model = built[key] = genanki.Model(
                        nt.id, nt.name, fields=[{"name": f} for f in nt.fields],
                        templates=[{"name": t.name, "qfmt": t.front, "afmt": t.back} for t in nt.templates],
                        css=css, model_type=nt.kind,
                    )
                models[str(model.model_id)] = model.to_json(int(plan.note_type_mods[key]), did)
        conn.execute("UPDATE col SET decks = ?, models = ?", (json.dumps(decks), json.dumps(models)))
        conn.executescript("CREATE INDEX" + indexes)
        conn.commit()
    finally:
        conn.close()


def _genanki():
    """genanki, imported without asyncio or PyYAML.

    genanki's one use of the cached-property package is a plain cached attribute, which the
    standard library's functools.cached_property is; but that package imports asyncio for
    variants genanki never uses, a third of a rebuild's start-up (benchmarks/startup.py: about
    30 ms). Its one use of PyYAML reads a note type's fields or templates given as YAML text,
    which deck-builder never does (it gives lists), and a file of plain YAML needs no PyYAML
    (sources/yamltree.py): so yaml's stand-in imports PyYAML only if that is ever asked for
    (about 8 ms of a build). The stand-ins live only while genanki is imported."""
    import sys

    if "genanki" in sys.modules:
        import genanki
        return genanki
    import functools
    import types

    stand_ins = {}
    if "cached_property" not in sys.modules:
        stand_ins["cached_property"] = types.ModuleType("cached_property")
        stand_ins["cached_property"].cached_property = functools.cached_property  # type: ignore[attr-defined]
    if "yaml" not in sys.modules:
        stand_ins["yaml"] = _yaml_stand_in()
    sys.modules.update(stand_ins)
    try:
        import genanki
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:  # not if PyYAML itself was imported meanwhile
                del sys.modules[name]
    return genanki


def _yaml_stand_in():
    """A module named yaml that is PyYAML for whoever uses it: any name looked up in it imports
    the real one (genanki keeps it; so would another thread importing yaml while genanki is
    imported, and it gets PyYAML's very functions and classes)."""
    import sys
    import types

    stand_in = types.ModuleType("yaml")

    def real(name: str):
        if sys.modules.get("yaml") is stand_in:
            del sys.modules["yaml"]
        import yaml

        return getattr(yaml, name)

    stand_in.__getattr__ = real  # type: ignore[attr-defined]  # PEP 562: names not in the module
    return stand_in


def _zip(db: Path, media: dict[str, Path], target: Path) -> None:
    with zipfile.ZipFile(target, "w") as z:
        z.write(db, "collection.anki2")
        names = sorted(media)
        z.writestr("media", json.dumps({str(i): name for i, name in enumerate(names)}))
        for i, name in enumerate(names):
            z.write(media[name], str(i))
