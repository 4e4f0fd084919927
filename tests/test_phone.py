"""The phone, with or without Anki desktop (issue 15): Anki's real sync server
(`python -m anki.syncserver` on 127.0.0.1) stands in for AnkiWeb, and a second collection that
syncs with it, as AnkiDroid does, stands in for the phone.

Every test keeps deck-builder's data folder in tmp_path ($XDG_DATA_HOME) and $HOME there too,
so no Anki desktop folder is found unless the test makes one; nothing listens where
AnkiConnect would.
"""

from __future__ import annotations

import http.server
import json
import re
import socket
import stat
import threading
from pathlib import Path

import pytest
from anki_desktop import SyncServer, free_port, make_base, own_collection
from click.testing import CliRunner
from conftest import MINE, NEEDS_AQT, contents
from test_roundtrip import remove_returns_product, replace_in, review_one_card

from deck_builder.cli import main
from deck_builder.push.own import Login, save_login

EDIT = ("12 years in parcel operations", "Twelve years in parcel operations")
NEW_FACT = ("facts:\n", "facts:\n  - id: fleet\n    q: How many vans does Northwind run?\n"
            "    a: About 1,200 vans from 14 depots.\n\n")


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """deck-builder's data folder, in tmp_path; no Anki desktop folder anywhere."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ANKI_BASE", raising=False)
    return tmp_path / "data" / "deck-builder"


def run(*args, input: str | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def push(workspace: Path, *more, input: str | None = None):
    """deck-builder push, with Anki desktop closed (nothing answers where AnkiConnect would)."""
    return run("push", workspace, "--anki-connect", f"http://127.0.0.1:{free_port()}", *more, input=input)


def login_to(url: str):
    return run("login", "--username", "job-seeker", "--sync-url", url, input="secret\n")


def login(server: SyncServer, *more, password: str | None = None):
    return run("login", "--username", server.user, "--sync-url", server.url, *more,
               input=(server.password if password is None else password) + "\n")


class Phone:
    """A second device: its own collection, syncing with the server as AnkiDroid does
    (a full sync the server asks for goes the way the phone's user would choose it)."""

    def __init__(self, path: Path, server: SyncServer):
        from anki.collection import Collection

        path.parent.mkdir(parents=True, exist_ok=True)
        self.col = Collection(str(path))
        self.auth = self.col.sync_login(server.user, server.password, server.url)

    def sync(self) -> int:
        col = self.col
        out = col.sync_collection(self.auth, False)
        if out.required in (out.FULL_SYNC, out.FULL_DOWNLOAD, out.FULL_UPLOAD):
            col.close_for_full_sync()
            try:
                col.full_upload_or_download(auth=self.auth, server_usn=None, upload=out.required == out.FULL_UPLOAD)
            finally:
                col.reopen(after_full_sync=True)
        return out.required

    def add_own(self, deck: str = "Spanish", text: str = "hola") -> int:
        note = self.col.new_note(self.col.models.by_name("Basic"))
        note["Front"], note["Back"] = text, "hello"
        self.col.add_note(note, self.col.decks.id_for_name(deck))
        return note.id

    def review(self, deck: str) -> int:
        return review_one_card(self.col, deck)

    def ours(self) -> dict[str, tuple[int, tuple[int, ...]]]:
        """GUID -> (note id, card ids) of deck-builder's notes."""
        out = {}
        for nid in self.col.find_notes("tag:deck-builder"):
            note = self.col.get_note(nid)
            out[note.guid] = (nid, tuple(sorted(note.card_ids())))
        return out

    def text(self) -> str:
        return " ".join(" ".join(self.col.get_note(n).fields) for n in self.col.find_notes(""))

    def reviews(self, cid: int | None = None) -> int:
        if cid is None:
            return self.col.db.scalar("select count() from revlog")
        return self.col.db.scalar("select count() from revlog where cid = ?", cid)

    def suspended(self, search: str) -> list[bool]:
        return [self.col.get_card(c).queue == -1 for c in self.col.find_cards(search)]

    def dupes(self) -> list:
        return dupes(self.col)

    def close(self) -> None:
        self.col.close()


def dupes(col) -> list:
    """What Anki's Browse > Notes > Find Duplicates finds among our notes, on each note type's first field."""
    import anki.lang

    anki.lang.set_lang("en")  # find_dupes strips HTML with the translations' help
    names = {m["flds"][0]["name"] for m in col.models.all()}
    return [d for name in names for d in col.find_dupes(name, "tag:deck-builder")]


pytestmark = NEEDS_AQT


def test_phone_only_login_and_push_keeps_the_phones_deck_and_history(example, home, tmp_path):
    with SyncServer(tmp_path / "sync") as server:
        phone = Phone(tmp_path / "phone" / "collection.anki2", server)
        try:
            _phone_only(example, home, server, phone)
        finally:
            phone.close()


def _phone_only(example, home, server, phone):
    mine = phone.add_own()
    mine_card = phone.review("Spanish")
    assert phone.sync() == 4  # FULL_UPLOAD: the phone's first sync fills the new server

    logged = login(server)
    assert logged.exit_code == 0, logged.output
    assert logged.stdout == (
        f"Logged in to {server.url} as {server.user}.\n"
        f"  deck-builder's own collection: {home / 'collection.anki2'}\n"
        f"  Its sync key (not your password), readable by you alone: {home / 'login.json'}\n"
        f"deck-builder push --sync now puts your cards on {server.url}; your phone gets them at its next sync.\n")
    kept = home / "login.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert server.password not in kept.read_text() and json.loads(kept.read_text())["hkey"]

    unasked = push(example, "--sync")  # no terminal to answer the first-sync question
    assert unasked.exit_code == 1
    assert (f"{server.url} holds your collection and this one is new: download it (your other decks and reviews are "
            "kept)?\nNot answered (no terminal): give --yes to agree.\n") in unasked.stdout
    assert (f"error: not agreed to download your collection from {server.url} (answer yes, or give --yes). Nothing "
            f"was pushed: a new collection takes your collection from {server.url} before it takes cards\n"
            ) in unasked.stderr

    first = push(example, "--sync", "--yes")
    assert first.exit_code == 0, first.output
    assert ("Pushed to deck-builder's own collection: 47 new, 0 updated, 0 unchanged.\n"
            f"  Its collection: {home / 'collection.anki2'}\n"
            "  No Anki desktop folder was found, so push uses deck-builder's own collection\n") in first.stdout
    assert ("  It holds the collection as it was; Anki can restore it (desktop: File > Import; AnkiDroid: Import, "
            "Collection package).\n") in first.stdout
    assert (f"Downloaded your collection from {server.url} first.\n"
            f"Synced with {server.url}: your phone gets the changes at its next sync.\n") in first.stdout
    phone.sync()
    assert len(phone.ours()) == 47
    assert phone.col.get_note(mine)["Front"] == "hola" and phone.reviews(mine_card) == 1  # the phone's own, kept
    studied = phone.review("Interview Prep")
    phone.sync()
    before = phone.ours()

    # Three regenerations: an edit, a new fact, a removed product.
    replace_in(example / "answers.yaml", *EDIT)
    edited = push(example, "--sync")
    assert edited.exit_code == 0, edited.output
    assert "0 new, 2 updated, 45 unchanged." in edited.stdout
    phone.sync()
    assert phone.ours() == before and "Twelve years in parcel operations" in phone.text()

    replace_in(example / "companies" / "northwind.yaml", *NEW_FACT)
    added = push(example, "--sync")
    assert added.exit_code == 0, added.output
    assert "1 new, 0 updated, 47 unchanged." in added.stdout
    phone.sync()
    now = phone.ours()
    assert {g: now[g] for g in before} == before and len(now) == 48
    assert "About 1,200 vans from 14 depots." in phone.text()

    original = remove_returns_product(example)
    removed = push(example, "--sync")
    assert removed.exit_code == 0, removed.output
    assert ("Removed from your files, still in Anki: 1 note (northwind/product/northwind-returns).\n"
            "  push --prune deletes them (or search  tag:deck-builder::removed  in Anki's Browse).\n"
            "  Their 1 card is suspended, so they leave your review queue.\n") in removed.stdout
    phone.sync()
    assert phone.ours() == now  # flagged, not deleted: the same note and card
    assert phone.suspended("tag:deck-builder::removed") == [True]
    returns = f"nid:{phone.col.find_notes('tag:deck-builder::removed')[0]}"
    assert phone.suspended("tag:deck-builder -tag:deck-builder::removed").count(True) == 0
    assert phone.reviews(studied) == 1 and phone.reviews(mine_card) == 1 and phone.reviews() == 2
    assert phone.dupes() == []
    assert phone.col.get_note(mine)["Front"] == "hola"

    (example / "companies" / "northwind.yaml").write_text(
        original, encoding="utf-8")  # the product comes back
    back = push(example, "--sync")
    assert back.exit_code == 0, back.output
    assert "Back in your files, and back in your review queue: northwind/product/northwind-returns." in back.stdout
    phone.sync()
    assert phone.suspended(returns) == [False]
    assert phone.ours() == now

    # A card the user suspended on the phone stays suspended when its item comes back.
    cid = phone.col.find_cards(returns)
    phone.col.sched.suspend_cards(cid)
    phone.sync()
    remove_returns_product(example)
    assert push(example, "--sync").exit_code == 0
    (example / "companies" / "northwind.yaml").write_text(original, encoding="utf-8")
    again = push(example, "--sync")
    assert again.exit_code == 0, again.output
    phone.sync()
    assert phone.suspended(returns) == [True]
    assert phone.ours() == now and phone.dupes() == []

    assert run("logout").stdout == f"Logged out: the sync key in {home} is deleted; the collection there stays.\n"
    assert not kept.exists()
    assert run("logout").stdout == "Not logged in: there was no sync key to forget.\n"


def test_the_first_sync_to_an_empty_server_uploads_after_one_question(example, home, tmp_path):
    with SyncServer(tmp_path / "sync") as server:
        assert login(server).exit_code == 0
        unasked = push(example, "--sync")
        assert unasked.exit_code == 1
        assert (f"{server.url} has no collection yet: upload this one to it?\n"
                "Not answered (no terminal): give --yes to agree.\n") in unasked.stdout
        assert "Pushed to deck-builder's own collection: 47 new" in unasked.stdout  # in, not synced
        assert (f"error: not synced: {server.url} is empty and only an upload can fill it (answer yes, or give "
                "--yes). Your cards are pushed into deck-builder's own collection, not yet synced; push --sync "
                "again once that is fixed\n") in unasked.stderr
        uploaded = push(example, "--sync", "--yes")
        assert uploaded.exit_code == 0, uploaded.output
        assert (f"Uploaded the collection to {server.url}, which was empty.\n"
                f"Synced with {server.url}: your phone gets the changes at its next sync.\n") in uploaded.stdout
        assert re.search(r"Backup first: .+\.colpkg\n", uploaded.stdout)
        phone = Phone(tmp_path / "phone.anki2", server)
        try:
            assert phone.sync() == 3  # FULL_DOWNLOAD: a new phone gets the server's collection
            assert len(phone.ours()) == 47
        finally:
            phone.close()


def test_a_closed_anki_profile_on_a_self_hosted_server_uploads_to_it_when_empty(example, home, tmp_path):
    with SyncServer(tmp_path / "sync") as server:
        base = tmp_path / "Anki2"
        make_base(base, ("User 1",), sync={"profile": "User 1", "key": server.key, "url": server.url})
        own_collection(base / "User 1" / "collection.anki2", MINE)
        result = push(example, "--base", base, "--sync", "--yes")
        assert result.exit_code == 0, result.output
        assert f"{server.url} has no collection yet: upload this one to it?\nYes (--yes).\n" in result.stdout
        assert f"Synced with {server.url}: your phone gets the changes" in result.stdout
        assert "AnkiWeb" not in result.output
        phone = Phone(tmp_path / "phone.anki2", server)
        try:
            phone.sync()
            assert len(phone.ours()) == 48 and MINE in phone.text()  # the user's own note carries our tag too
        finally:
            phone.close()


def test_both_sides_changed_is_refused_with_counts_then_each_full_sync(example, home, tmp_path, monkeypatch):
    with SyncServer(tmp_path / "sync") as server:
        phone = Phone(tmp_path / "phone.anki2", server)
        try:
            phone.add_own()
            phone.review("Spanish")
            phone.sync()  # the server holds the phone's collection: 1 note, 1 review
            assert login(server).exit_code == 0
            assert push(example).exit_code == 0  # into the own collection, not synced: 47 notes

            refused = push(example, "--sync")
            assert refused.exit_code == 1
            assert (f"error: not synced: this collection and the one on {server.url} both changed in a way a sync "
                    f"cannot merge (here: 47 notes and 0 reviews; on {server.url}: 1 note and 1 review); nothing "
                    "was replaced. To keep your phone's decks and reviews: push --sync --full-sync download replaces "
                    f"this collection with {server.url}'s, then puts your cards back in and syncs them; --full-sync "
                    f"upload would instead replace {server.url}'s with this one, and what only {server.url} has "
                    "would be lost (a backup first, either way). Your cards are pushed into deck-builder's own "
                    "collection, not yet synced; push --sync again once that is fixed\n") in refused.stderr
            phone.sync()
            assert phone.ours() == {} and phone.reviews() == 1  # the server was not touched

            down = push(example, "--sync", "--full-sync", "download")
            assert down.exit_code == 0, down.output
            assert (f"Replaced this collection (47 notes and 0 reviews) with the one on {server.url} (1 note and 1 "
                    "review).\n") in down.stdout
            backup = Path(re.search(r"Backup first: (.+\.colpkg)\n", down.stdout).group(1))
            assert backup.parent == home / "backups"
            phone.sync()
            assert len(phone.ours()) == 47 and "hola" in phone.text() and phone.reviews() == 1

            # Another computer's own collection meets the same server: upload replaces it this time.
            monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "other"))
            other = tmp_path / "other" / "deck-builder"
            assert login(server).exit_code == 0
            replace_in(example / "answers.yaml", *EDIT)
            assert push(example).exit_code == 0
            up = push(example, "--sync", "--full-sync", "upload")
            assert up.exit_code == 0, up.output
            found = re.search(r"what .+ had is kept in (.+\.anki2)\.\n", up.stdout)
            assert found, up.output
            copy = Path(found.group(1))
            assert copy.parent == other / "backups"
            assert (f"Replaced the collection on {server.url} (48 notes and 1 review) with this one (47 notes and 0 "
                    f"reviews); what {server.url} had is kept in {copy}.\n") in up.stdout
            saved = contents(copy)
            assert any("hola" in v[2] for v in saved.values()) and len(saved) == 48
            phone.sync()
            assert len(phone.ours()) == 47 and "hola" not in phone.text()
            assert "Twelve years in parcel operations" in phone.text()
        finally:
            phone.close()


def test_watch_push_sync_says_how_to_agree_to_a_first_sync_and_which_collection_it_uses(example, home, tmp_path):
    from test_watch import watching

    with SyncServer(tmp_path / "sync") as server:
        phone = Phone(tmp_path / "phone.anki2", server)
        try:
            phone.add_own()
            phone.sync()  # the server holds the phone's collection: a new own collection downloads it first
        finally:
            phone.close()
        assert login(server).exit_code == 0
        out = example / "build" / "Interview Prep.apkg"
        options = ("--push", "--sync", "--anki-connect", f"http://127.0.0.1:{free_port()}")
        with watching(example, out, *options) as w:  # watch has no --yes, and asks nothing
            line = next(line for line in w.seen if "not in Anki: " in line)  # said before "Watching"
        assert line.endswith(f"not in Anki: not agreed to download your collection from {server.url} (run  "
                             f"deck-builder push {example} --sync  once first: it asks, then watch syncs). Nothing "
                             f"was pushed: a new collection takes your collection from {server.url} before it takes "
                             "cards (the package is written)"), line
        assert "--yes" not in line
        first = push(example, "--sync", "--yes")  # what it says to run, answered
        assert first.exit_code == 0, first.output
        replace_in(example / "answers.yaml", *EDIT)
        with watching(example, out, *options) as w:  # the first build's lines come before "Watching"
            said = [line.split("  ", 1)[1] for line in w.seen if line[:2].isdigit()]
            assert said[1:4] == [f"pushing into deck-builder's own collection: {home / 'collection.anki2'}",
                                 "No Anki desktop folder was found, so push uses deck-builder's own collection",
                                 "in Anki: 0 new, 2 updated, 45 unchanged; synced"], w.seen
            replace_in(example / "answers.yaml", *reversed(EDIT))
            assert w.wait_for("in Anki: ", wait=120).endswith("in Anki: 0 new, 2 updated, 45 unchanged; synced")
        assert sum("pushing into" in line for line in w.seen) == 1  # said once


# -- each failure of a sync, in one sentence -----------------------------------------------------

def _pushed_then(example, home, endpoint: str, timeout: int = 60, *more: str):
    """The own collection with the deck in it (pushed, not synced) and a login for ENDPOINT."""
    save_login(home, Login("job-seeker", endpoint, "stored-key", timeout))
    first = push(example)
    assert first.exit_code == 0, first.output
    replace_in(example / "answers.yaml", *EDIT)
    return push(example, "--sync", *more)


KEPT = ("Your cards are pushed into deck-builder's own collection, not yet synced; push --sync again once that "
        "is fixed\n")


def _assert_kept(result, sentence: str):
    assert result.exit_code == 1
    assert "Pushed to deck-builder's own collection: 0 new, 2 updated, 45 unchanged." in result.stdout
    stop = "" if sentence.endswith("?") else "."
    assert f"error: {sentence}{stop} {KEPT}" in result.stderr, result.stderr


def test_login_where_anki_desktop_is_too_names_the_push_that_uses_the_own_collection(home, tmp_path):
    base = tmp_path / "data" / "Anki2"  # Anki desktop's own folder on Linux
    make_base(base, ("User 1",))
    with SyncServer(tmp_path / "sync") as server:
        logged = login(server)
    assert logged.exit_code == 0, logged.output
    assert logged.stdout.endswith(
        f"Anki desktop is here too ({base}), and push uses its profile unless told: deck-builder push "
        f"--own-collection --sync puts your cards on {server.url} from this collection; your phone gets them at its "
        "next sync.\n")
    assert "deck-builder push --sync now" not in logged.stdout


def test_login_where_its_folder_cannot_be_made_is_one_sentence(home):
    home.parent.mkdir(parents=True)
    home.write_text("not a folder")  # deck-builder's data folder is a file
    result = login_to(f"http://127.0.0.1:{free_port()}/")
    assert result.exit_code == 1
    assert result.stderr == (f"error: cannot make deck-builder's own collection {home / 'collection.anki2'} (File "
                             f"exists): make {home} a folder you can write to (or set XDG_DATA_HOME to one), then "
                             "try again\n")


def test_login_while_the_own_collection_is_in_use_is_one_sentence(example, home):
    from conftest import held_open

    assert push(example).exit_code == 0  # the own collection exists
    with held_open(home / "collection.anki2"):
        result = login_to(f"http://127.0.0.1:{free_port()}/")
    assert result.exit_code == 1
    assert result.stderr == (f"error: not logged in: deck-builder's own collection {home / 'collection.anki2'} is in "
                             "use (locked): another push or watch of deck-builder is writing it; log in again when "
                             "it is done\n")


def test_login_and_logout_when_the_key_file_cannot_be_written_or_deleted(home, tmp_path):
    (home / "login.json").mkdir(parents=True)  # in the way: a folder
    with SyncServer(tmp_path / "sync") as server:
        result = login(server)
    assert result.exit_code == 1
    assert result.stderr == (f"error: not logged in: cannot write {home / 'login.json'} (Is a directory); make it a "
                             "file you can write (or delete it), then log in again\n")
    out = run("logout")
    assert out.exit_code == 1
    assert out.stderr == (f"error: cannot delete {home / 'login.json'} (Is a directory), so the sync key is still "
                          "kept: delete that file yourself\n")


def test_a_wrong_password_at_login(home, tmp_path):
    with SyncServer(tmp_path / "sync") as server:
        wrong = login(server, password="not-it")
        assert wrong.exit_code == 1
        assert wrong.stderr == (f"error: not logged in: {server.url} did not accept the login (wrong user name or "
                                "password, or the key was withdrawn): check them, then run  deck-builder login "
                                f"--username {server.user} --sync-url {server.url}  again\n")
        assert not (home / "login.json").exists()


def test_a_key_the_server_no_longer_accepts(example, home, tmp_path):
    with SyncServer(tmp_path / "sync") as server:
        result = _pushed_then(example, home, server.url)
        _assert_kept(result, f"{server.url} did not accept the login (wrong user name or password, or the key was "
                             f"withdrawn): log in again with  deck-builder login --username job-seeker --sync-url "
                             f"{server.url}")


def test_a_key_the_server_no_longer_accepts_for_a_closed_anki_profile(example, home, tmp_path):
    """The profile's login is Anki's: only Anki logs it in again, not deck-builder login."""
    with SyncServer(tmp_path / "sync") as server:
        base = tmp_path / "Anki2"
        make_base(base, ("User 1",), sync={"profile": "User 1", "key": "withdrawn-key", "url": server.url})
        own_collection(base / "User 1" / "collection.anki2", MINE)
        result = push(example, "--base", base, "--sync", "--yes")
        assert result.exit_code == 1
        assert "Pushed to Anki profile 'User 1', with Anki closed: 47 new" in result.stdout
        assert (f"error: {server.url} did not accept the login (wrong user name or password, or the key was "
                "withdrawn): open Anki, click Sync and log in again (then close Anki and push --sync, or push --sync "
                "with Anki open). Your cards are pushed into Anki profile 'User 1', not yet synced; push --sync "
                "again once that is fixed\n") in result.stderr, result.stderr
        assert "deck-builder login" not in result.output


def test_the_server_down(example, home):
    url = f"http://127.0.0.1:{free_port()}/"
    _assert_kept(_pushed_then(example, home, url), f"nothing answers at {url}; is the server running?")


def test_no_network(example, home):
    url = "http://sync.no-such-host.invalid/"
    _assert_kept(_pushed_then(example, home, url),
                 "could not reach sync.no-such-host.invalid (no such name was found: no network?)")


def test_a_server_error(example, home):
    class Failing(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(502)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        _assert_kept(_pushed_then(example, home, url),
                     f"{url} had an error of its own (a server error): try again in a few minutes")
    finally:
        server.shutdown()
        server.server_close()


def test_a_time_out(example, home):
    with socket.socket() as silent:  # takes the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        # push --timeout gives the sync more time than the login's 2 seconds: the advice works as typed
        _assert_kept(_pushed_then(example, home, url, 2, "--timeout", "4"),
                     f"{url} did not answer within 4 seconds (time-out): try again later, or give it more time "
                     "with --timeout 8")


def test_a_collection_too_large_for_the_server(example, home, tmp_path):
    with SyncServer(tmp_path / "sync", MAX_SYNC_PAYLOAD_MEGS="1") as server:
        assert login(server).exit_code == 0
        from anki.collection import Collection

        # The user's own long notes: 6 MB, packed into a few kB. (Measured: the server refuses an
        # upload over its limit once unpacked in these words; while a big upload is still being
        # sent it may cut it off instead, which the engine reports as a network error.)
        col = Collection(str(home / "collection.anki2"))
        try:
            for i in range(3):
                note = col.new_note(col.models.by_name("Basic"))
                note["Front"], note["Back"] = f"word {i}", "interview practice " * 110_000
                col.add_note(note, col.decks.id_for_name("Default"))
        finally:
            col.close()
        result = push(example, "--sync", "--yes")
        assert result.exit_code == 1
        assert "Pushed to deck-builder's own collection: 47 new" in result.stdout
        assert (f"error: the collection is too large for {server.url} (the server says it exceeds its size limit): "
                "remove big media files or unused decks, or ask the server's owner to raise the limit. "
                f"{KEPT}") in result.stderr, result.stderr


# -- which collection, which server ---------------------------------------------------------------

def test_with_anki_desktop_and_an_own_collection_push_says_which_it_uses(example, home, tmp_path):
    base = tmp_path / "Anki2"
    make_base(base, ("User 1",))
    own_collection(base / "User 1" / "collection.anki2", MINE)
    save_login(home, Login("job-seeker", None, "stored-key"))
    desktop = push(example, "--base", base)
    assert desktop.exit_code == 0, desktop.output
    assert ("Pushed to Anki profile 'User 1', with Anki closed: 47 new, 0 updated, 0 unchanged.\n"
            f"  Its collection: {base / 'User 1' / 'collection.anki2'}\n"
            f"  Not used: deck-builder's own collection ({home / 'collection.anki2'}); push --own-collection pushes "
            "into it instead\n") in desktop.stdout
    own = push(example, "--base", base, "--own-collection")
    assert own.exit_code == 0, own.output
    assert ("Pushed to deck-builder's own collection: 47 new, 0 updated, 0 unchanged.\n"
            f"  Its collection: {home / 'collection.anki2'}\n"
            f"  Not used: Anki profile 'User 1' ({base / 'User 1' / 'collection.anki2'}); push without "
            "--own-collection pushes into it instead\n") in own.stdout
    other = push(example, "--own-collection", "--sync", "--sync-url", "http://192.168.1.20:8080")
    assert other.exit_code == 1
    assert ("error: --sync-url http://192.168.1.20:8080/: deck-builder is logged in to AnkiWeb, not to that server; "
            "deck-builder login --username NAME --sync-url http://192.168.1.20:8080/ logs in to it\n") in other.stderr


@pytest.mark.parametrize("command", ["push", "watch"])
@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999/"])
def test_a_sync_url_python_cannot_read_is_a_usage_error_that_says_what_to_give(example, command, url):
    result = CliRunner().invoke(main, [command, str(example), "--sync-url", url])
    assert result.exit_code == 2 and result.exception.__class__ is SystemExit
    assert (f"Error: --sync-url {url}: not an address like http://192.168.1.20:8080/ (the one your sync server "
            "prints, and that your phone's custom sync server setting holds)\n") in result.stderr


def test_the_docs_list_every_option_watch_takes_from_push():
    from deck_builder.cli import watch_command

    text = (Path(__file__).parent.parent / "docs" / "push-and-sync.md").read_text(encoding="utf-8")
    listed = re.search(r"`deck-builder watch --push` puts every build into Anki.*?\(the\s+same options: (.*?)\)",
                       text, re.S).group(1)
    given = {o.opts[0] for o in watch_command.params if o.name not in ("folder", "output", "push_too", "help")}
    assert set(re.findall(r"`(--[a-z-]+)`", listed)) == given


def test_push_without_login_says_how_to_sync(example, home):
    result = push(example, "--sync")
    assert result.exit_code == 1
    assert "Pushed to deck-builder's own collection: 47 new" in result.stdout
    assert ("error: deck-builder's own collection is not logged in to a sync server: deck-builder login --username "
            "NAME (add --sync-url URL for your own server) logs in once; your cards are pushed into it, not synced\n"
            ) in result.stderr


def test_our_notes_have_no_duplicates_for_ankis_duplicate_check(example, tmp_path):
    from anki.collection import Collection

    from deck_builder.build import build_deck
    from deck_builder.cards.derive import invisible_mark

    built = build_deck(str(example))
    col = Collection(str(tmp_path / "c.anki2"))
    try:
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(built.output),
                                                         options=ImportAnkiPackageOptions()))
        assert dupes(col) == []
        # The tailored answer asks what the general one asks: it carries the mark, and reads the same.
        marked = [n for n in built.plan.notes if n.fields and n.fields[0].endswith(invisible_mark(n.guid))]
        assert [n.label for n in marked] == ["northwind/tailored/difficult-decision"]
        general = next(n for n in built.plan.notes if n.label == "answer/difficult-decision")
        assert marked[0].fields[0] == general.fields[0] + invisible_mark(marked[0].guid)
        note = col.get_note(col.db.scalar("select id from notes where guid = ?", marked[0].guid))
        assert note.guid == marked[0].guid and note.fields[0] == marked[0].fields[0]
    finally:
        col.close()


def _shared_questions(root: Path, companies: int, questions: int) -> None:
    """A workspace where every company tailors every question (whose text names no company): so
    COMPANIES + 1 notes ask each question in the same words."""
    import yaml

    (root / "questions").mkdir(parents=True)
    (root / "companies").mkdir()
    (root / "deck.yaml").write_text("deck: Shared\nbanks: []\npoint_cards: false\n")
    qs = [{"id": f"q{i}", "ask": f"Tell me about situation {i}.", "category": "general", "why": "Evidence."}
          for i in range(questions)]
    (root / "questions" / "shared.yaml").write_text(yaml.safe_dump({"bank": "Shared", "questions": qs}))
    (root / "answers.yaml").write_text(yaml.safe_dump({f"q{i}": {"points": [f"Point of answer {i}."]}
                                                       for i in range(questions)}))
    for c in range(companies):
        (root / "companies" / f"co{c}.yaml").write_text(yaml.safe_dump({
            "name": f"Company {c}", "role": "Director",
            "tailoring": {f"q{i}": [f"At company {c}, point {i}."] for i in range(questions)}}))


def test_many_companies_tailoring_the_same_questions_give_no_duplicates(tmp_path):
    """16-bit marks collide among many notes asking the same: measured, these 80 companies x 60
    shared questions gave 3 pairs of duplicates before a taken mark was passed over."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    from deck_builder.build import build_deck

    root = tmp_path / "shared"
    _shared_questions(root, companies=80, questions=60)
    built = build_deck(str(root))
    firsts = [n.fields[0] for n in built.plan.notes]
    assert len(firsts) == 80 * 60 + 60
    col = Collection(str(tmp_path / "c.anki2"))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(built.output),
                                                         options=ImportAnkiPackageOptions()))
        assert len(col.find_notes("tag:deck-builder")) == len(firsts)
        assert dupes(col) == []
    finally:
        col.close()
    assert len(set(firsts)) == len(firsts)
    (root / "build").rename(tmp_path / "first-build")
    (root / ".deck-builder" / "state.json").unlink()
    again = build_deck(str(root))  # from scratch: the same marks
    assert [n.fields[0] for n in again.plan.notes] == firsts


def test_an_own_collection_in_use_is_refused_and_left_alone(example, home):
    from conftest import held_open

    save_login(home, Login("job-seeker", None, "stored-key"))
    assert push(example).exit_code == 0
    before = contents(home / "collection.anki2")
    replace_in(example / "answers.yaml", *EDIT)
    with held_open(home / "collection.anki2"):  # another push or watch writing it
        result = push(example)
    assert result.exit_code == 1
    assert ("error: deck-builder's own collection is in use (locked): another push or watch of deck-builder is "
            "writing it. Nothing was changed; push again when it is done\n") in result.stderr
    assert contents(home / "collection.anki2") == before


def test_without_the_anki_extra_a_phone_only_push_says_how_to_install_it(example, home, monkeypatch):
    import sys

    for name in [m for m in sys.modules if m == "anki" or m.startswith("anki.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "anki", None)  # as if `pip install deck-builder` only
    result = push(example, "--sync")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: pushing without Anki desktop needs Anki's engine, which is not installed: "
                                    "run  pip install 'deck-builder[anki]'\n")
    assert (example / "build" / "Interview Prep.apkg").is_file()
    login = run("login", "--username", "priya", input="secret\n")
    assert login.exit_code == 1
    assert login.stderr == "error: logging in needs Anki's engine, which is not installed: run  pip install 'deck-builder[anki]'\n"


def test_a_removed_card_the_user_unsuspended_stays_in_the_queue(example, home):
    from anki.collection import Collection

    assert push(example).exit_code == 0
    remove_returns_product(example)
    removed = push(example)
    assert "  Their 1 card is suspended, so they leave your review queue.\n" in removed.stdout
    col = Collection(str(home / "collection.anki2"))
    try:
        cids = col.find_cards("tag:deck-builder::removed")
        assert [col.get_card(c).queue for c in cids] == [-1]
        col.sched.unsuspend_cards(cids)  # the user wants to keep reviewing it
    finally:
        col.close()
    replace_in(example / "answers.yaml", *EDIT)
    again = push(example)
    assert again.exit_code == 0, again.output
    assert "Removed from your files, still in Anki: 1 note" in again.stdout and "suspended" not in again.stdout
    col = Collection(str(home / "collection.anki2"))
    try:
        assert [col.get_card(c).queue for c in col.find_cards("tag:deck-builder::removed")] != [-1]
    finally:
        col.close()
