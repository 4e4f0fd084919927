"""deck-builder push with Anki closed: into a real profile folder through Anki's own engine.

Each test makes a base folder as Anki does (prefs21.db by Anki's ProfileManager, a profile
folder, a collection made by the engine holding one note of the user's own) and points
--anki-connect at a port where nothing listens, as when Anki is closed.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import sys
import time
from pathlib import Path

from anki_desktop import SyncServer, free_port, make_base, own_collection
from conftest import MINE, NEEDS_AQT, Col, closed, contents, held_open, restore
from test_roundtrip import remove_returns_product, replace_in, review_one_card

from deck_builder.push import PushOptions, push_workspace

pytestmark = NEEDS_AQT


def options(base: Path, **more) -> PushOptions:
    return PushOptions(anki_connect=f"http://127.0.0.1:{free_port()}", base=str(base), **more)


def test_push_with_anki_closed_round_trip(example, profile, cli, tmp_path):
    base, collection = profile
    first = cli("push", example, *closed(base))
    assert first.exit_code == 0, first.output
    assert ("Pushed to Anki profile 'User 1', with Anki closed: 47 new, 0 updated, 0 unchanged.\n"
            f"  Its collection: {collection}\n"
            "Checked in Anki: every change arrived.\n") in first.stdout
    backup = Path(re.search(r"Backup first: (.+\.colpkg)\n", first.stdout).group(1))
    assert backup.parent == base / "User 1" / "backups"
    assert "To undo this push, in Anki: File > Switch Profile > Open Backup..., and choose that file." in first.stdout
    assert [f[2][0] for f in restore(backup, tmp_path / "restored.anki2").values()] == [MINE]  # before the push

    with Col(collection) as col:
        studied = review_one_card(col)
    before = contents(collection)
    assert len(before) == 48

    # Edit a point and a fact; push twice within one second.
    t = time.time()
    replace_in(example / "answers.yaml", "12 years in parcel operations", "Twelve years in parcel operations")
    one = push_workspace(str(example), options=options(base), now=t)
    assert one.ok, one.error
    company = example / "companies" / "northwind.yaml"
    fact = re.search(r"^\s+a: (.+)$", company.read_text(encoding="utf-8"), re.M).group(1)
    replace_in(company, f"a: {fact}", f"a: {fact} (checked 2026)")
    two = push_workspace(str(example), options=options(base), now=t)
    assert two.build.plan.build_mod > one.build.plan.build_mod
    assert two.ok, two.error
    assert two.delivery.updated == ["northwind/fact/founded"] and two.delivery.unchanged == 46

    after = contents(collection)
    assert {g: (v[0], v[3]) for g, v in after.items()} == {g: (v[0], v[3]) for g, v in before.items()}
    texts = " ".join(" ".join(v[2]) for v in after.values())
    assert "Twelve years in parcel operations" in texts and "(checked 2026)" in texts
    with Col(collection) as col:
        assert col.db.scalar("select count() from revlog where cid = ?", studied) == 1
        assert col.get_card(studied).reps == 1
    restored = " ".join(" ".join(v[2]) for v in restore(two.delivery.backup, tmp_path / "before.anki2").values())
    assert "Twelve years in parcel operations" in restored and "(checked 2026)" not in restored


def test_a_locked_collection_is_refused_and_nothing_changes(example, profile, cli):
    base, collection = profile
    assert cli("push", example, *closed(base)).exit_code == 0
    replace_in(example / "answers.yaml", "12 years in parcel operations", "Twelve years in parcel operations")
    before = contents(collection)
    backups = sorted((base / "User 1" / "backups").iterdir())
    with held_open(collection):  # by another program, as Anki desktop holds it
        result = cli("push", example, *closed(base))
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: AnkiConnect does not answer at http://127.0.0.1:")
    assert ("so Anki looks closed; the collection of profile 'User 1' is in use (locked): Anki is open without "
            "AnkiConnect answering, or it is syncing. Nothing was changed. Close Anki and push again, or install "
            "AnkiConnect in Anki (Tools > Add-ons > Get Add-ons..., code 2055492159) and push with Anki open\n"
            f"Anki was not changed; the package is written: {example / 'build' / 'Interview Prep.apkg'}\n") in result.stderr
    assert "File > Import" in result.stderr
    assert contents(collection) == before
    assert sorted((base / "User 1" / "backups").iterdir()) == backups
    again = cli("push", example, *closed(base))  # once it is free, the change goes in
    assert again.exit_code == 0 and "0 new, 2 updated, 45 unchanged." in again.stdout


def test_prune_with_anki_closed_deletes_exactly_the_flagged_notes(example, profile, cli):
    base, collection = profile
    assert cli("push", example, *closed(base)).exit_code == 0
    remove_returns_product(example)
    listed = cli("push", example, *closed(base))
    assert "Removed from your files, still in Anki: 1 note (northwind/product/northwind-returns)." in listed.stdout
    before = contents(collection)
    result = cli("push", example, *closed(base, "--prune", "--yes"))
    assert result.exit_code == 0, result.output
    assert "Deleted from Anki, as removed from your files: 1 note.\n  deleted  northwind/product/northwind-returns\n" in result.stdout
    after = contents(collection)
    gone = set(before) - set(after)
    assert len(gone) == 1 and "Returns collection" in " ".join(before[gone.pop()][2])
    with Col(collection) as col:
        assert [col.get_note(n)["Front"] for n in col.find_notes("tag:deck-builder::removed")] == [MINE]


def test_an_edit_made_in_anki_is_kept_or_saved_never_lost_silently(example, profile):
    base, collection = profile
    past = time.time() - 100  # the build before the user's edit in Anki
    assert push_workspace(str(example), options=options(base), now=past).ok
    with Col(collection) as col:
        nid = col.find_notes('"Prompt:*How many parcels*"')[0]
        note = col.get_note(nid)
        note["Answer"] = "About 410,000 (my own wording in Anki)"
        col.update_note(note)
        col.db.execute("update notes set mod = ? where id = ?", int(past) + 50, nid)  # edited after that build
    kept = push_workspace(str(example), options=options(base), now=past + 1)
    assert kept.ok and kept.delivery.kept_anki_edit == ["northwind/fact/daily-volume"]
    assert "my own wording" in " ".join(contents(collection)[_guid(kept, "northwind/fact/daily-volume")][2])

    company = example / "companies" / "northwind.yaml"
    replace_in(company, "a: About 410,000 on an average day", "a: About 420,000 on an average day")
    replaced = push_workspace(str(example), options=options(base))
    assert replaced.ok and replaced.delivery.replaced_anki_edit == ["northwind/fact/daily-volume"]
    saved = (example / ".deck-builder" / "replaced-in-anki.txt").read_text(encoding="utf-8")
    assert "## northwind/fact/daily-volume\n" in saved and "Answer: About 410,000 (my own wording in Anki)" in saved
    from deck_builder.push.report import delivery_report

    text = "\n".join(delivery_report(replaced.delivery))
    assert "Your files replaced edits made in Anki to 1 note: northwind/fact/daily-volume." in text
    assert f"What Anki had is kept in {example / '.deck-builder' / 'replaced-in-anki.txt'}" in text


def _guid(result, label: str) -> str:
    return next(p.guid for p in result.build.plan.notes if p.label == label)


def test_a_profile_kept_at_the_legacy_format_stays_there(example, tmp_path, cli):
    base = tmp_path / "Anki2"
    make_base(base, ("User 1",))
    from anki.collection import Collection

    path = base / "User 1" / "collection.anki2"
    Collection(str(path)).close(downgrade=True)  # Anki's "Downgrade & Quit"
    assert _version(path) == 11
    result = cli("push", example, *closed(base))
    assert result.exit_code == 0, result.output
    assert _version(path) == 11 and len(contents(path)) == 47


def _version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("select ver from col").fetchone()[0]
    finally:
        conn.close()


def _set_version(path: Path, version: int) -> str:
    conn = sqlite3.connect(path)
    conn.execute("update col set ver = ?", (version,))
    conn.commit()
    conn.close()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_refuses_to_upgrade_a_collection_past_what_the_users_anki_reads(example, tmp_path, cli):
    base = tmp_path / "Anki2"
    make_base(base, ("User 1",), last_run_version=44)  # Anki 2.1.44 ran last
    path = base / "User 1" / "collection.anki2"
    own_collection(path, MINE)
    digest = _set_version(path, 17)  # the format 2.1.44 writes (it cannot open 18, measured)
    result = cli("push", example, *closed(base))
    assert result.exit_code == 1
    assert ("importing would upgrade the collection of profile 'User 1' to a format that Anki 2.1.44 cannot open; "
            "nothing was changed. Update Anki (2.1.45 or later) and open the profile once, or push with Anki open "
            "and AnkiConnect installed") in result.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert not (base / "User 1" / "backups").exists()


def test_refuses_a_collection_newer_than_its_engine(example, profile, cli):
    base, collection = profile
    digest = _set_version(collection, 99)
    result = cli("push", example, *closed(base))
    assert result.exit_code == 1
    assert ("the collection of profile 'User 1' was written by a newer Anki than deck-builder's Anki engine") in result.stderr
    assert "pip install -U 'deck-builder[anki]'" in result.stderr
    assert hashlib.sha256(collection.read_bytes()).hexdigest() == digest


def test_without_the_anki_extra_push_says_how_to_install_it(example, profile, cli, monkeypatch):
    base, collection = profile
    before = collection.read_bytes()
    for name in [m for m in sys.modules if m == "anki" or m.startswith("anki.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "anki", None)  # as if `pip install deck-builder` only
    result = cli("push", example, *closed(base))
    assert result.exit_code == 1
    assert ("so Anki looks closed; importing with Anki closed needs Anki's engine, which is not installed: run  "
            "pip install 'deck-builder[anki]'  (or open Anki with AnkiConnect installed)") in result.stderr
    assert (example / "build" / "Interview Prep.apkg").is_file()
    assert collection.read_bytes() == before


def test_the_profile_is_the_one_anki_would_open(example, tmp_path, cli):
    base = tmp_path / "Anki2"
    make_base(base, ("User 1", "Work"), last="Work")
    for name in ("User 1", "Work"):
        own_collection(base / name / "collection.anki2", MINE)
    assert "Anki profile 'Work'" in cli("push", example, *closed(base)).stdout
    assert "Anki profile 'User 1'" in cli("push", example, *closed(base, "--profile", "user 1")).stdout
    wrong = cli("push", example, *closed(base, "--profile", "Home"))
    assert wrong.exit_code == 1
    assert f"--profile Home: Anki has no such profile in {base} (its profiles: 'User 1', 'Work')" in wrong.stderr


def test_sync_with_anki_closed_uses_the_profiles_login(example, tmp_path, cli):
    with SyncServer(tmp_path / "sync") as server:
        base = tmp_path / "Anki2"
        make_base(base, ("User 1",), sync={"profile": "User 1", "key": server.key, "url": server.url})
        own_collection(base / "User 1" / "collection.anki2", MINE)
        server.upload(base / "User 1" / "collection.anki2")
        result = cli("push", example, *closed(base, "--sync"))
        assert result.exit_code == 0, result.output
        assert f"Synced with {server.url}: your phone gets the changes at its next sync." in result.stdout
        phone = server.download(tmp_path / "phone.anki2")
        try:
            assert phone.note_count() == 48
        finally:
            phone.close()


def test_sync_with_anki_closed_without_network_keeps_the_import(example, tmp_path, cli):
    base = tmp_path / "Anki2"
    url = f"http://127.0.0.1:{free_port()}/"  # nothing listens: as with no network
    make_base(base, ("User 1",), sync={"profile": "User 1", "key": "stored-login", "url": url})
    own_collection(base / "User 1" / "collection.anki2", MINE)
    result = cli("push", example, *closed(base, "--sync"))
    assert result.exit_code == 1
    assert "with Anki closed: 47 new, 0 updated, 0 unchanged." in result.stdout
    assert (f"error: nothing answers at {url}; is the server running? Your cards are pushed into Anki profile 'User 1', "
            "not yet synced; push --sync again once that is fixed\n") in result.stderr
    assert len(contents(base / "User 1" / "collection.anki2")) == 48


def test_sync_with_a_profile_never_logged_in(example, profile, cli):
    base, _ = profile
    result = cli("push", example, *closed(base, "--sync"))
    assert result.exit_code == 1
    assert ("error: profile 'User 1' is not logged in to AnkiWeb: open Anki, click Sync and log in once; after that "
            "push --sync syncs for you") in result.stderr


def test_watch_push_with_anki_closed_backs_up_once(example, profile, tmp_path):
    from test_watch import Watcher

    base, collection = profile
    w = Watcher(example, example / "build" / "deck.apkg", "--push", *closed(base))
    try:
        w.wait_for("built: ")
        assert "in Anki: 47 new, 0 updated, 0 unchanged" in w.wait_for("in Anki: ")
        w.wait_for("Watching")
        replace_in(example / "answers.yaml", "12 years in parcel operations", "Twelve years in parcel operations")
        w.wait_for("answers.yaml: ")
        assert "in Anki: 0 new, 2 updated, 45 unchanged" in w.wait_for("in Anki: ")
    finally:
        w.proc.terminate()
        w.proc.wait(timeout=30)
    assert len(list((base / "User 1" / "backups").glob("*.colpkg"))) == 1  # before the first push only
    assert "Twelve years in parcel operations" in " ".join(" ".join(v[2]) for v in contents(collection).values())


def test_a_build_whose_renamed_notes_would_start_over_is_not_pushed_unless_asked(example, profile, cli):
    base, collection = profile
    assert cli("push", example, *closed(base)).exit_code == 0
    before = contents(collection)
    (example / "companies" / "northwind.yaml").rename(example / "companies" / "northwind-parcel.yaml")
    refused = cli("push", example, *closed(base))
    assert refused.exit_code == 1
    assert "Renamed? 33 cards would start over" in refused.stdout
    assert refused.stderr == ("error: nothing was built or pushed: 33 cards of the renames above would start over "
                              "in Anki; add the lines it gives and push again (or push --yes to push anyway)\n")
    assert contents(collection) == before  # Anki untouched
    company = example / "companies" / "northwind-parcel.yaml"
    company.write_text("renamed_from: northwind\n" + company.read_text(encoding="utf-8"), encoding="utf-8")
    kept = cli("push", example, *closed(base))
    assert kept.exit_code == 0, kept.output
    after = contents(collection)
    assert set(after) == set(before)  # the same notes, no new copies
    assert {g: (v[0], v[3]) for g, v in after.items()} == {g: (v[0], v[3]) for g, v in before.items()}


def test_a_rename_found_by_an_earlier_build_is_not_pushed_unless_asked(example, profile, cli, tmp_path):
    # build first, push later: the build recorded the rename, so this push's own build finds
    # nothing new; Anki still holds the old notes and not the new ones, so it would start over.
    base, collection = profile
    assert cli("push", example, *closed(base)).exit_code == 0
    before = contents(collection)
    (example / "companies" / "northwind.yaml").rename(example / "companies" / "northwind-parcel.yaml")
    built = cli("build", example)
    assert built.exit_code == 0 and "Renamed? 33 cards would start over" in built.stdout
    refused = cli("push", example, *closed(base))
    assert refused.exit_code == 1, refused.output
    assert ("error: nothing was pushed: 33 cards in Anki would start over (renamed?); deck-builder diff says how "
            "to keep their history, deck-builder push --yes pushes anyway") in refused.stderr
    assert contents(collection) == before  # Anki untouched
    assert not (base / "User 1" / "backups").exists() or len(list((base / "User 1" / "backups").glob("*"))) == 1

    # A profile that never had the old notes loses nothing: that push goes ahead.
    fresh = tmp_path / "Fresh"
    make_base(fresh, ("User 1",))
    own_collection(fresh / "User 1" / "collection.anki2", MINE)
    assert cli("push", example, *closed(fresh)).exit_code == 0

    forced = cli("push", example, *closed(base), "--yes")
    assert forced.exit_code == 0, forced.output
    assert len(contents(collection)) == len(before) + 23  # the 23 new notes (33 cards); the old ones flagged
    again = cli("push", example, *closed(base))  # Anki has the new notes now: nothing left to lose
    assert again.exit_code == 0, again.output
