"""The user's recordings: kept in the workspace, next to the build state, and nowhere else.

    WORKSPACE/.deck-builder/recordings/QUESTION-ID/20261201T101500Z-95s-3fa9c2e1.webm

The server chooses every name (when, how long, a random tag), so nothing a request says can
name a file; a name is looked up only if it matches that pattern, under a known question id.
An upload is written to a hidden .part file and renamed once it is whole and looks like
audio: a broken upload leaves no half file. A recording sent in pieces while it is made
(Growing) is appended to such a .part file piece by piece and renamed the same way at its
end. The folder holds a .gitignore of "*", so recordings never reach a repository by accident.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ...sources.textrules import ID_RE
from ...sources.workspace import STATE_DIR

RECORDINGS_DIR = "recordings"
# MediaRecorder's containers: Chromium and Firefox record WebM or Ogg (Opus), Safari MP4 (AAC).
KINDS = {"audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a"}
MEDIA_TYPES = {ext: kind for kind, ext in KINDS.items()}
NAME_RE = re.compile(r"^(\d{8}T\d{6}Z)-(\d{1,5})s-([0-9a-f]{8})\.(webm|ogg|m4a)$")
PART_PREFIX = ".upload-"
CHUNK = 64 * 1024
# Opus at the page's 64 kbit/s is 8 KB a second; Safari's AAC may take twice that. Allow
# four times the page's rate, plus a megabyte, for the time allowed.
BYTES_PER_SECOND = 32 * 1024


def upload_limit(seconds: int) -> int:
    """The largest recording accepted for an answer of at most SECONDS."""
    return 1024 * 1024 + seconds * BYTES_PER_SECOND


class UploadError(Exception):
    """A recording that is not stored, with the HTTP status that says why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Recording:
    question: str
    name: str
    time: datetime  # when it was made (UTC)
    seconds: int  # its length, as the page measured it
    size: int  # bytes

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.name.rsplit(".", 1)[1]]


def _looks_like(ext: str, head: bytes) -> bool:
    if ext == "webm":
        return head.startswith(b"\x1a\x45\xdf\xa3")  # EBML, WebM's container
    if ext == "ogg":
        return head.startswith(b"OggS")
    return head[4:8] == b"ftyp"  # ISO base media (MP4)


def _keep(part: Path, question: str, ext: str, seconds: float, size: int) -> Recording:
    """The whole recording PART -> its place, under the name the studio gives it."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    seconds = max(0, min(int(round(seconds)), 99999))
    name = f"{now:%Y%m%dT%H%M%SZ}-{seconds}s-{secrets.token_hex(4)}.{ext}"
    os.replace(part, part.parent / name)
    return Recording(question, name, now, seconds, size)


class Growing:
    """A recording being sent in pieces: appended to its .part file, kept whole at the end.

    Its state is "open" (pieces come), "finishing" (being kept: abandon() leaves it alone),
    "kept" or "abandoned" (the .part is gone, and is never made again: nothing more is written)."""

    def __init__(self, question: str, content_type: str, part: Path):
        self.question = question
        self.content_type = content_type
        self.part = part
        self.size = 0
        self.state = "open"
        self._lock = threading.Lock()

    def _failed(self, exc: OSError) -> UploadError:
        return UploadError(507, f"the recording could not be written to {self.part.parent} ({exc.strerror}); "
                                "nothing was stored")

    def append(self, data: bytes) -> None:
        with self._lock:
            if self.state != "open":
                raise UploadError(409, "this recording stopped coming before its end; "
                                       "the page sends the whole recording instead")
            try:
                with open(self.part, "ab") as fh:
                    fh.write(data)
            except OSError as exc:
                self.state = "abandoned"
                self.part.unlink(missing_ok=True)
                raise self._failed(exc) from None
            self.size += len(data)

    def finish(self, seconds: float) -> Recording:
        with self._lock:
            if self.state != "open":
                raise UploadError(409, "this recording stopped coming before its end; "
                                       "the page sends the whole recording instead")
            self.state = "finishing"
        try:
            # r+b: the .part must still be there (never made again, empty, if it was deleted)
            with open(self.part, "r+b") as fh:
                os.fsync(fh.fileno())
            if self.part.stat().st_size != self.size:
                raise UploadError(409, "this recording was not written whole; the page sends the whole recording instead")
            recording = _keep(self.part, self.question, KINDS[self.content_type], seconds, self.size)
        except FileNotFoundError:
            with self._lock:
                self.state = "abandoned"
            raise UploadError(409, "this recording stopped coming before its end; "
                                   "the page sends the whole recording instead") from None
        except (OSError, UploadError) as exc:
            with self._lock:
                self.state = "abandoned"
            self.part.unlink(missing_ok=True)
            if isinstance(exc, UploadError):
                raise
            raise self._failed(exc) from None
        with self._lock:
            self.state = "kept"
        return recording

    def abandon(self) -> None:
        """Nothing is kept (the page sends the whole recording instead); a recording being
        kept, or kept already, is left alone."""
        with self._lock:
            if self.state != "open":
                return
            self.state = "abandoned"
            self.part.unlink(missing_ok=True)


class Recordings:
    """WORKSPACE/.deck-builder/recordings."""

    def __init__(self, root: Path):
        self.root = root
        self.folder = root / STATE_DIR / RECORDINGS_DIR

    def _inside(self, path: Path) -> bool:
        return path.resolve().is_relative_to(self.root.resolve())

    def _question_folder(self, question: str, create: bool) -> Path | None:
        if not ID_RE.match(question):
            return None
        folder = self.folder / question
        try:
            if create and not self.folder.is_dir():
                self.folder.mkdir(parents=True, exist_ok=True)
                (self.folder / ".gitignore").write_text(
                    "# Your recordings (deck-builder studio): never committed.\n*\n", encoding="utf-8")
            if create:
                folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise UploadError(507, f"{folder} could not be created ({exc.strerror}); nothing was stored") from None
        # A folder replaced by a link to somewhere else is never written to or read from.
        if not self._inside(self.folder) or (folder.exists() and not self._inside(folder)):
            raise UploadError(403, f"{self.folder} leads outside the workspace; recordings stay inside it")
        return folder

    def save(self, question: str, content_type: str, body, length: int | None, seconds: float,
             limit: int) -> Recording:
        """Store LENGTH bytes from BODY (a file object) as a recording of QUESTION."""
        ext = KINDS.get(content_type)
        if ext is None:
            raise UploadError(415, f"a recording is sent as {', '.join(KINDS)}, not {content_type or 'nothing'}")
        if length is None:
            raise UploadError(411, "a recording needs its length (Content-Length)")
        if length > limit:
            raise UploadError(413, f"the recording is {length:,} bytes; at most {limit:,} are accepted "
                                   "for the time allowed")
        if length == 0:
            raise UploadError(400, "the recording is empty")
        folder = self._question_folder(question, create=True)
        if folder is None:
            raise UploadError(404, f"no question '{question}'")
        part = folder / f"{PART_PREFIX}{secrets.token_hex(8)}.part"
        try:
            with open(part, "xb") as fh:
                left = length
                while left:
                    try:
                        chunk = body.read(min(CHUNK, left))
                    except OSError:  # reset or timed out
                        chunk = b""
                    if not chunk:
                        raise UploadError(400, f"the recording was cut short after {length - left:,} of "
                                               f"{length:,} bytes; nothing was stored")
                    fh.write(chunk)
                    left -= len(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            with open(part, "rb") as fh:
                if not _looks_like(ext, fh.read(12)):
                    raise UploadError(415, f"this is not {content_type} audio; nothing was stored")
            return _keep(part, question, ext, seconds, length)
        except OSError as exc:  # a full disk, a folder made read-only
            raise UploadError(507, f"the recording could not be written to {folder} ({exc.strerror}); "
                                   "nothing was stored") from None
        finally:
            part.unlink(missing_ok=True)

    def begin(self, question: str, content_type: str, head: bytes) -> Growing:
        """A recording of QUESTION to be sent in pieces, HEAD (its first piece) first."""
        ext = KINDS.get(content_type)
        if ext is None:
            raise UploadError(415, f"a recording is sent as {', '.join(KINDS)}, not {content_type or 'nothing'}")
        if not _looks_like(ext, head[:12]):
            raise UploadError(415, f"this is not {content_type} audio; nothing was stored")
        folder = self._question_folder(question, create=True)
        if folder is None:
            raise UploadError(404, f"no question '{question}'")
        growing = Growing(question, content_type, folder / f"{PART_PREFIX}{secrets.token_hex(8)}.part")
        growing.append(head)
        return growing

    def find(self, question: str, name: str) -> Path | None:
        """The file of one recording, or None (no such recording, or a name we never give)."""
        if not NAME_RE.match(name) or not ID_RE.match(question):
            return None
        folder = self._question_folder(question, create=False)
        path = folder / name if folder else None
        if path is None or not path.is_file() or not self._inside(path):
            return None
        return path

    def delete(self, question: str, name: str) -> bool:
        path = self.find(question, name)
        if path is None:
            return False
        path.unlink(missing_ok=True)
        return True

    def list(self) -> dict[str, list[Recording]]:
        """Question id -> its recordings, oldest first."""
        out: dict[str, list[Recording]] = {}
        if not self.folder.is_dir() or not self._inside(self.folder):
            return out
        for folder in sorted(self.folder.iterdir()):
            if not folder.is_dir() or not ID_RE.match(folder.name) or not self._inside(folder):
                continue
            for path in sorted(folder.iterdir()):
                m = NAME_RE.match(path.name)
                if m and path.is_file() and self._inside(path):
                    when = datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
                    out.setdefault(folder.name, []).append(
                        Recording(folder.name, path.name, when, int(m.group(2)), path.stat().st_size))
        return out

    def remove_partial(self) -> None:
        """Remove uploads a stopped studio left unfinished."""
        if not self.folder.is_dir() or not self._inside(self.folder):
            return
        for part in self.folder.glob(f"*/{PART_PREFIX}*.part"):
            try:
                part.unlink()
            except OSError:
                pass
