"""Sync a collection that push opened (Anki closed, or deck-builder's own) with a sync server:
AnkiWeb or a self-hosted one, through Anki's engine, as Anki's Sync button does (aqt/sync.py).

    before the import (own collection): a new collection meets a server that holds the
        user's collection -> full download, after one question (their decks and reviews kept)
    after the import: a normal sync; an empty server -> full upload after one question;
        both sides changed beyond merging -> nothing replaced unless --full-sync says which

Measured with anki 26.09.3 and `python -m anki.syncserver`: a fresh collection meeting an empty
server needs no sync (NO_CHANGES); the engine reports "connection refused" and "no such host" in
the same words ("error sending request"), so the host is probed to tell them apart; a server
with MAX_SYNC_PAYLOAD_MEGS too small answers a full upload with "collection exceeds size limit"
(or, far over it, drops the connection).
"""

from __future__ import annotations

import shlex
import socket
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .outcome import DeliveryError
from .own import OwnCollection, server_name
from .profile import ANKIWEB

Ask = Callable[[str], bool]


@dataclass(frozen=True)
class Counts:
    notes: int
    reviews: int

    def __str__(self) -> str:
        return f"{self.notes} note{'s' if self.notes != 1 else ''} and {self.reviews} review{'s' if self.reviews != 1 else ''}"


def counts(col) -> Counts:
    return Counts(int(col.db.scalar("select count() from notes")), int(col.db.scalar("select count() from revlog")))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def probe(url: str, timeout: float = 5) -> str | None:
    """Why nothing answers at URL's host and port (in plain words), or None when something does."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except socket.gaierror:
        return f"could not reach {host} (no such name was found: no network?)"
    except ConnectionRefusedError:
        return f"nothing answers at {url}; is the server running?"
    except (socket.timeout, TimeoutError):
        return f"{host} did not answer within {timeout:g} seconds: no network?"
    except OSError as exc:
        return f"could not reach {host} ({exc.strerror or exc}): no network?"


def login_command(username: str, endpoint: str | None) -> str:
    """The deck-builder login command that logs USERNAME in to ENDPOINT again, ready to type."""
    server = server_name(endpoint)
    return (f"deck-builder login --username {shlex.quote(username)}"
            + ("" if server == "AnkiWeb" else f" --sync-url {shlex.quote(endpoint)}"))


def relogin(target) -> str:
    """How the user logs TARGET (an Anki profile or the own collection) in again."""
    if isinstance(target, OwnCollection):
        username = target.login.username if target.login else "NAME"
        return f"log in again with  {login_command(username, target.sync_endpoint)}"
    return ("open Anki, click Sync and log in again (then close Anki and push --sync, or push --sync with Anki "
            "open)")


def explain(exc: BaseException, endpoint: str, timeout: float, uploading: bool = False,
            again: str | None = None) -> str:
    """An error of Anki's sync engine -> one sentence naming the server used. AGAIN: how to
    log in again (relogin), for a login the server refused."""
    from anki.errors import NetworkError, SyncError, SyncErrorKind

    server = server_name(endpoint)
    text = _first_line(exc)
    if isinstance(exc, SyncError) and exc.kind is SyncErrorKind.AUTH:
        return (f"{server} did not accept the login (wrong user name or password, or the key was withdrawn): "
                + (again or f"log in again with  {login_command('NAME', endpoint)}"))
    if "exceeds size limit" in str(exc) or "too large" in str(exc).lower():
        return (f"the collection is too large for {server} (the server says it exceeds its size limit): "
                "remove big media files or unused decks, or ask the server's owner to raise the limit")
    if isinstance(exc, SyncError) and "encountered a problem" in text:  # an HTTP 5xx (measured)
        return f"{server} had an error of its own (a server error): try again in a few minutes"
    if isinstance(exc, NetworkError):
        if "timed out" in text.lower():
            more = int(min(3600, timeout * 2))
            return (f"{server} did not answer within {timeout:g} seconds (time-out): try again later"
                    + (f", or give it more time with --timeout {more}" if more > timeout else ""))
        unreachable = probe(endpoint)
        if unreachable:
            return unreachable
        if uploading:
            return (f"{server} broke off the upload: the collection may be too large for it (remove big media "
                    "files, or ask the server's owner to raise the limit), or the network failed; try again")
        return f"the connection to {server} failed ({text}): try again later"
    return f"the sync with {server} failed ({text})"


class Syncer:
    """One sync of an open collection (anki.collection.Collection) with the server of TARGET
    (an Anki profile or the own collection: sync_key, sync_endpoint, sync_media, network_timeout,
    backups). The server may take TIMEOUT seconds (push --timeout) or the login's network_timeout,
    whichever is longer."""

    def __init__(self, col, target, ask: Ask, full_sync: str | None = None,
                 backup: Callable[[], Path] | None = None, timeout: float = 0,
                 how_to_agree: str = "answer yes, or give --yes"):
        from anki.sync_pb2 import SyncAuth

        self.col, self.target, self.ask, self.full_sync = col, target, ask, full_sync
        self.how_to_agree = how_to_agree  # to a first-sync question nobody could answer
        self.backup = backup
        self.endpoint = target.sync_endpoint or ANKIWEB
        self.server = server_name(self.endpoint)
        # push --timeout gives the sync more time too: the larger of it and the login's own
        self.timeout = max(int(round(timeout)), target.network_timeout)
        self.auth = SyncAuth(hkey=target.sync_key or "", io_timeout_secs=int(self.timeout))
        if target.sync_endpoint:
            self.auth.endpoint = target.sync_endpoint
        self.did: list[str] = []  # what happened beside the normal sync, in the user's words
        self.server_copy: Path | None = None  # the server's collection, saved before an upload replaced it

    def _fail(self, message: str) -> DeliveryError:
        return DeliveryError(message, changed_nothing=False)

    def _call(self, do, uploading: bool = False):
        from anki.errors import BackendError

        try:
            return do()
        except BackendError as exc:
            raise self._fail(explain(exc, self.endpoint, self.timeout, uploading, relogin(self.target))) from None

    def _meta(self):
        out = self._call(lambda: self.col.sync_collection(self.auth, False))
        if out.new_endpoint:
            self.auth.endpoint = out.new_endpoint
        return out

    def before_import(self) -> None:
        """Bring a collection that is new here in step with the server (own collection)."""
        out = self._meta()
        if out.required == out.FULL_DOWNLOAD:
            question = (f"{self.server} holds your collection and this one is new: download it "
                        "(your other decks and reviews are kept)?")
            if not self.ask(question):
                raise DeliveryError(f"not agreed to download your collection from {self.server} "
                                    f"({self.how_to_agree})")
            self._full(out, upload=False)
            self.did.append(f"Downloaded your collection from {self.server} first")
        elif out.required == out.FULL_SYNC:
            self._both_changed(out, before_import=True)

    def after_import(self) -> str:
        """A normal sync (or the one full sync the situation allows) -> what happened."""
        out = self._meta()
        if out.required == out.FULL_UPLOAD:
            if not self.ask(f"{self.server} has no collection yet: upload this one to it?"):
                raise self._fail(f"not synced: {self.server} is empty and only an upload can fill it "
                                 f"({self.how_to_agree})")
            self._full(out, upload=True)
            self.did.append(f"Uploaded the collection to {self.server}, which was empty")
        elif out.required == out.FULL_DOWNLOAD:
            raise self._fail(f"not synced: {self.server} asks to replace this collection with its own; "
                             "push --sync --full-sync download does that (a backup first)")
        elif out.required == out.FULL_SYNC:
            self._both_changed(out, before_import=False)
        elif out.required == out.NORMAL_SYNC:
            out = self._call(lambda: self.col.sync_collection(self.auth, False))
        self._media()
        return f"Synced with {self.server}"

    def _both_changed(self, out, before_import: bool) -> None:
        here = counts(self.col)
        there = self._server_counts()
        if self.full_sync is None and before_import:  # the own collection: its cards go back in at this push
            raise self._fail(
                f"not synced: this collection and the one on {self.server} both changed in a way a sync cannot "
                f"merge (here: {here}; on {self.server}: {there}); nothing was replaced. To keep your phone's decks "
                f"and reviews: push --sync --full-sync download replaces this collection with {self.server}'s, "
                f"then puts your cards back in and syncs them; --full-sync upload would instead replace "
                f"{self.server}'s with this one, and what only {self.server} has would be lost (a backup first, "
                "either way)")
        if self.full_sync is None:
            raise self._fail(
                f"not synced: this collection and the one on {self.server} both changed in a way a sync cannot "
                f"merge (here: {here}; on {self.server}: {there}); nothing was replaced. Choose the one to keep: "
                f"push --sync --full-sync upload replaces {self.server}'s with this one, "
                f"--full-sync download replaces this one with {self.server}'s (a backup first, either way)")
        upload = self.full_sync == "upload"
        if upload:
            if before_import:
                return  # the import goes in first; after_import uploads
            self.server_copy = self._save_server_copy()
            self._full(out, upload=True)
            self.did.append(f"Replaced the collection on {self.server} ({there}) with this one ({here}); "
                            f"what {self.server} had is kept in {self.server_copy}")
        else:
            if self.backup is not None:
                self.backup()
            self._full(out, upload=False)
            self.did.append(f"Replaced this collection ({here}) with the one on {self.server} ({there})")
            if not before_import:  # the download took this push's import away with the rest
                raise self._fail(f"the download from {self.server} replaced what this push imported: "
                                 "push --sync again to put your cards back in and sync them")

    def _full(self, out, upload: bool) -> None:
        server_usn = out.server_media_usn if self.target.sync_media else None
        self.col.close_for_full_sync()
        try:
            self._call(lambda: self.col.full_upload_or_download(auth=self.auth, server_usn=server_usn, upload=upload),
                       uploading=upload)
        finally:
            self.col.reopen(after_full_sync=True)

    def _download_to(self, path: Path):
        """A new collection at PATH holding the server's (open; the caller closes it)."""
        from anki.collection import Collection

        col = Collection(str(path))
        try:
            out = self._call(lambda: col.sync_collection(self.auth, False))
            if out.required in (out.FULL_DOWNLOAD, out.FULL_SYNC):
                col.close_for_full_sync()
                try:
                    self._call(lambda: col.full_upload_or_download(auth=self.auth, server_usn=None, upload=False))
                finally:
                    col.reopen(after_full_sync=True)
        except BaseException:
            col.close()
            raise
        return col

    def _server_counts(self) -> Counts:
        with tempfile.TemporaryDirectory(prefix="deck-builder-") as tmp:
            col = self._download_to(Path(tmp) / "server.anki2")
            try:
                return counts(col)
            finally:
                col.close()

    def _save_server_copy(self) -> Path:
        folder = self.target.backups
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"server-{time.strftime('%Y-%m-%d-%H.%M.%S')}.anki2"
        self._download_to(path).close()
        return path

    def _media(self) -> None:
        if not self.target.sync_media:
            return
        self._call(lambda: self.col.sync_media(self.auth))
        deadline = time.monotonic() + 600
        while self.col.media_sync_status().active and time.monotonic() < deadline:
            time.sleep(0.2)


def normal_url(url: str | None) -> str | None:
    """--sync-url as the engine wants it (ending in /); None (or AnkiWeb's address) -> None."""
    if not url:
        return None
    try:
        parts = urllib.parse.urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError(f"--sync-url {url}: not an address like http://192.168.1.20:8080/ (the one your sync "
                            "server prints, and that your phone's custom sync server setting holds)")
    shown = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + "/", "", ""))
    return None if shown == ANKIWEB else shown


def log_in(username: str, password: str, sync_url: str | None, timeout: int, folder: Path | None = None):
    """A user name and password -> deck-builder's own collection (made if new) and its stored
    login (the sync key the server returns; the password is not kept). Raises DeliveryError."""
    from .collection import engine
    from .own import Login, own_collection, save_login

    endpoint = normal_url(sync_url)
    own = own_collection(folder)
    try:
        engine()
    except DeliveryError:
        from .collection import EXTRA

        raise DeliveryError(f"logging in needs Anki's engine, which is not installed: run  {EXTRA}") from None
    from anki.errors import BackendError, DBError

    own.create()
    try:
        col = engine().Collection(str(own.collection))
    except DBError as exc:
        if "locked" in str(exc).lower() or "already open" in str(exc).lower():
            raise DeliveryError(f"not logged in: deck-builder's own collection {own.collection} is in use (locked): "
                                "another push or watch of deck-builder is writing it; log in again when it is "
                                "done") from None
        raise DeliveryError(f"not logged in: Anki's engine cannot open {own.collection} ({_first_line(exc)}); "
                            "move that file away (it is deck-builder's own copy), then log in again") from None
    try:
        auth = col.sync_login(username=username, password=password, endpoint=endpoint)
    except BackendError as exc:
        again = f"check them, then run  {login_command(username, endpoint)}  again"
        raise DeliveryError(f"not logged in: {explain(exc, endpoint or ANKIWEB, timeout, again=again)}") from None
    finally:
        col.close()
    login = Login(username, endpoint, auth.hkey, timeout)
    try:
        save_login(own.folder, login)
    except OSError as exc:
        raise DeliveryError(f"not logged in: cannot write {own.login_file} ({exc.strerror or exc}); make it a file "
                            f"you can write (or delete it), then log in again") from None
    return own, login
