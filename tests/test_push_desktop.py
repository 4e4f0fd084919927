"""deck-builder push into the real Anki desktop through AnkiConnect.

One Anki for the module (tests/anki_desktop.py: Xvfb, aqt, AnkiConnect from
../shared/vendor/anki-connect), whose profile syncs with Anki's own sync server on 127.0.0.1.
The tests run in order, as a user would: push, study, edit, push again in the same second,
prune, sync, then what goes wrong (a refused key, an old AnkiConnect, a busy Anki, Anki open
without AnkiConnect answering, no network).
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from anki_desktop import (
    REPO,
    AnkiDesktop,
    SyncServer,
    free_port,
    make_base,
    own_collection,
    require_desktop,
)
from click.testing import CliRunner
from test_roundtrip import remove_returns_product, replace_in
from test_watch import Watcher

from deck_builder.cli import main
from deck_builder.push import PushOptions, push_workspace

MINE = "My own note, not from deck-builder"


class Desktop:
    def __init__(self, anki: AnkiDesktop, server: SyncServer, workspace: Path):
        self.anki, self.server, self.workspace = anki, server, workspace

    def push(self, *args: str, input: str | None = None):
        """deck-builder push through this Anki's AnkiConnect, as the user types it."""
        return CliRunner().invoke(main, ["push", str(self.workspace), "--anki-connect", self.anki.url,
                                         "--base", str(self.anki.base), *args], input=input, catch_exceptions=False)

    def notes(self, query: str = "deck:Interview*") -> dict[int, dict]:
        nids = self.anki.connect("findNotes", query=query)
        return {n["noteId"]: n for n in self.anki.connect("notesInfo", notes=nids)}

    def text(self, query: str) -> list[str]:
        return [" ".join(f["value"] for f in n["fields"].values()) for n in self.notes(query).values()]


@pytest.fixture(scope="module")
def desktop(tmp_path_factory):
    require_desktop()
    root = tmp_path_factory.mktemp("desktop")
    workspace = root / "example"
    shutil.copytree(REPO / "decks" / "example", workspace, ignore=shutil.ignore_patterns("build", ".deck-builder"))
    with SyncServer(root / "sync") as server:
        # The user's profile: one note of their own, synced with the server once already.
        base = root / "anki-base"
        make_base(base, ("User 1",), sync={"profile": "User 1", "key": server.key, "url": server.url})
        own_collection(base / "User 1" / "collection.anki2", MINE)
        server.upload(base / "User 1" / "collection.anki2")
        with AnkiDesktop(root) as anki:
            yield Desktop(anki, server, workspace)


def ids(d: Desktop) -> tuple[set[int], set[int]]:
    return set(d.anki.connect("findNotes", query="deck:Interview*")), set(d.anki.connect("findCards", query="deck:Interview*"))


def test_push_study_edit_and_push_again_in_the_same_second(desktop):
    d = desktop
    t = time.time()
    options = PushOptions(anki_connect=d.anki.url, base=str(d.anki.base))
    first = push_workspace(str(d.workspace), options=options, now=t)
    assert first.ok, first.error
    assert len(first.delivery.new) == 47 and not first.delivery.updated
    notes_before, cards_before = ids(d)
    assert len(notes_before) == 47 and len(cards_before) == 89

    # Study one card in Anki (its scheduler, through AnkiConnect).
    studied = sorted(cards_before)[0]
    assert d.anki.connect("answerCards", answers=[{"cardId": studied, "ease": 3}]) == [True]
    reviews = d.anki.connect("getReviewsOfCards", cards=[studied])[str(studied)]
    assert len(reviews) == 1
    due_before = d.anki.connect("cardsInfo", cards=[studied])[0]

    # Edit a talking point and a fact; push again within the same second.
    replace_in(d.workspace / "answers.yaml", "12 years in parcel operations", "Twelve years in parcel operations")
    company = d.workspace / "companies" / "northwind.yaml"
    fact_answer = re.search(r"^\s+a: (.+)$", company.read_text(encoding="utf-8"), re.M).group(1)
    replace_in(company, f"a: {fact_answer}", f"a: {fact_answer} (checked 2026)")
    second = push_workspace(str(d.workspace), options=options, now=t)
    assert second.build.plan.build_mod > first.build.plan.build_mod
    assert second.ok, second.error
    assert sorted(second.delivery.updated) == ["answer/career-prepared", "northwind/fact/founded",
                                               "points/career-prepared"]
    assert not second.delivery.new and second.delivery.unchanged == 44

    assert ids(d) == (notes_before, cards_before)  # same notes and cards, nothing duplicated
    assert d.anki.connect("getReviewsOfCards", cards=[studied])[str(studied)] == reviews
    after = d.anki.connect("cardsInfo", cards=[studied])[0]
    assert (after["reps"], after["interval"], after["due"]) == (due_before["reps"], due_before["interval"], due_before["due"])
    assert len(d.text('"Points:*Twelve years in parcel*"')) == 1
    assert len(d.text('"Text:*Twelve years in parcel*"')) == 1
    assert len(d.text('"Answer:*(checked 2026)*"')) == 1
    assert d.text(f'"Front:{MINE}"') == [f"{MINE} mine"]  # the user's own note, untouched


def test_the_report_speaks_ankis_terms(desktop):
    replace_in(desktop.workspace / "stories.yaml", "Backlog cleared in 9 days", "Backlog cleared in nine days")
    result = desktop.push()
    assert result.exit_code == 0, result.output
    assert f"Pushed to Anki, through AnkiConnect at {desktop.anki.url}: 0 new, 4 updated, 43 unchanged." in result.stdout
    assert "  updated  story/peak-season-recovery\n" in result.stdout
    assert "Checked in Anki: every change arrived." in result.stdout
    assert "File > Import" not in result.stdout  # no hand work left
    again = desktop.push()
    assert "0 new, 0 updated, 47 unchanged." in again.stdout and "it already had all of it" in again.stdout


def test_prune_deletes_exactly_the_notes_this_workspace_removed(desktop):
    d = desktop
    remove_returns_product(d.workspace)
    result = d.push()
    assert result.exit_code == 0, result.output
    assert ("Removed from your files, still in Anki: 1 note (northwind/product/northwind-returns).\n"
            "  push --prune deletes them") in result.stdout
    flagged = d.notes("tag:deck-builder::removed")
    assert len(flagged) == 2  # ours, and the user's own note that carries the tag too
    assert "  Their 1 card is suspended, so they leave your review queue.\n" in result.stdout
    removed = d.anki.connect("findCards", query="tag:deck-builder::removed -tag:mine")
    assert len(removed) == 1 and d.anki.connect("areSuspended", cards=removed) == [True]
    assert d.anki.connect("areSuspended", cards=d.anki.connect("findCards", query="tag:mine")) == [False]
    count = len(d.notes(""))

    declined = d.push("--prune", input="n\n")
    assert declined.exit_code == 0, declined.output
    assert "Removed from your files, and in Anki: 1 note:\n  northwind/product/northwind-returns\n" in declined.stdout
    assert "Delete them from Anki? [y/N]: n" in declined.stdout
    assert len(d.notes("")) == count

    pruned = d.push("--prune", "--yes")
    assert pruned.exit_code == 0, pruned.output
    assert "Deleted from Anki, as removed from your files: 1 note.\n  deleted  northwind/product/northwind-returns" in pruned.stdout
    assert len(d.notes("")) == count - 1
    assert d.text("tag:deck-builder::removed") == [f"{MINE} mine"]  # not from this workspace: kept
    assert "Returns collection" not in " ".join(d.text("deck:Interview*"))

    later = d.push("--prune", "--yes")  # a pruned item is no longer sent, so nothing comes back
    assert "Removed from your files" not in later.stdout and "Deleted" not in later.stdout
    assert len(d.notes("")) == count - 1


def test_sync_sends_the_push_to_the_sync_server(desktop, tmp_path):
    d = desktop
    replace_in(d.workspace / "answers.yaml", "Twelve years in parcel operations", "Twelve years in parcels")
    result = d.push("--sync")
    assert result.exit_code == 0, result.output
    assert (f"Anki synced with {d.server.url}: your phone gets the changes at its next sync.\n"
            "  Anki syncs with its own setting (Preferences > Syncing). If the sync met a problem, Anki shows it in "
            "its own window.\n") in result.stdout
    phone = d.server.download(tmp_path / "phone.anki2")  # another device syncing from the server
    try:
        texts = [" ".join(phone.get_note(n).fields) for n in phone.find_notes("")]
    finally:
        phone.close()
    assert any("Twelve years in parcels" in t for t in texts)
    assert sum(MINE in t for t in texts) == 1 and len(texts) == len(d.notes(""))
    other = d.push("--sync", "--sync-url", "http://192.168.1.20:8080")
    assert other.exit_code == 0, other.output
    assert ("  Anki syncs with its own setting (Preferences > Syncing), so --sync-url http://192.168.1.20:8080/ does "
            "not apply with Anki open.") in other.stdout


def test_sync_without_network_fails_clearly_and_keeps_the_push(desktop):
    d = desktop
    d.server.stop()
    try:
        replace_in(d.workspace / "answers.yaml", "Twelve years in parcels", "Twelve years in parcel operations")
        result = d.push("--sync")
        assert result.exit_code == 1
        assert "0 new, 2 updated, 44 unchanged." in result.stdout  # the push itself went in
        assert f"error: nothing answers at {d.server.url}; is the server running? Your cards are in Anki; " \
               "sync in Anki when you are online (or push --sync again)" in result.stderr
        assert len(d.text('"Points:*Twelve years in parcel operations*"')) == 1
    finally:
        d.server.start()


def test_an_api_key_set_in_ankiconnect(desktop, monkeypatch):
    d = desktop
    d.anki.driver("config", addon="2055492159", config={"apiKey": "s3cret"})
    d.anki.api_key = "s3cret"
    try:
        missing = d.push()
        assert missing.exit_code == 1
        assert "error: AnkiConnect asks for an API key: give the one set in Anki (Tools > Add-ons > AnkiConnect > " \
               "Config, \"apiKey\") with --api-key or $DECK_BUILDER_ANKI_KEY" in missing.stderr
        assert "Anki was not changed; the package is written: " in missing.stderr
        assert "File > Import" in missing.stderr  # how to do it by hand
        wrong = d.push("--api-key", "guess")
        assert wrong.exit_code == 1 and "error: AnkiConnect refused the API key" in wrong.stderr
        monkeypatch.setenv("DECK_BUILDER_ANKI_KEY", "s3cret")
        right = d.push()
        assert right.exit_code == 0, right.output
    finally:
        d.anki.driver("config", addon="2055492159", config={"apiKey": None})
        d.anki.api_key = None


def test_an_old_ankiconnect(desktop):
    d = desktop
    d.anki.driver("config", addon="2055492159", config={"apiVersion": 5})
    try:
        result = d.push()
        assert result.exit_code == 1
        assert ("error: the AnkiConnect in Anki is too old (API version 5, deck-builder needs 6): update it in Anki "
                "(Tools > Add-ons, select AnkiConnect, Check for Updates) and restart Anki") in result.stderr
    finally:
        d.anki.driver("config", addon="2055492159", config={"apiVersion": 6})


def test_anki_busy_behind_a_progress_window_is_a_timeout_with_advice(desktop):
    d = desktop
    d.anki.driver("busy", seconds=8)
    time.sleep(0.5)
    started = time.monotonic()
    result = d.push("--timeout", "2")
    assert time.monotonic() - started < 30
    assert result.exit_code == 1
    assert ("error: Anki did not answer within 2 s: it is busy, probably with a dialog waiting for you, a sync, "
            "Check Database or an import. Finish or close it in Anki, then push again") in result.stderr
    assert (d.workspace / "build" / "Interview Prep.apkg").is_file()
    d.anki.wait_idle()
    assert d.push().exit_code == 0


def test_anki_open_without_ankiconnect_answering_is_refused_and_changes_nothing(desktop):
    """Nothing answers at the address (as when AnkiConnect is not installed), so push tries the
    collection itself, which the running Anki holds."""
    d = desktop
    backups = sorted((d.anki.base / "User 1" / "backups").glob("*"))
    count = len(d.notes(""))
    replace_in(d.workspace / "answers.yaml", "Twelve years in parcel operations", "Twelve years of parcel operations")
    result = CliRunner().invoke(main, ["push", str(d.workspace), "--anki-connect", f"http://127.0.0.1:{free_port()}",
                                       "--base", str(d.anki.base)], catch_exceptions=False)
    assert result.exit_code == 1
    assert ("the collection of profile 'User 1' is in use (locked): Anki is open without AnkiConnect answering, or "
            "it is syncing. Nothing was changed.") in result.stderr
    assert "install AnkiConnect in Anki (Tools > Add-ons > Get Add-ons..., code 2055492159)" in result.stderr
    assert sorted((d.anki.base / "User 1" / "backups").glob("*")) == backups
    assert len(d.notes("")) == count and not d.text('"Points:*Twelve years of parcel*"')
    assert d.push().exit_code == 0  # the next push delivers it


def test_watch_push_puts_every_save_into_anki(desktop, tmp_path):
    d = desktop
    out = d.workspace / "build" / "Interview Prep.apkg"
    w = Watcher(d.workspace, out, "--push", "--anki-connect", d.anki.url, "--base", str(d.anki.base))
    try:
        w.wait_for("built: ")
        assert "0 new, 0 updated, 46 unchanged" in w.wait_for("in Anki: ")
        w.wait_for("Watching")
        replace_in(d.workspace / "answers.yaml", "Twelve years of parcel operations", "Twelve years in parcel operations")
        w.wait_for("answers.yaml: ")
        assert "in Anki: 0 new, 2 updated, 44 unchanged" in w.wait_for("in Anki: ")
    finally:
        w.proc.terminate()
        w.proc.wait(timeout=30)
    assert len(d.text('"Points:*Twelve years in parcel operations*"')) == 1


def test_anki_open_on_its_profile_window(desktop):
    d = desktop
    d.anki.driver("close_profile")
    try:
        result = d.push()
        assert result.exit_code == 1
        assert "error: Anki is open but no profile is loaded: open your profile in Anki, then push again\n" in result.stderr
    finally:
        assert d.anki.connect("loadProfile", name="User 1")
        deadline = time.monotonic() + 60
        while not d.anki.driver("state")["collection"] and time.monotonic() < deadline:
            time.sleep(0.2)
    assert d.push().exit_code == 0


def test_with_anki_open_and_its_folder_not_found_the_sync_is_anki_own_setting_not_ankiweb(desktop, tmp_path,
                                                                                           monkeypatch):
    d = desktop
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # Anki's folder is elsewhere: no profile to read
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("ANKI_BASE", raising=False)
    replace_in(d.workspace / "answers.yaml", "Twelve years in parcel operations", "Twelve years running parcels")
    result = CliRunner().invoke(main, ["push", str(d.workspace), "--anki-connect", d.anki.url, "--sync"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert ("Anki synced with its own setting (Preferences > Syncing): your phone gets the changes at its next sync.\n"
            "  Anki's folder was not found here, so push could not check its login or server first. If the sync met "
            "a problem, Anki shows it in its own window.\n") in result.stdout
    assert "AnkiWeb" not in result.output
    phone = d.server.download(tmp_path / "phone.anki2")  # Anki's own setting: this server
    try:
        assert any("Twelve years running parcels" in " ".join(phone.get_note(n).fields) for n in phone.find_notes(""))
    finally:
        phone.close()


class _RefusingSuspend(http.server.BaseHTTPRequestHandler):
    """AnkiConnect in front of the real one, whose every action goes through but `suspend`, which
    fails as AnkiConnect reports an error (the collection busy, an add-on in the way)."""

    target = ""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if json.loads(body).get("action") == "suspend":
            reply = json.dumps({"result": None, "error": "the collection is busy"}).encode()
        else:
            request = urllib.request.Request(self.target, body, {"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=300) as response:
                reply = response.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def test_a_failing_suspend_after_the_import_says_anki_was_changed(desktop):
    d = desktop
    company = d.workspace / "companies" / "northwind.yaml"
    original = company.read_text(encoding="utf-8")
    replace_in(company, "facts:\n", "facts:\n  - id: fleet\n    q: How many vans does Northwind run?\n"
               "    a: About 1,200 vans from 14 depots.\n\n")
    assert d.push().exit_code == 0
    company.write_text(original, encoding="utf-8")  # the fact is removed: push suspends its card
    handler = type("Handler", (_RefusingSuspend,), {"target": d.anki.url})
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{proxy.server_address[1]}"
        result = CliRunner().invoke(main, ["push", str(d.workspace), "--anki-connect", url, "--base",
                                           str(d.anki.base)], catch_exceptions=False)
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert result.exit_code == 1
    assert f"Pushed to Anki, through AnkiConnect at {url}: 0 new, 0 updated" in result.stdout
    assert "Removed from your files, still in Anki: 1 note (northwind/fact/fleet)." in result.stdout
    assert ("error: AnkiConnect reported an error for 'suspend': the collection is busy\n"
            "What was done in Anki is kept; the package is written: ") in result.stderr, result.stderr
    assert "Anki was not changed" not in result.output
    assert d.text("tag:deck-builder::removed -tag:mine")  # the import did happen: the note is flagged
    assert d.push().exit_code == 0  # the next push suspends it


def test_a_rehearsal_brings_its_cards_forward_through_ankiconnect(desktop):
    """Issue 16 point 2 with Anki open: due today, review history and interval unchanged."""
    from test_forward import rehearse

    d = desktop
    assert d.push().exit_code == 0  # Anki in step with the files
    points_note = d.anki.connect("findNotes", query='tag:kind::points -"tag:company::*" "Text:*dock door*"')
    assert len(points_note) == 1
    points = d.anki.connect("findCards", query=f"nid:{points_note[0]}")
    tailored = d.anki.connect("findCards", query='tag:company::northwind "Prompt:*difficult business decision*"')
    tailored += d.anki.connect("findCards", query='tag:company::northwind "Text:*difficult business decision*"')
    assert len(points) == 4 and len(tailored) == 3
    assert d.anki.connect("answerCards", answers=[{"cardId": c, "ease": 4} for c in points + tailored]) == [True] * 7
    today = d.anki.driver("today")["today"]
    studied = points + tailored
    before = {i["cardId"]: i for i in d.anki.connect("cardsInfo", cards=studied)}
    assert all(i["queue"] == 2 and i["due"] > today for i in before.values())
    reviews = d.anki.connect("getReviewsOfCards", cards=studied)
    everything = d.anki.connect("findCards", query="deck:*")
    untouched = {i["cardId"]: i for i in d.anki.connect("cardsInfo", cards=everything) if i["cardId"] not in studied}

    rehearse(d.workspace, "lessons-learned", None, 3, [
        ("Measure at the dock door: most delays start upstream of where they show.", True, True),
        ("Train before go-live, not after; I learned that the hard way.", False, False),
        ("Front-line supervisors make or break any change; involve them from day one.", False, True),
        ("Peak is won in August: plan labour and capacity months ahead.", True, True),
    ])
    rehearse(d.workspace, "difficult-decision", "northwind", 1)
    result = d.push()
    assert result.exit_code == 0, result.output
    assert ": key point 2 not covered: 1 card due today." in result.stdout
    assert ("(Northwind Parcel): rated 1 (missed it): 3 cards due today, 5 new, not studied yet (new cards come "
            "in their turn).") in result.stdout

    after = {i["cardId"]: i for i in d.anki.connect("cardsInfo", cards=studied)}
    second_point = next(c for c in points if after[c]["ord"] == 1)
    forward = {second_point, *tailored}
    for cid, info in after.items():
        b = before[cid]
        assert (info["interval"], info["factor"], info["reps"], info["lapses"], info["queue"]) == \
            (b["interval"], b["factor"], b["reps"], b["lapses"], b["queue"])
        assert info["due"] == (today if cid in forward else b["due"])
        if cid in forward:
            assert info["mod"] >= b["mod"]
    assert d.anki.connect("getReviewsOfCards", cards=studied) == reviews  # no "Manual" entry
    assert {i["cardId"]: i["due"] for i in d.anki.connect("cardsInfo", cards=list(untouched))} == \
        {c: i["due"] for c, i in untouched.items()}

    again = d.push()
    assert again.exit_code == 0 and "Brought forward" not in again.stdout
    assert {i["cardId"]: i["due"] for i in d.anki.connect("cardsInfo", cards=studied)} == \
        {c: i["due"] for c, i in after.items()}


def test_with_anki_open_the_studio_brings_a_weak_answer_forward_at_once(desktop):
    """A rating saved in the studio (the real server, in its own process): its cards are due
    today in the open Anki without a push, and the next push does not apply it again."""
    from test_studio import Studio

    d = desktop
    assert d.push().exit_code == 0
    card = d.anki.connect("findCards", query='tag:company::northwind tag:kind::tailored "Prompt:Why do you want to work for*"')
    assert len(card) == 1
    assert d.anki.connect("answerCards", answers=[{"cardId": card[0], "ease": 4}]) == [True]
    today = d.anki.driver("today")["today"]
    before = d.anki.connect("cardsInfo", cards=card)[0]
    reviews = d.anki.connect("getReviewsOfCards", cards=card)
    assert before["due"] > today
    studio = Studio(d.workspace, "--anki-connect", d.anki.url)
    try:
        status, mock = studio.api("POST", "/api/mock", {"company": "northwind", "questions": ["why-this-company"]})
        assert status == 201, mock
        status, rated = studio.api("POST", f"/api/mock/{mock['id']}/answers/0/rating", {"rating": 2, "seconds": 40})
        assert status == 201, rated
        line = studio.wait_for(re.compile(r"Brought forward in Anki \(due today\): .*Northwind Parcel.*\n"), 120)
    finally:
        studio.stop()
    assert "rated 2 (shaky): 1 card due today, " in line.group(0)
    after = d.anki.connect("cardsInfo", cards=card)[0]
    assert after["due"] == today and after["interval"] == before["interval"] and after["factor"] == before["factor"]
    assert d.anki.connect("getReviewsOfCards", cards=card) == reviews
    again = d.push()
    assert again.exit_code == 0 and "Brought forward" not in again.stdout
