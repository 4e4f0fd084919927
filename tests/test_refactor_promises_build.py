"""Promises of the build that must outlive a rewrite of its caches (issue 17): a warm `watch`
build is a cold build, modification times only ever grow, and a build state this version did
not write is set aside with a warning, never a traceback.

Everything runs for real: `watch` as its own process, each cold build in a fresh process, the
changed note types of a newer deck-builder as a copy of it with those files changed, the real
Anki engine for what an import takes. Nothing here names the warm caches (keep_trees and the
like), so the tests hold wherever those end up living.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from importlib import resources
from pathlib import Path

import pytest
from conftest import write_files
from test_watch import watching

from deck_builder.apkg.state import load_state
from deck_builder.build import Compiler, build_deck

PHOTO = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="#2a7f62"/></svg>\n'

# Every kind of note (derive.KIND_NAMES): an answer and its key points, a story linked to it, a
# company with a q/a fact, a cloze fact, two products, a person with a photo (both cards), a
# tailored answer and its key points, and questions to ask; placeholders in both places.
WORKSPACE = {
    "deck.yaml": "banks: []\n",
    "questions/mine.yaml": """
        bank: Mine
        questions:
          - id: why-us
            ask: Why do you want to work for {company}?
            category: goals
          - id: biggest-win
            ask: What is your biggest win?
        """,
    "answers.yaml": """
        why-us:
          points:
            - Their parcel network is growing fast.
            - I have run networks like it.
          stories: [peak]
        biggest-win:
          points: [Cleared a 3-day backlog in 9 days.]
        """,
    "stories.yaml": """
        peak:
          title: Recovering a failing peak season
          result: Backlog cleared in 9 days.
        """,
    "companies/acme.yaml": """
        name: Acme Parcel
        role: Head of Operations
        facts:
          - id: founded
            q: When was Acme founded?
            a: In 2006.
          - id: sites
            cloze: "Acme runs {{c1::6}} fulfilment centres."
        products:
          - id: next-day
            name: Acme Next Day
            about: Next-day delivery for businesses.
          - id: returns
            name: Acme Returns
            about: Returns collection from the door.
        people:
          - id: ceo
            name: Dana Okafor
            role: Chief Executive
            photo: media/ceo.svg
        tailoring:
          why-us:
            - Acme's Eastgate hub needs what I built.
            - Their on-time rate is below target.
        questions_to_ask:
          - What does success look like for the {role} in a year?
        """,
    "media/ceo.svg": PHOTO,
}

# A build in a fresh process at a given clock (run it outside the repository: `-c` puts the
# working directory first on sys.path, before PYTHONPATH).
COLD_BUILD = r"""
import sys
from deck_builder.build import build_deck
from deck_builder.sources.problems import ProblemsError
try:
    build_deck(sys.argv[1], sys.argv[2], now=int(sys.argv[3]))
except ProblemsError as exc:
    sys.exit("\n".join(str(p) for p in exc.problems))
"""


def save(path: Path, data: str | bytes) -> None:
    """Save as an editor does: a hidden temporary file renamed over PATH (one change for watch)."""
    tmp = path.with_name(f".{path.name}.saving")
    tmp.write_bytes(data.encode() if isinstance(data, str) else data)
    os.replace(tmp, path)


def edited(path: Path, edits) -> str:
    text = path.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"{old!r} in {path}"
        text = text.replace(old, new)
    return text


def package_contents(apkg: Path) -> dict:
    """Everything an import reads from a package but the row ids (Anki matches notes by GUID
    and cards by note and ordinal): the notes in their order, each card with its deck's name,
    the note types and decks as JSON (templates, CSS, fields, modification times), the
    collection's settings and the media by content."""
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(apkg) as z:
        media = {name: hashlib.sha256(z.read(number)).hexdigest() for number, name in json.loads(z.read("media")).items()}
        conn = sqlite3.connect(z.extract("collection.anki2", tmp))
        conn.row_factory = sqlite3.Row
        try:
            col = dict(conn.execute("SELECT * FROM col").fetchone())
            del col["id"]
            decks, models = json.loads(col.pop("decks")), json.loads(col.pop("models"))
            guid_of = {}
            notes = []
            for row in conn.execute("SELECT * FROM notes ORDER BY id"):
                note = dict(row)
                guid_of[note.pop("id")] = note["guid"]
                notes.append(note)
            cards = []
            for row in conn.execute("SELECT * FROM cards"):
                card = dict(row)
                del card["id"]
                card["note"] = guid_of[card.pop("nid")]
                card["deck"] = decks[str(card["did"])]["name"]
                cards.append(card)
        finally:
            conn.close()
    cards.sort(key=lambda c: (c["note"], c["ord"]))
    return {"col": col, "decks": decks, "models": models, "notes": notes, "cards": cards, "media": media}


def read_state(root: Path) -> dict:
    return json.loads((root / ".deck-builder" / "state.json").read_text(encoding="utf-8"))


def difference(warm, cold, where: str = "") -> str | None:
    """Where WARM and COLD first differ (a path into them), or None."""
    if isinstance(warm, dict) and isinstance(cold, dict):
        for key in sorted(set(warm) | set(cold), key=str):
            if key not in cold or key not in warm:
                return f"{where}/{key}: only in the {'warm' if key in warm else 'cold'} build"
            found = difference(warm[key], cold[key], f"{where}/{key}")
            if found:
                return found
        return None
    if isinstance(warm, list) and isinstance(cold, list) and len(warm) == len(cold):
        return next((d for i, (a, b) in enumerate(zip(warm, cold)) if (d := difference(a, b, f"{where}[{i}]"))), None)
    return None if warm == cold else f"{where}: warm {warm!r:.400} but cold {cold!r:.400}"


def build_time(before: dict | None, after: dict) -> int:
    """The clock (whole seconds) of the build that turned state BEFORE into AFTER, as far as
    anything it wrote depends on it: a removal's date is the clock itself; otherwise the clock
    only decides the modification time given to changes, which AFTER's last_mod is. A build
    that changed nothing wrote no time (the package's row ids aside)."""
    if before is not None and after["last_mod"] == before["last_mod"]:
        return before["last_mod"]
    was = before["notes"] if before is not None else {}
    removed_now = {r["removed_at"] for g, r in after["notes"].items() if r["removed"] and not was.get(g, {}).get("removed")}
    assert len(removed_now) <= 1, removed_now
    return removed_now.pop() if removed_now else after["last_mod"]


# -- a warm watch build is a cold build, whatever changed ---------------------------------------

# (what, file, edits as (old, new) pairs, or the file's new content). Each is one save, after
# which watch rebuilds; the deck.yaml steps are the ones a warm compiler most easily gets wrong.
STEPS = [
    ("a key point", "answers.yaml", [("growing fast.", "growing faster than any rival.")]),
    ("an answer's notes, which the company's tailored answer shows too", "answers.yaml",
     [("  stories: [peak]\n", "  stories: [peak]\n  notes: Mention the Eastgate hub.\n")]),
    ("a story's result, which the answers linking it show", "stories.yaml", [("in 9 days.", "in 8 days.")]),
    ("a question's wording and category (tags)", "questions/mine.yaml",
     [("your biggest win?", "your proudest win?"), ("category: goals", "category: motivation")]),
    ("every company item: fact, cloze, product, person, tailoring, questions to ask", "companies/acme.yaml",
     [("a: In 2006.", "a: In 2006, in Millbrook."), ("{{c1::6}}", "{{c1::7}}"),
      ("for businesses.", "for businesses, tracked."), ("role: Chief Executive", "role: Chief Operating Officer"),
      ("below target.", "below its 97% target."),
      ("in a year?\n", "in a year?\n  - Who decides when fulfilment and transport targets conflict?\n")]),
    ("the person's photo", "media/ceo.svg", PHOTO.replace("#2a7f62", "#7f2a62")),
    ("the company's name and role (placeholders, context, its deck)", "companies/acme.yaml",
     [("name: Acme Parcel\nrole: Head of Operations", "name: Acme Parcel Group\nrole: Director of Operations")]),
    ("the deck's name", "deck.yaml", [("banks: []\n", "deck: Job Hunt::Prep\nbanks: []\n")]),
    ("tts", "deck.yaml", [("banks: []\n", "banks: []\ntts: en_US\n")]),
    ("voices", "deck.yaml", [("tts: en_US\n", "tts: en_US\nvoices: [Samantha]\n")]),
    ("point_cards off: the key-point notes are removed", "deck.yaml", [("banks: []\n", "banks: []\npoint_cards: false\n")]),
    ("point_cards on again, and a built-in bank", "deck.yaml",
     [("point_cards: false", "point_cards: true"), ("banks: []", "banks: [second-interview]")]),
    ("an answer to a question of that bank", "answers.yaml",
     [("biggest-win:", "career-prepared:\n  points: [Twelve years in parcel operations.]\nbiggest-win:")]),
    ("a product removed", "companies/acme.yaml",
     [("  - id: returns\n    name: Acme Returns\n    about: Returns collection from the door.\n", "")]),
    ("a broken company file", "companies/acme.yaml", [("questions_to_ask:", "questions_to_ask: [\n")]),
    ("the company file mended", "companies/acme.yaml", [("questions_to_ask: [\n", "questions_to_ask:")]),
    ("the deck's name, tts and voices back to the defaults", "deck.yaml", "banks: [second-interview]\npoint_cards: true\n"),
]


def test_a_warm_watch_build_equals_a_cold_one_after_every_kind_of_change(tmp_path):
    # After each save, what watch wrote (the package: notes, cards and their decks, note types
    # with templates and CSS, media; and the build state) must be what a cold build in a fresh
    # process writes from the same sources and the state watch had before that save. The cold
    # build runs at the clock watch's build ran at (build_time), so the times are compared too.
    ws = write_files(tmp_path / "ws", WORKSPACE)
    out = tmp_path / "out" / "deck.apkg"
    state = ws / ".deck-builder" / "state.json"

    def compare(what: str, before: bytes | None, n: int) -> None:
        cold = tmp_path / f"cold-{n}"
        shutil.copytree(ws, cold, ignore=shutil.ignore_patterns(".deck-builder"))
        if before is not None:
            (cold / ".deck-builder").mkdir()
            (cold / ".deck-builder" / "state.json").write_bytes(before)
        after = read_state(ws)
        now = build_time(json.loads(before) if before is not None else None, after)
        built = subprocess.run([sys.executable, "-c", COLD_BUILD, str(cold), str(tmp_path / f"cold-{n}.apkg"), str(now)],
                               capture_output=True, text=True, cwd=tmp_path)
        assert built.returncode == 0, f"{what}: the cold build failed: {built.stderr}"
        warm_wrote = {"package": package_contents(out), "state": after}
        cold_wrote = {"package": package_contents(tmp_path / f"cold-{n}.apkg"), "state": read_state(cold)}
        assert warm_wrote == cold_wrote, f"after {what}: " + str(difference(warm_wrote, cold_wrote))

    with watching(ws, out) as w:
        assert any(" built: " in line for line in w.seen), w.seen
        compare("the first build", None, 0)
        for n, (what, rel, change) in enumerate(STEPS, 1):
            before = state.read_bytes()
            package = out.read_bytes()
            mark = len(w.seen)
            path = ws / rel
            save(path, change if isinstance(change, str) else edited(path, change))
            line = w.wait_for(f"  {rel}: ")
            if "kept the last good deck" in line:
                assert (state.read_bytes(), out.read_bytes()) == (before, package), what
                cold = tmp_path / f"cold-{n}"
                shutil.copytree(ws, cold)
                built = subprocess.run([sys.executable, "-c", COLD_BUILD, str(cold), str(tmp_path / "x.apkg"), "0"],
                                       capture_output=True, text=True, cwd=tmp_path)
                said = sorted(p.replace(str(ws), str(cold)) for p in w.seen[mark:-1])
                assert (built.returncode, said) == (1, sorted(built.stderr.splitlines())), what
                continue
            compare(what, before, n)
    assert not any("Traceback" in line for line in w.seen), w.seen


def test_the_compiler_object_builds_what_a_cold_build_writes_and_leaves_nothing_behind(tmp_path):
    """Everything a warm build remembers lives in one Compiler: the same process may build
    warm through it, cold without it, and through a second Compiler, in any order, and each
    build writes what a cold build in a fresh process writes from the same sources and state."""
    ws = write_files(tmp_path / "ws", WORKSPACE)
    other = write_files(tmp_path / "other", WORKSPACE)
    save(other / "companies" / "acme.yaml", edited(other / "companies" / "acme.yaml",
                                                    [("name: Acme Parcel\n", "name: Other Parcel\n")]))
    compiler, second = Compiler(), Compiler()
    now = int(time.time())

    def build(how, root: Path, n: int, at: int):
        state = root / ".deck-builder" / "state.json"
        before = state.read_bytes() if state.exists() else None
        cold = tmp_path / f"cold-{n}"
        shutil.copytree(root, cold, ignore=shutil.ignore_patterns(".deck-builder"))
        if before is not None:
            (cold / ".deck-builder").mkdir()
            (cold / ".deck-builder" / "state.json").write_bytes(before)
        out = tmp_path / f"ours-{n}.apkg"
        how(str(root), out, now=at)
        done = subprocess.run([sys.executable, "-c", COLD_BUILD, str(cold), str(tmp_path / f"cold-{n}.apkg"), str(at)],
                              capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        ours = {"package": package_contents(out), "state": read_state(root)}
        theirs = {"package": package_contents(tmp_path / f"cold-{n}.apkg"), "state": read_state(cold)}
        assert ours == theirs, f"build {n}: " + str(difference(ours, theirs))

    edits = [("a: In 2006.", "a: In 2006, in Millbrook."), ("below target.", "below its 97% target.")]
    build(compiler.build, ws, 1, now)
    build(compiler.build, other, 2, now + 1)  # one compiler, two workspaces
    save(ws / "companies" / "acme.yaml", edited(ws / "companies" / "acme.yaml", edits[:1]))
    build(compiler.build, ws, 3, now + 2)
    build(build_deck, ws, 4, now + 3)  # cold, in the process that built warm
    save(ws / "companies" / "acme.yaml", edited(ws / "companies" / "acme.yaml", edits[1:]))
    build(second.build, ws, 5, now + 4)  # a second compiler knows nothing of the first
    save(ws / "deck.yaml", "deck: Job Hunt::Prep\nbanks: []\n")
    build(compiler.build, ws, 6, now + 5)  # the first one again, after builds it did not see


# -- modification times only grow ---------------------------------------------------------------

def mods(contents: dict) -> dict[str, int]:
    """GUID (or note type name) -> the modification time the package gives it."""
    return {**{n["guid"]: n["mod"] for n in contents["notes"]}, **{m["name"]: m["mod"] for m in contents["models"].values()}}


def test_a_changed_note_is_newer_than_any_time_given_after_a_build_that_changed_nothing_and_the_clock_going_back(
        workspace, anki):
    ws = workspace(WORKSPACE)
    out = ws / "deck.apkg"
    t = int(time.time())

    def built(now: int):
        """Build at NOW and import into Anki -> (the package, Anki's import log)."""
        build_deck(str(ws), out, now=now)
        return package_contents(out), anki.import_package(out)

    first, log = built(t)
    assert len(log.new) == len(first["notes"]) == 12
    given = list(mods(first).values())  # every time a package has carried so far, notes' and note types'

    same, log = built(t)  # nothing changed, in the same second: every time is kept, Anki changes nothing
    assert mods(same) == mods(first)
    assert (log.new, log.updated, len(log.duplicate)) == ([], [], 12)
    given += mods(same).values()

    answers = ws / "answers.yaml"
    previous = same
    for (old, new), now in ((("growing fast.", "growing faster than any rival."), t),  # the same second again
                            (("faster than any rival.", "faster than its rivals."), t - 3600)):  # the clock went back
        answers.write_text(edited(answers, [(old, new)]), encoding="utf-8")
        contents, log = built(now)
        was = {n["guid"]: n["flds"] for n in previous["notes"]}
        changed = {n["guid"] for n in contents["notes"] if n["flds"] != was[n["guid"]]}
        assert len(changed) == 2, changed  # the answer and its key points
        times, before = mods(contents), mods(previous)
        assert all(times[g] > max(given) for g in changed), (new, {g: times[g] for g in changed}, max(given))
        assert {k: v for k, v in times.items() if k not in changed} == {k: v for k, v in before.items() if k not in changed}
        assert (sorted(n.id.nid for n in log.updated), log.new) == (sorted(anki.note_by_guid(g).id for g in changed), [])
        assert all(any(new in f for f in anki.note_by_guid(g).fields) for g in changed)
        given += times.values()
        previous = contents


def deck_builder_version(tmp_path: Path, name: str, edits: dict[str, list[tuple[str, str]]]) -> Path:
    """A copy of this deck-builder with EDITS made to its files (a newer version, as a user
    would install it) -> the folder to put on PYTHONPATH."""
    import deck_builder

    root = tmp_path / name
    package = root / "deck_builder"
    shutil.copytree(Path(deck_builder.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    if not (package / "banks").is_dir():  # an editable install maps the built-in banks from decks/banks
        shutil.copytree(Path(str(resources.files("deck_builder.banks"))), package / "banks",
                        ignore=shutil.ignore_patterns("__pycache__"))
    for rel, changes in edits.items():
        (package / rel).write_text(edited(package / rel, changes), encoding="utf-8")
    return root


# What a newer deck-builder may change in its note types, each on its own
CSS = ("cards/card.css", [("/* deck-builder: one stylesheet", ".db-new { margin: 0; }\n/* deck-builder: one stylesheet")])
STORY_RESULT_BACK = ("cards/notetypes.py", [("'<div class=\"db-result\">{{Result}}</div>'", "'<div class=\"db-result db-big\">{{Result}}</div>'")])
PERSON_NAME_FRONT = ("cards/notetypes.py", [("f'{_context()}<div class=\"db-prompt\">Who is the ",
                                       "f'{_context()}<div class=\"db-prompt db-who\">Who is the ")])
BASIC_FIELDS = ("cards/notetypes.py", [('("Prompt", "Answer", "Source", "Context", "Extra")',
                                  '("Prompt", "Answer", "Source", "Context", "Extra", "Hint")')])


def test_a_note_types_time_grows_whenever_any_part_of_it_changes_and_only_then(workspace, tmp_path, anki):
    # Every build runs in the same second, as a quick upgrade and rebuild would: a changed note
    # type must still be newer than any time given before, or Anki keeps its old version.
    ws = workspace({**WORKSPACE, "deck.yaml": "banks: []\n"})
    out = tmp_path / "deck.apkg"
    t = int(time.time())
    given: list[int] = []
    versions = {}

    def built(*edits) -> dict[str, dict]:
        """Build with the deck-builder that has EDITS (in a fresh process) -> note type name -> its JSON."""
        key = tuple(e[0] + repr(e[1]) for e in edits)
        if key not in versions:
            files: dict = {}
            for rel, changes in edits:
                files.setdefault(rel, []).extend(changes)
            versions[key] = deck_builder_version(tmp_path, f"v{len(versions)}", files)
        env = dict(os.environ, PYTHONPATH=str(versions[key]))
        proc = subprocess.run([sys.executable, "-c", COLD_BUILD, str(ws), str(out), str(t)],
                              capture_output=True, text=True, env=env, cwd=tmp_path)  # -c puts the cwd first on sys.path
        assert proc.returncode == 0, proc.stderr
        return {m["name"]: m for m in package_contents(out)["models"].values()}

    def grown(before: dict, after: dict, which: set[str]) -> None:
        assert {n for n in after if after[n]["mod"] != before.get(n, {}).get("mod")} == which
        assert all(after[n]["mod"] > max(given) for n in which), ({n: after[n]["mod"] for n in which}, max(given))
        given.extend(m["mod"] for m in after.values())

    def in_anki(models: dict) -> None:
        anki.import_package(out)
        for name, model in models.items():
            mine = anki.col.models.by_name(name)
            assert (mine["css"], [(x["qfmt"], x["afmt"]) for x in mine["tmpls"]]) == (
                model["css"], [(x["qfmt"], x["afmt"]) for x in model["tmpls"]]), name
        assert sorted(m.name for m in anki.col.models.all_names_and_ids() if m.name.startswith("deck-builder")) == sorted(models)

    everything = {"deck-builder Answer", "deck-builder Story", "deck-builder Basic", "deck-builder Cloze", "deck-builder Person"}
    first = built()
    assert set(first) == everything
    given.extend(m["mod"] for m in first.values())
    in_anki(first)
    again = built()
    grown(first, again, set())

    (ws / "deck.yaml").write_text("banks: []\ntts: en_US\n", encoding="utf-8")  # the front templates read aloud
    tts = built()
    grown(again, tts, everything - {"deck-builder Cloze"})
    in_anki(tts)
    css = built(CSS)
    grown(tts, css, everything)
    in_anki(css)
    back = built(CSS, STORY_RESULT_BACK)
    grown(css, back, {"deck-builder Story"})
    in_anki(back)
    front = built(CSS, STORY_RESULT_BACK, PERSON_NAME_FRONT)
    grown(back, front, {"deck-builder Person"})
    in_anki(front)
    fields = built(CSS, STORY_RESULT_BACK, PERSON_NAME_FRONT, BASIC_FIELDS)  # a new note type (new id)
    assert [f["name"] for f in fields["deck-builder Basic"]["flds"]][-1] == "Hint"
    grown(front, fields, {"deck-builder Basic"})
    grown(fields, built(CSS, STORY_RESULT_BACK, PERSON_NAME_FRONT, BASIC_FIELDS), set())


# -- a build state this version did not write is set aside, never trusted -----------------------

GONE = object()  # the key is missing

# A state as a newer version or a hand edit leaves it: (what, where, key, value). WHERE is the
# file's top level ("state"), a live note's record ("note"), a key-point note's ("points"), the
# record of an item removed earlier and still flagged ("flagged"), or a note type's. KEY None:
# the whole of it. VALUE replaces the value, or is a function of the old one.
SET_ASIDE = [
    ("a newer format", "state", "format", 2),
    ("a list, not an object", "state", None, lambda state: [state]),
    ("notes as a list", "state", "notes", lambda notes: list(notes.values())),
    ("no note types", "state", "note_types", GONE),
    ("no last_mod", "state", "last_mod", GONE),
    ("last_mod as text", "state", "last_mod", str),
    ("last_mod a fraction", "state", "last_mod", lambda t: t + 0.5),
    ("last_mod beyond any clock", "state", "last_mod", 2 ** 62),  # in 64 bits, but not times 1000 (the ids)
    ("a note with a key this version does not know", "note", "colour", "teal"),
    ("a note without its hash", "note", "hash", GONE),
    ("a note that is a number", "note", None, 7),
    ("a note's mod as text", "note", "mod", str),
    ("a note's mod past 64 bits", "note", "mod", 2 ** 70),
    ("a note's fields as text", "note", "fields", "Why?"),
    ("a note's tags of numbers", "note", "tags", [1, 2]),
    ("key points not a list", "points", "points", 5),
    ("key points of one number each", "points", "points", lambda points: [[n] for n, _ in points]),
    ("key points numbered with text", "points", "points", lambda points: [[p, n] for n, p in points]),
    ("a flagged note's fields of numbers", "flagged", "fields", lambda fields: [1] * len(fields)),
    ("a flagged note's tags as text", "flagged", "tags", " ".join),
    ("a flagged note's deck a number", "flagged", "deck", 5),
    ("a flagged note's removed as text", "flagged", "removed", "yes"),
    ("a flagged note's removed_at as text", "flagged", "removed_at", "last week"),
    ("a note type with a key this version does not know", "note type", "colour", "teal"),
    ("a note type without its mod", "note type", "mod", GONE),
    ("a note type's mod as text", "note type", "mod", "soon"),
]
# What this version can do without: kept, with no warning.
KEPT = [
    ("a key this version does not know beside the records", "state", "written_by", "deck-builder 9"),
    ("a note of an older version, without added_at", "note", "added_at", GONE),
    ("the Markdown cache as a list (only a cache: not used)", "state", "markdown", ["<p>x</p>"]),
]
LABELS = {"note": "story/peak", "points": "points/why-us", "flagged": "acme/product/returns"}
REMOVE_RETURNS = ("  - id: returns\n    name: Acme Returns\n    about: Returns collection from the door.\n", "")
SET_ASIDE_WARNING = re.compile(
    r"(?P<file>.+): warning: the build state could not be read \(.+\); it was "
    r"(?P<how>moved to state\.json\.broken|left in place) and a new one is started: "
    r"every note counts as changed once, and items removed earlier are no longer flagged")


def damage(state: dict, where: str, key: str | None, value) -> dict:
    """STATE with one thing changed, as SET_ASIDE and KEPT say."""
    data = copy.deepcopy(state)
    if where == "state":
        holder = data
    elif where == "note type":
        holder = data["note_types"]["basic"]
    else:
        guid = next(g for g, r in data["notes"].items() if r["label"] == LABELS[where])
        holder = data["notes"][guid]
        if key is None:
            holder, key = data["notes"], guid
    if key is None:
        return value(data) if callable(value) else value
    if value is GONE:
        del holder[key]
    else:
        holder[key] = value(holder[key]) if callable(value) else value
    return data


def cases(table):
    return pytest.mark.parametrize("where, key, value", [pytest.param(*case[1:], id=case[0]) for case in table])


@pytest.fixture(scope="module")
def built_state(tmp_path_factory):
    """A workspace built, then built again without a product (its note flagged) -> (the
    workspace, its state as JSON)."""
    ws = write_files(tmp_path_factory.mktemp("state") / "ws", WORKSPACE)
    t = int(time.time())  # the removed item stays flagged for 14 days from now
    build_deck(str(ws), ws / "build" / "deck.apkg", now=t - 60)
    acme = ws / "companies" / "acme.yaml"
    acme.write_text(edited(acme, [REMOVE_RETURNS]), encoding="utf-8")
    build_deck(str(ws), ws / "build" / "deck.apkg", now=t)
    state = read_state(ws)
    assert {r["label"]: r["removed"] for r in state["notes"].values() if r["label"] in LABELS.values()} == {
        "story/peak": False, "points/why-us": False, "acme/product/returns": True}
    return ws, state


def with_state(built_state, tmp_path: Path, data) -> tuple[Path, bytes]:
    """A copy of the built workspace with DATA as its state -> (the copy, the state's bytes)."""
    ws = tmp_path / "ws"
    shutil.copytree(built_state[0], ws)
    path = ws / ".deck-builder" / "state.json"
    save(path, json.dumps(data))
    return ws, path.read_bytes()


def files_of(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def set_aside(stderr: str, ws: Path) -> str:
    """How the one warning in STDERR says the state was set aside."""
    warnings = [line for line in stderr.splitlines() if "warning:" in line]
    assert len(warnings) == 1, stderr
    found = SET_ASIDE_WARNING.fullmatch(warnings[0])
    assert found and found["file"] == f"{ws}/.deck-builder/state.json", warnings[0]
    return found["how"]


@cases(SET_ASIDE)
def test_a_build_state_this_version_did_not_write_is_set_aside_by_build_and_left_in_place_by_diff(
        built_state, tmp_path, cli, where, key, value):
    ws, damaged = with_state(built_state, tmp_path, damage(built_state[1], where, key, value))
    before = files_of(ws)
    result = cli("diff", ws)
    assert result.exit_code == 1  # 1: every note would count as new
    assert set_aside(result.stderr, ws) == "left in place"
    assert files_of(ws) == before

    result = cli("build", ws)
    assert result.exit_code == 0
    assert set_aside(result.stderr, ws) == "moved to state.json.broken"
    assert "First build here" in result.stdout
    assert (ws / ".deck-builder" / "state.json.broken").read_bytes() == damaged
    assert load_state(ws, "state")[1] == []
    assert cli("diff", ws).exit_code == 0  # the new state is good


@cases(KEPT)
def test_a_build_state_lacking_only_what_this_version_can_do_without_is_kept(built_state, tmp_path, cli, where, key, value):
    ws, _ = with_state(built_state, tmp_path, damage(built_state[1], where, key, value))
    before = files_of(ws)
    result = cli("diff", ws)
    assert (result.exit_code, result.stderr) == (0, "")
    assert files_of(ws) == before
    result = cli("build", ws)
    assert (result.exit_code, result.stderr) == (0, "")
    assert "Nothing changed since the last build." in result.stdout
    assert not (ws / ".deck-builder" / "state.json.broken").exists()


def test_watch_sets_a_damaged_build_state_aside_when_it_starts_and_when_one_replaces_its_own(built_state, tmp_path):
    first, *others = SET_ASIDE
    ws, damaged = with_state(built_state, tmp_path, damage(built_state[1], *first[1:]))
    state = ws / ".deck-builder" / "state.json"
    answers = ws / "answers.yaml"

    def set_aside_once(lines: list[str], damaged: bytes, what: str) -> None:
        assert set_aside("\n".join(lines), ws) == "moved to state.json.broken", what
        assert " notes -> " in lines[-1], (what, lines[-1])  # a first build: every note is new
        assert (state.parent / "state.json.broken").read_bytes() == damaged, what
        assert json.loads(state.read_bytes())["format"] == 1, what

    with watching(ws, tmp_path / "deck.apkg") as w:
        set_aside_once([line for line in w.seen if "Watching" not in line], damaged, first[0])
        for n, (what, where, key, value) in enumerate(others):
            save(state, json.dumps(damage(built_state[1], where, key, value)))  # as a restored backup would
            damaged = state.read_bytes()
            mark = len(w.seen)
            save(answers, answers.read_text(encoding="utf-8") + f"# save {n}\n")
            w.wait_for("  answers.yaml: ")
            set_aside_once(w.seen[mark:], damaged, what)
    assert not any("Traceback" in line for line in w.seen), w.seen
