"""Promises about files and Anki that a refactor could break without the suite noticing (issue 17).

The package and the state are replaced atomically, even for a reader holding the old ones open
and for two builds of one workspace at once; two pushes within one second keep two backups,
each undoing its own push; --prune never deletes a note the user took the removed tag off;
watch --push backs up once, on its first push that works.

Each test fails for the refactor-style bugs of scripts/mutants.py's section "refactor-style
bugs: atomic writes, backups, prune (issue 17)", which the suite before them let through.
Real files, real processes (stopped at chosen steps of their writes by an audit hook, never
mocked), the real Anki engine and a real closed Anki profile.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from conftest import (
    MINE,
    NEEDS_AQT,
    AnkiCollection,
    Col,
    closed,
    contents,
    held_open,
    restore,
)
from test_promises import FILES, edit, remove_product, temporaries
from test_roundtrip import replace_in

from deck_builder.apkg.plan import REMOVED_TAG
from deck_builder.apkg.state import load_state, state_path
from deck_builder.build import build_deck
from deck_builder.cards.derive import note_guid

WAIT = 120  # seconds: a bound for a build or a push on a loaded machine, not a speed target


# -- a real build, stopped at the steps of its writes ---------------------------------------------

# Runs `deck-builder ARGS...` with an audit hook. DB_FOLDERS names folders ({"package": DIR,
# "state": DIR}). In the folder NAME, the step NAME-writing is the first audited event after the
# first file there is opened for writing (the new file is being written), NAME-replaced the
# first one after the first rename into it (the new file is in place). At a step listed in
# DB_STOPS the build creates DB_SYNC/STEP.PID and waits for DB_SYNC/STEP.go. Before each rename
# into a folder it copies the file it renames to DB_SYNC/NAME.PID.bytes: what it put in place.
STEPPED_BUILD = r"""
import json, os, sys, time

sync = os.environ["DB_SYNC"]
folders = {os.path.realpath(path): name for name, path in json.loads(os.environ["DB_FOLDERS"]).items()}
stops = set(json.loads(os.environ["DB_STOPS"]))
pid = os.getpid()
seen, due, busy = set(), [], []


def folder_of(path):
    if isinstance(path, int):  # a file descriptor
        return None
    return folders.get(os.path.dirname(os.path.realpath(os.fsdecode(path))))


def stop(step):
    open(os.path.join(sync, f"{step}.{pid}"), "w").close()
    go, deadline = os.path.join(sync, f"{step}.go"), time.monotonic() + 300
    while not os.path.exists(go) and time.monotonic() < deadline:  # bounded: never hang a test run
        time.sleep(0.005)


def hook(event, args):
    if busy:  # the hook's own file operations
        return
    busy.append(event)
    try:
        while due:
            stop(due.pop(0))
        if event == "open" and args[2] & (os.O_WRONLY | os.O_RDWR):
            name, step = folder_of(args[0]), "writing"
        elif event == "os.rename":  # os.rename and os.replace
            name, step = folder_of(args[1]), "replaced"
            if name:
                with open(args[0], "rb") as src, open(os.path.join(sync, f"{name}.{pid}.bytes"), "wb") as dst:
                    dst.write(src.read())
        else:
            return
        step = f"{name}-{step}"
        if name and step not in seen:
            seen.add(step)
            if step in stops:
                due.append(step)
    finally:
        busy.pop()


sys.addaudithook(hook)
sys.argv = ["deck-builder", *sys.argv[1:]]
from deck_builder.__main__ import run

run()
"""


def stepped_build(ws: Path, out: Path, sync: Path, stops: list[str]) -> subprocess.Popen:
    """`deck-builder build WS -o OUT` in a process that stops at STOPS until go(step)."""
    sync.mkdir(exist_ok=True)
    env = dict(os.environ, DB_SYNC=str(sync), DB_STOPS=json.dumps(stops),
               DB_FOLDERS=json.dumps({"package": str(out.parent), "state": str(state_path(ws).parent)}))
    return subprocess.Popen([sys.executable, "-c", STEPPED_BUILD, "build", str(ws), "-o", str(out)], cwd=ws.parent,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def waiting_at(proc: subprocess.Popen, sync: Path, steps: list[str]) -> str | None:
    """The step of STEPS at which PROC waits now (it said so, and was not told to go yet)."""
    return next((s for s in steps if (sync / f"{s}.{proc.pid}").exists() and not (sync / f"{s}.go").exists()), None)


def wait_at_a_step(procs: list[subprocess.Popen], sync: Path, steps: list[str]) -> list[str | None]:
    """Until each of PROCS waits at one of STEPS or has ended -> the step each waits at (None: ended)."""
    deadline = time.monotonic() + WAIT
    while True:
        at = [waiting_at(p, sync, steps) for p in procs]
        if all(step is not None or p.poll() is not None for p, step in zip(procs, at)):
            return [waiting_at(p, sync, steps) for p in procs]  # again: one may have stopped as it ended
        assert time.monotonic() < deadline, f"no step of {steps} reached within {WAIT}s"
        time.sleep(0.01)


def go(step: str, sync: Path) -> None:
    (sync / f"{step}.go").touch()


def finish(procs: list[subprocess.Popen], failed: bool = False) -> list[tuple[int, str]]:
    """Wait for PROCS (killed at once if the test FAILED, or if they outlive WAIT) -> (exit
    status, stderr) of each."""
    try:
        if failed:
            for p in procs:
                p.kill()
        errs = [p.communicate(timeout=WAIT)[1] for p in procs]
        return [(p.returncode, err) for p, err in zip(procs, errs)]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def put_in_place(name: str, procs: list[subprocess.Popen], sync: Path) -> set[bytes]:
    """What each of PROCS renamed into the folder NAME (the file it wrote whole)."""
    kept = [sync / f"{name}.{p.pid}.bytes" for p in procs]
    assert all(f.exists() for f in kept), f"not every build put its {name} in place by a rename: {kept}"
    return {f.read_bytes() for f in kept}


def package_notes(package: zipfile.ZipFile, scratch: Path) -> dict[str, str]:
    """GUID -> fields of every note in PACKAGE's collection, read through that open zip."""
    db = scratch / "read.anki2"
    db.write_bytes(package.read("collection.anki2"))
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("select guid, flds from notes"))
    finally:
        conn.close()
        db.unlink()


# -- the package and the state are replaced atomically ------------------------------------------

def test_a_reader_holding_the_old_package_and_state_reads_them_whole_while_a_rebuild_replaces_them(example, tmp_path):
    out = tmp_path / "out" / "deck.apkg"
    state = state_path(example)
    first = build_deck(str(example), out)
    old_package, old_state = out.read_bytes(), state.read_bytes()
    old_notes = {n.guid for n in first.plan.notes}
    edit(example / "answers.yaml", "12 years in parcel operations", "Twelve years in parcel operations")

    steps = ["package-writing", "package-replaced", "state-writing", "state-replaced"]
    reached = []
    sync = tmp_path / "sync"
    with open(out, "rb") as package, zipfile.ZipFile(out) as opened, open(state, "rb") as held_state:

        def held_ones_whole(when: str) -> None:
            package.seek(0)
            assert package.read() == old_package, f"{when}: the package a reader holds open changed under it"
            assert opened.testzip() is None, when
            assert set(package_notes(opened, tmp_path)) == old_notes, when
            held_state.seek(0)
            assert held_state.read() == old_state, f"{when}: the state a reader holds open changed under it"

        proc = stepped_build(example, out, sync, steps)
        try:
            while len(reached) < len(steps):
                (step,) = wait_at_a_step([proc], sync, [s for s in steps if s not in reached])
                if step is None:
                    break  # the build ended without the other steps: what it left is checked below
                reached.append(step)
                held_ones_whole(f"at {step}")
                if step == "package-writing":  # a new file is being written: the old one is still there
                    assert out.read_bytes() == old_package
                elif step == "package-replaced":  # the new one appears complete
                    with zipfile.ZipFile(out) as new:
                        assert new.testzip() is None
                        fields = package_notes(new, tmp_path)
                    assert set(fields) == old_notes and "Twelve years" in " ".join(fields.values())
                elif step == "state-writing":
                    assert state.read_bytes() == old_state
                else:
                    written = json.loads(state.read_bytes())  # complete: parses, with every note
                    assert set(written["notes"]) == old_notes
                    assert "Twelve years" in json.dumps(written["notes"])
                go(step, sync)
        except BaseException:
            finish([proc], failed=True)  # a build still waiting at a step is not waited for
            raise
        ((code, err),) = finish([proc])
        assert (code, err) == (0, ""), err
        held_ones_whole("after the rebuild")
    assert reached == steps, f"the rebuild did not write through a file renamed into place: it reached only {reached}"
    assert temporaries(out.parent, state.parent) == []
    assert load_state(example, "state")[1] == []


def test_two_builds_of_one_workspace_at_once_never_corrupt_the_package_or_the_state(example, tmp_path):
    out = example / "build" / "deck.apkg"
    state = state_path(example)
    build_deck(str(example), out)
    years = 12
    for round_ in range(3):  # an edit, then two builds started together, writing at the same moments
        edit(example / "answers.yaml", f"{years} years in parcel operations", f"{years + 1} years in parcel operations")
        years += 1
        sync = tmp_path / f"sync-{round_}"
        procs = [stepped_build(example, out, sync, ["package-writing", "state-writing"]) for _ in range(2)]
        try:
            steps = ["package-writing", "state-writing"]
            for i, step in enumerate(steps):
                at = wait_at_a_step(procs, sync, steps[i:])
                if at != [step, step]:
                    ended = finish(procs, failed=True)
                    raise AssertionError(f"round {round_}: the two builds were at {at}, not both at {step}: {ended}")
                go(step, sync)  # both write their file now, each having opened it
        except BaseException:
            finish(procs, failed=True)
            raise
        ended = finish(procs)
        assert ended == [(0, ""), (0, "")], f"round {round_}: {ended}"

        kept = {name: put_in_place(name, procs, sync) for name in ("package", "state")}
        assert out.read_bytes() in kept["package"], f"round {round_}: the package is neither build's"
        assert state.read_bytes() in kept["state"], f"round {round_}: the state is neither build's"
        loaded, problems = load_state(example, "state")
        assert problems == [] and len(loaded.notes) == 47
        with zipfile.ZipFile(out) as z:
            assert z.testzip() is None
        (tmp_path / f"anki-{round_}").mkdir()
        anki = AnkiCollection(tmp_path / f"anki-{round_}" / "collection.anki2")
        try:
            log = anki.import_package(out)
            assert (len(log.new), log.conflicting) == (47, [])
            assert any(f"{years} years in parcel operations" in f for n in anki.notes() for f in n.fields)
        finally:
            anki.close()
        assert sorted(p.name for p in out.parent.iterdir()) == ["deck.apkg"]  # no temporary file left
        assert sorted(p.name for p in state.parent.iterdir()) == ["state.json"]


# -- every push with Anki closed keeps a backup of its own ---------------------------------------

def backup_printed(stdout: str) -> Path:
    assert "To undo this push, in Anki: File > Switch Profile > Open Backup..., and choose that file." in stdout
    return Path(re.search(r"^Backup first: (.+\.colpkg)$", stdout, re.M).group(1))


def backup_name_at(t: float) -> str:
    """The name Anki gives a backup made at T (its local time, to the second)."""
    return time.strftime("backup-%Y-%m-%d-%H.%M.%S.colpkg", time.localtime(t))


def start_of_a_second() -> None:
    second = int(time.time())
    while int(time.time()) == second:  # bounded: a second at most
        time.sleep(0.002)


@NEEDS_AQT
def test_two_pushes_within_one_second_keep_two_backups_each_undoing_its_own_push(workspace, profile, cli, tmp_path):
    base, collection = profile
    ws = workspace(FILES)  # small: a push takes a few hundredths of a second
    days, pushes, within_one_second = 9, 0, 0
    for round_ in range(8):
        if within_one_second == 2:
            break
        before_one = contents(collection)
        edit(ws / "answers.yaml", f"backlog in {days} days", f"backlog in {days + 1} days")
        start_of_a_second()
        one = cli("push", ws, *closed(base))
        between = contents(collection)
        edit(ws / "answers.yaml", f"backlog in {days + 1} days", f"backlog in {days + 2} days")
        days += 2
        started = time.time()
        two = cli("push", ws, *closed(base))
        pushes += 2
        assert one.exit_code == 0 and two.exit_code == 0, one.output + two.output
        first, second = backup_printed(one.stdout), backup_printed(two.stdout)
        if backup_name_at(started) == first.name:
            within_one_second += 1  # the second push began in the second the first one backed up in
        assert first != second, f"round {round_}: two pushes printed the same backup {first}"
        assert first.is_file() and second.is_file()
        assert restore(first, tmp_path / f"undo-{round_}-one.anki2") == before_one
        assert restore(second, tmp_path / f"undo-{round_}-two.anki2") == between
        assert len(list(first.parent.glob("backup-*.colpkg"))) == pushes
    assert within_one_second >= 1, "no two pushes fell within one second: the machine was too slow to test this"


# -- --prune deletes only what still carries the removed tag -------------------------------------

@NEEDS_AQT
def test_prune_keeps_a_removed_note_the_user_took_the_removed_tag_off(workspace, profile, cli):
    base, collection = profile
    ws = workspace(FILES)
    assert cli("push", ws, *closed(base)).exit_code == 0
    remove_product(ws)
    edit(ws / "companies/acme.yaml", "people:\n  - id: ceo\n    name: Dana Okafor\n    role: Chief Executive\n", "")
    listed = cli("push", ws, *closed(base))
    assert listed.exit_code == 0, listed.output
    assert ("Removed from your files, still in Anki: 2 notes (acme/product/next-day, acme/person/ceo)."
            in listed.stdout)
    kept, deleted = note_guid("product", "acme", "next-day"), note_guid("person", "acme", "ceo")
    # The user's edit comes no earlier than the build's time, as an edit by hand does: a build within
    # the second of the one before gives its notes the next second, and an import replaces an edit
    # in Anki that is older than the incoming note (one made before that second would be re-tagged).
    sent = load_state(ws, "state")[0].last_mod
    deadline = time.monotonic() + 10
    while time.time() < sent:
        assert time.monotonic() < deadline, f"the last build's time {sent} is far ahead of the clock"
        time.sleep(0.01)
    with Col(collection) as col:  # the user keeps the product on purpose: takes the tag off in Anki
        (nid,) = [n for n in col.find_notes(f"tag:{REMOVED_TAG}") if col.get_note(n).guid == kept]
        note = col.get_note(nid)
        note.remove_tag(REMOVED_TAG)
        col.update_note(note)
    before = contents(collection)

    pruned = subprocess.run([sys.executable, "-m", "deck_builder", "push", str(ws), *closed(base, "--prune")],
                            input="y\n", capture_output=True, text=True, timeout=WAIT)
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    assert "Removed from your files, and in Anki: 1 note:\n  acme/person/ceo\nDelete them from Anki? [y/N]: y\n" \
        in pruned.stdout
    assert "Deleted from Anki, as removed from your files: 1 note.\n  deleted  acme/person/ceo\n" in pruned.stdout
    after = contents(collection)
    assert set(before) - set(after) == {deleted}  # the note still tagged, and nothing else
    assert after[kept] == before[kept]  # the one the user kept, as they left it
    with Col(collection) as col:
        assert REMOVED_TAG not in col.get_note(nid).tags
        assert [col.get_note(n)["Front"] for n in col.find_notes(f"tag:{REMOVED_TAG}")] == [MINE]


# -- watch --push backs up once, on its first push that worked -----------------------------------

@NEEDS_AQT
def test_watch_push_backs_up_once_even_when_its_first_push_failed(example, profile, tmp_path):
    from test_watch import Watcher

    base, collection = profile
    untouched = contents(collection)
    backups = base / "User 1" / "backups"
    w = None
    try:
        with held_open(collection):  # Anki is open without AnkiConnect: the first push cannot get in
            w = Watcher(example, tmp_path / "deck.apkg", "--push", *closed(base))
            w.wait_for("built: ")
            failed = w.wait_for("not in Anki: ")
            assert "is in use (locked)" in failed, failed
            w.wait_for("Watching")
        assert not backups.exists() or list(backups.iterdir()) == []
        # Anki is closed now: the next pushes get in, and the first of them backs up
        replace_in(example / "answers.yaml", "12 years in parcel operations", "Twelve years in parcel operations")
        w.wait_for("answers.yaml: ")
        assert "  in Anki: 47 new, 0 updated, 0 unchanged" in w.wait_for("  in Anki: ")
        assert len(list(backups.glob("backup-*.colpkg"))) == 1, "the first push that worked made no backup"
        replace_in(example / "companies" / "northwind.yaml", "About 410,000 on an average day",
                   "About 420,000 on an average day")
        w.wait_for("northwind.yaml: ")
        assert "  in Anki: 0 new, 1 updated, 46 unchanged" in w.wait_for("  in Anki: ")
    finally:
        if w is not None:
            w.proc.send_signal(signal.SIGINT)
            w.proc.wait(timeout=WAIT)
    (backup,) = backups.glob("backup-*.colpkg")  # one, made before the first push that got in
    assert restore(backup, tmp_path / "undo.anki2") == untouched
