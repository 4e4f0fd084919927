"""What the studio's page asks for, as JSON-ready dicts: the mock (deck_builder.rehearse.mock, the
same sessions, report and history as the terminal), recordings, progress and settings.

No HTTP here (server.py does that). The workspace is read again for each new mock and each
look at progress, so edits made while the studio runs count; a broken file is reported to
the page with its FILE:LINE:COL messages, as `check` prints them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from ...atomic import replacing
from ...cards import render
from ...sources.model import Question, Workspace
from ...sources.problems import ProblemsError, UserError
from ...sources.workspace import STATE_DIR
from .. import listen, mock
from .progress import latest_company, progress, recording_json
from .recordings import NAME_RE, Growing, Recordings, UploadError, upload_limit

SETTINGS_FILE = "studio-settings.json"
DEFAULT_SETTINGS = {"record": True, "speak": False}
KEEP_SESSIONS = 20
CHUNK_LIMIT = 1024 * 1024  # one piece of a recording sent while it is made (the page sends one a second)
STALL_SECONDS = 60  # a recording sent in pieces that gets none for this long is given up


class ApiError(Exception):
    """A request the studio refuses, with its HTTP status and a message for the page."""

    def __init__(self, status: int, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = problems or []


class Studio:
    """One workspace's studio: the command's options, the page's settings and open mocks."""

    def __init__(self, folder: str, company_id: str | None, count: int, seconds: int, seed: int | None,
                 after_rating: Callable[[], None] | None = None):
        self.folder = folder
        self.after_rating = after_rating  # called on a worker thread once a rating is saved (cli.py: push's)
        self.root = Path(folder)
        self.defaults = {"company": company_id, "count": count, "seconds": seconds}
        self.seed = seed
        self.recordings = Recordings(self.root)
        self.sessions: dict[str, mock.Session] = {}
        self.hearings: dict[str, dict[int, dict]] = {}  # mock id -> answer -> what was heard (listen.py)
        self.takes: dict[str, dict[int, dict[str, dict]]] = {}  # mock id -> answer -> each take's hearing
        self.streams: dict[tuple[str, int], Stream] = {}  # (mock id, answer) -> its recording being sent
        self._watcher: threading.Thread | None = None  # gives up streams left idle (a page closed mid-answer)
        self._idle = threading.Event()  # never set: the watcher's wait
        self.lock = threading.Lock()
        self.decoding = threading.Semaphore(1)  # one answer at a time: the page keeps the other core
        self.listen_missing = listen.missing()  # None, or how to install the recogniser
        self.link_key = secrets.token_bytes(32)  # signs recording links (the server derives it from its key)

    # -- recording links -------------------------------------------------------------------

    def _signature(self, question: str, name: str) -> str:
        return hmac.new(self.link_key, f"{question}/{name}".encode(), hashlib.sha256).hexdigest()[:32]

    def recording_url(self, question: str, name: str) -> str:
        """The address an <audio> element plays, which cannot send the key as a header: signed,
        it opens this one recording and nothing else."""
        return f"/recordings/{question}/{name}?sig={self._signature(question, name)}"

    def link_ok(self, question: str, name: str, sig: str) -> bool:
        return hmac.compare_digest(sig.encode(), self._signature(question, name).encode())

    # -- the workspace ---------------------------------------------------------------------

    def load(self) -> Workspace:
        from ...sources.workspace import load_workspace

        try:
            ws, _ = load_workspace(self.folder)
        except ProblemsError as exc:
            raise ApiError(422, f"the workspace has errors ({exc.summary}); fix them and try again",
                           [str(p) for p in exc.problems if p.is_error]) from None
        except UserError as exc:
            raise ApiError(422, exc.message) from None
        return ws

    def state(self) -> dict:
        ws = self.load()
        return {
            "workspace": ws.shown_root,
            "workspace_name": ws.root.resolve().name,
            "companies": [{"id": c.id, "name": render.plain(c.name)} for c in ws.companies.values()],
            "defaults": self.defaults,
            "settings": self.settings(),
            "order": mock.order_in_words(),
            "ratings": {str(k): v for k, v in mock.RATINGS.items()},
            "lang": (ws.settings.tts or "").replace("_", "-") or None,
            "recordings_folder": str(self.recordings.folder),
            "history_file": str(mock.history_path(ws.root)),
            "listen": {"available": self.listen_missing is None, "install": self.listen_missing},
        }

    # -- settings --------------------------------------------------------------------------

    def settings(self) -> dict:
        path = self.root / STATE_DIR / SETTINGS_FILE
        out = dict(DEFAULT_SETTINGS)
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return out
        if isinstance(saved, dict):
            out.update({k: v for k, v in saved.items() if k in DEFAULT_SETTINGS and isinstance(v, bool)})
        return out

    def change_settings(self, body: dict) -> dict:
        new = self.settings()
        for key, value in body.items():
            if key not in DEFAULT_SETTINGS or not isinstance(value, bool):
                raise ApiError(400, f"unknown setting {key!r} (the settings are {', '.join(DEFAULT_SETTINGS)})")
            new[key] = value
        path = self.root / STATE_DIR / SETTINGS_FILE
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self.lock, replacing(path) as tmp:
                tmp.write_text(json.dumps(new, indent=1) + "\n", encoding="utf-8")
        except OSError as exc:
            raise ApiError(507, f"the settings could not be written to {path} ({exc.strerror})") from None
        return new

    # -- the mock --------------------------------------------------------------------------

    def start_mock(self, body: dict) -> dict:
        ws = self.load()
        company_id = body.get("company")
        if company_id is not None and not isinstance(company_id, str):
            raise ApiError(400, f"company: expected a company id or null, got {company_id!r}")
        company_id = company_id or None
        count = _integer(body.get("count", self.defaults["count"]), "count", 1, 100)
        seconds = _integer(body.get("seconds", self.defaults["seconds"]), "seconds", 5, 3600)
        company = None
        if company_id is not None:
            company = ws.companies.get(str(company_id))
            if company is None:
                raise ApiError(404, f"no company '{company_id}'; the companies are: {', '.join(ws.companies) or 'none yet'}")
        asked = body.get("questions")  # the page reopening its mock after a restart: the same questions
        if asked is not None:
            if not isinstance(asked, list) or not 1 <= len(asked) <= 100 or len(set(map(str, asked))) != len(asked) \
                    or not all(isinstance(i, str) for i in asked):
                raise ApiError(400, "questions: expected a list of different question ids")
            gone = [i for i in asked if i not in ws.questions]
            if gone:
                raise ApiError(404, f"no question '{gone[0]}' in the workspace any more; start a new mock")
            session = mock.Session(ws, company, [ws.questions[i] for i in asked], seconds)
            rated = body.get("rated", [])  # answered before the restart: their ratings are in the history
            if not isinstance(rated, list) or not all(isinstance(i, str) and i in asked for i in rated):
                raise ApiError(400, "rated: expected the ids of questions of this mock")
            last = {p.question: p for p in mock.read_history(ws.root)}
            session.results.extend(last[i] for i in dict.fromkeys(rated) if i in last)
        else:
            try:
                session = mock.start_session(ws, company, count, seconds, self.seed)
            except UserError as exc:
                raise ApiError(422, exc.message) from None
        sid = secrets.token_hex(8)
        with self.lock:
            self.sessions[sid] = session
            while len(self.sessions) > KEEP_SESSIONS:
                oldest = next(iter(self.sessions))
                self.sessions.pop(oldest)
                self.hearings.pop(oldest, None)
                self.takes.pop(oldest, None)
                for key in [k for k in self.streams if k[0] == oldest]:
                    self.streams.pop(key).abandon()
        return {
            "id": sid, "seconds": seconds, "speaker": render.plain(session.speaker),
            "company": render.plain(company.name) if company else None,
            "questions": [self._question_json(session, q) for q in session.questions],
            "upload_limit": upload_limit(seconds),
        }

    def _question_json(self, session: mock.Session, q: Question) -> dict:
        v = session.values
        review = session.review(q)
        name = render.plain(session.company.name) if session.company else None
        return {
            "id": q.id,
            "ask": mock.question_text(q, session.company),  # plain text, for speech synthesis
            "ask_html": render.inline(q.ask, v),
            "tailored_label": f"For {name}" if review.tailored else None,
            "tailored": [render.inline(p, v) for p in review.tailored],
            "general_label": "Your points" if review.tailored and review.general else None,
            "general": [render.inline(p, v) for p in review.general],
            "general_start": len(review.tailored) + 1,  # one answer, one count
            "stories": [{"title_html": render.inline(s.title, v), "result_html": render.block(s.result, v)}
                        for s in review.stories],
            "why_html": render.inline(review.why, v) if review.why else None,
        }

    def _answer(self, sid: str, index: int) -> tuple[mock.Session, Question]:
        session = self.sessions.get(sid)
        if session is None:
            raise ApiError(404, "this mock is no longer open (the studio was restarted?); start a new one")
        if not 0 <= index < len(session.questions):
            raise ApiError(404, f"this mock has no question {index + 1}")
        return session, session.questions[index]

    def save_recording(self, sid: str, index: int, content_type: str, body, length: int | None,
                       seconds: float) -> dict:
        session, q = self._answer(sid, index)
        if not self.settings()["record"]:
            raise ApiError(409, "recording is turned off in the studio's settings; nothing was stored")
        with self.lock:  # the whole recording replaces one that was being sent in pieces
            broken = self.streams.pop((sid, index), None)
        if broken is not None:
            broken.abandon()
        try:
            rec = self.recordings.save(q.id, content_type, body, length, seconds, upload_limit(session.seconds))
        except UploadError as exc:
            raise ApiError(exc.status, exc.message) from None
        out = recording_json(rec, self.recording_url)
        out["listening"] = self._start_hearing(sid, index, session, q, rec.name)
        return out

    # -- a recording sent in pieces while it is made, heard as it comes --------------------

    def add_chunk(self, sid: str, index: int, content_type: str, seq: int, data: bytes, last: bool,
                  seconds: float) -> dict:
        """Piece SEQ of the answer's recording (0 starts it). The last one keeps the recording,
        as save_recording does, and answers as it does; the others answer how much has come."""
        session, q = self._answer(sid, index)
        key = (sid, index)
        try:
            if not self.settings()["record"]:
                raise ApiError(409, "recording is turned off in the studio's settings; nothing was stored")
            if any(p.question == q.id for p in session.results):
                raise ApiError(409, "this answer is rated already; nothing more is stored for it")
            if seq == 0:
                try:
                    growing = self.recordings.begin(q.id, content_type, data)
                except UploadError as exc:
                    raise ApiError(exc.status, exc.message) from None
        except ApiError:
            self._drop_stream(key)  # a recording being sent for this answer ends with its piece refused
            raise
        if seq == 0:
            stream = Stream(growing, upload_limit(session.seconds))
            with self.lock:
                old, self.streams[key] = self.streams.get(key), stream
                if self._watcher is None:
                    self._watcher = threading.Thread(target=self._watch_streams, name="studio-streams", daemon=True)
                    self._watcher.start()
            if old is not None:
                old.abandon()  # a new take of the same answer (the page was reloaded)
            self._start_stream_hearing(sid, index, session, q, stream)
            stream.feed_piece(data, last)
        else:
            with self.lock:
                stream = self.streams.get(key)
            if stream is None:
                raise ApiError(409, "no recording is being sent for this answer; piece 0 starts one")
            try:
                stream.add(seq, content_type, data, last)
            except UploadError as exc:
                self._drop_stream(key, stream)
                raise ApiError(exc.status, exc.message) from None
        if not last:
            return {"received": stream.next_seq, "bytes": stream.growing.size}
        self._drop_stream(key, stream, abandon=False)
        try:
            rec, failed = stream.finish(seconds)
        except UploadError as exc:
            raise ApiError(exc.status, exc.message) from None
        if stream.entry is not None:
            with self.lock:
                stream.entry["recording"] = rec.name
                # "try again": kept per take. setdefault: if hearing it as it came failed since
                # finish() (the worker heard it whole, _start_hearing), that hearing is the take's.
                self.takes.setdefault(sid, {}).setdefault(index, {}).setdefault(rec.name, stream.entry)
        listening = stream.listening
        if failed:
            listening = self._start_hearing(sid, index, session, q, rec.name)
            if not listening and stream.entry is not None:
                with self.lock:
                    stream.entry.update(state="failed")
        out = recording_json(rec, self.recording_url)
        out["listening"] = listening
        return out

    def _drop_stream(self, key: tuple[str, int], stream: Stream | None = None, abandon: bool = True) -> None:
        """Stop taking pieces for KEY's STREAM (None: whichever is being sent)."""
        with self.lock:
            current = self.streams.get(key)
            if current is not None and (stream is None or current is stream):
                del self.streams[key]
            stream = stream or current
        if abandon and stream is not None:
            stream.abandon()

    def expire_streams(self, now: float | None = None) -> None:
        """Give up every recording whose pieces stopped coming for STALL_SECONDS (by NOW, a
        time.monotonic()): the page was closed mid-answer. Its .part file is removed."""
        now = time.monotonic() if now is None else now
        with self.lock:  # abandoned under the lock: once this returns, the files are gone
            for key in [k for k, s in self.streams.items() if s.deadline <= now]:
                stream = self.streams.pop(key)
                try:
                    stream.abandon()
                except OSError as exc:
                    print(f"studio: could not remove an unfinished recording: {exc}", file=sys.stderr)

    def _watch_streams(self) -> None:
        """A thread of the studio's own while recordings are being sent: gives up idle ones."""
        while True:
            with self.lock:
                if not self.streams:
                    self._watcher = None
                    return
                wait = min(s.deadline for s in self.streams.values()) - time.monotonic()
            if wait > 0:
                self._idle.wait(wait)
            self.expire_streams()

    def _start_stream_hearing(self, sid: str, index: int, session: mock.Session, q: Question,
                              stream: Stream) -> None:
        """Hear the recording as its pieces come, on a thread of its own; if that fails, hear the
        whole recording once it is kept, as save_recording does."""
        points, context = self._points(session, q)
        if not self._can_hear(session, points):
            return
        feed = listen.Feed(STALL_SECONDS)
        stream.feed, stream.listening = feed, True
        entry = {"state": "listening", "recording": None, "points": points, "stream": feed}
        stream.entry = entry
        with self.lock:
            self.hearings.setdefault(sid, {})[index] = entry

        def work() -> None:
            try:
                hearing = listen.hear_stream(feed, points, context, turn=self.decoding)
            except listen.Stalled:
                with self.lock:
                    entry.update(state="failed")
                self._drop_stream((sid, index), stream)
                return
            except Exception as exc:  # a recording the demuxer cannot read as it grows: hear it whole
                print(f"studio: could not listen to the recording of {q.id} as it came "
                      f"({type(exc).__name__}: {exc}); listening to it whole once it is in", file=sys.stderr)
                if stream.failed() and not self._start_hearing(sid, index, session, q, stream.recording.name):
                    with self.lock:  # kept already: heard whole now (else when it is, add_chunk)
                        entry.update(state="failed")
                return
            with self.lock:
                entry.update(state="done", transcript=hearing.transcript, heard=list(hearing.heard))

        threading.Thread(target=work, name=f"listen-stream-{q.id}", daemon=True).start()

    # -- hearing the answer (listen.py), off the request thread ----------------------------

    def _can_hear(self, session: mock.Session, points: list[str]) -> bool:
        tts = session.ws.settings.tts
        # the recogniser knows US English only: another language would never be heard
        return self.listen_missing is None and bool(points) and not (tts and not tts.lower().startswith("en"))

    def _points(self, session: mock.Session, q: Question) -> tuple[list[str], list[str]]:
        """(the key points in the review's order, the answer's other texts), as plain text."""
        review = session.review(q)
        v = session.values
        points = [render.text(p, v) for p in (*review.tailored, *review.general)]
        context = [render.text(t, v, block=True) for s in review.stories for t in (s.title, s.result) if t]
        return points, context

    def _start_hearing(self, sid: str, index: int, session: mock.Session, q: Question, name: str) -> bool:
        """Start transcribing the recording NAME in a thread of its own; False when it cannot."""
        points, context = self._points(session, q)
        if not self._can_hear(session, points):
            return False
        path = self.recordings.find(q.id, name)
        if path is None:
            return False
        entry = {"state": "listening", "recording": name, "points": points}
        with self.lock:
            self.hearings.setdefault(sid, {})[index] = entry
            self.takes.setdefault(sid, {}).setdefault(index, {})[name] = entry  # "try again": kept per take

        def work() -> None:
            with self.decoding:
                try:
                    hearing = listen.hear(path, points, context)
                except Exception as exc:  # an unreadable recording, a recogniser that fails: say so
                    print(f"studio: could not listen to {path.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
                    done = {"state": "failed"}
                else:
                    done = {"state": "done", "transcript": hearing.transcript, "heard": list(hearing.heard)}
            with self.lock:
                entry.update(done)

        threading.Thread(target=work, name=f"listen-{q.id}", daemon=True).start()
        return True

    def heard(self, sid: str, index: int, recording: str | None = None) -> dict:
        """What the recogniser heard in an answer (its newest take, or the take RECORDING):
        listening, done (per point, the transcript), failed, or off (not installed, or nothing
        recorded). An answer sent in pieces adds stream: the pieces come, how many it had
        decoded, and how many of them at Done."""
        session, _ = self._answer(sid, index)
        if recording is not None:  # an earlier take ("try again"), chosen to be kept
            if not NAME_RE.match(recording):
                raise ApiError(400, "recording: expected the name of one of this answer's takes")
            with self.lock:
                entry = dict(self.takes.get(sid, {}).get(index, {}).get(recording) or {})
            if not entry:
                raise ApiError(404, "recording: the studio did not listen to that take of this answer "
                                    "(was it restarted?)")
        else:
            with self.lock:
                entry = dict(self.hearings.get(sid, {}).get(index) or {})
        if not entry:
            tts = session.ws.settings.tts
            why = self.listen_missing
            if why is None and tts and not tts.lower().startswith("en"):
                why = f"Hearing your answers works in English only (this deck's language is {tts}), so it is off."
            return {"state": "off", "why": why, "install": self.listen_missing}
        out = {"state": entry["state"], "points": entry["points"]}
        feed = entry.get("stream")
        if feed is not None:  # heard as it came: how far the recogniser had got
            out["stream"] = {"chunks": feed.chunks, "decoded": feed.caught_up,
                             "decoded_at_done": feed.caught_up_at_end}
        if entry["state"] == "done":
            out.update(heard=entry["heard"], transcript=entry["transcript"])
        elif entry["state"] == "failed":
            out["error"] = "The recording could not be heard (see the studio's terminal); rate it as usual."
        return out

    def _checks(self, sid: str, index: int, session: mock.Session, q: Question, recording: str | None,
                ticked) -> tuple[tuple[mock.PointCheck, ...], str | None]:
        """The rating's points: what was heard in RECORDING (the take kept) and what the user TICKED."""
        with self.lock:
            entry = dict(self.takes.get(sid, {}).get(index, {}).get(recording or "")
                         or self.hearings.get(sid, {}).get(index) or {})
        if not entry or entry.get("recording") != recording:
            if ticked is None:
                return (), None
            # heard by a studio that has stopped since (the page kept its ticks): the ticks count,
            # what was heard is unknown here
            points = self._points(session, q)[0] if recording is not None else []
            if not points or not isinstance(ticked, list) or len(ticked) != len(points) \
                    or not all(isinstance(t, bool) for t in ticked):
                raise ApiError(400, "ticked: this answer was not heard, so it has no points to tick")
            return tuple(mock.PointCheck(p, None, t) for p, t in zip(points, ticked)), None
        points = entry["points"]
        done = entry["state"] == "done"
        heard = entry["heard"] if done else [None] * len(points)
        if ticked is None:  # the page showed no ticks (rated before it showed what was heard): none given
            ticked = [None] * len(points)
        elif (not done or not isinstance(ticked, list) or len(ticked) != len(points)
                or not all(isinstance(t, bool) for t in ticked)):
            raise ApiError(400, f"ticked: expected {len(points)} true or false, one per key point")
        return (tuple(mock.PointCheck(p, h, t) for p, h, t in zip(points, heard, ticked)),
                entry["transcript"] if done else None)

    def rate(self, sid: str, index: int, body: dict) -> dict:
        session, q = self._answer(sid, index)
        rating = body.get("rating")
        if not isinstance(rating, int) or isinstance(rating, bool) or rating not in mock.RATINGS:
            raise ApiError(400, "a rating is 1, 2, 3 or 4")
        seconds = body.get("seconds", 0)
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not 0 <= seconds <= 86400:
            raise ApiError(400, "seconds: expected the answer's length in seconds")
        recording = body.get("recording")
        if recording is not None and (not isinstance(recording, str)
                                      or self.recordings.find(q.id, recording) is None):
            raise ApiError(400, "recording: not one of this question's recordings")
        discard = body.get("discard", [])  # the other takes ("try again"), which the user chose not to keep
        # a name deleted already (in Progress, in another tab) is fine: it is gone, as asked
        if not isinstance(discard, list) or not all(isinstance(n, str) and n != recording and NAME_RE.match(n)
                                                    for n in discard):
            raise ApiError(400, "discard: expected the names of this question's other recordings")
        checks, transcript = self._checks(sid, index, session, q, recording, body.get("ticked"))
        with self.lock:
            if any(p.question == q.id for p in session.results):
                raise ApiError(409, "this answer is rated already")
            try:
                practice = session.rate(q, rating, float(seconds), recording, checks, transcript)
            except OSError as exc:
                raise ApiError(507, f"the rating could not be written to {mock.history_path(self.root)} "
                                    f"({exc.strerror}); it was not saved") from None
            self.takes.get(sid, {}).pop(index, None)
        deleted, kept = [], []
        for name in dict.fromkeys(discard):  # only once the rating, and so the choice, is saved
            try:
                if self.recordings.delete(q.id, name):  # else gone already: nothing to say
                    deleted.append(name)
            except (OSError, UploadError):
                kept.append(name)
        if self.after_rating is not None:
            threading.Thread(target=self.after_rating, name="after-rating", daemon=True).start()
        return {"question": practice.question, "rating": practice.rating, "words": mock.RATINGS[practice.rating],
                "deleted": deleted, "not_deleted": kept}

    def report(self, sid: str) -> dict:
        session = self.sessions.get(sid)
        if session is None:
            raise ApiError(404, "this mock is no longer open; start a new one")
        report = session.report()
        asked = {q.id: q for q in session.questions}
        rows = []
        for p in report.weakest_first:
            q = asked.get(p.question)
            found = self.recording_file(p.question, p.recording) if p.recording else None
            rows.append({
                "id": p.question,
                "ask": mock.question_text(q, session.company) if q else p.question,  # as the mock asked it
                "ask_html": render.inline(q.ask, session.values) if q else "",
                "rating": p.rating, "words": mock.RATINGS[p.rating], "seconds": round(p.seconds, 1),
                "recording": {"name": p.recording, "url": self.recording_url(p.question, p.recording)}
                if found else None,
                "points": [{"point": c.point, "heard": c.heard, "ticked": c.ticked} for c in p.points],
            })
        return {
            "rows": rows,
            "work_on": [{"id": p.question, "rating": p.rating} for p in report.weak],
            "lines": report.lines(),
            "asked": len(session.questions),
            "company": session.company.id if session.company else None,
        }

    # -- progress and recordings -----------------------------------------------------------

    def progress(self, company_id: str | None = None) -> dict:
        """Progress, the questions as asked at COMPANY_ID ("": none; None: the latest mock's)."""
        ws = self.load()
        try:
            recordings = self.recordings.list()
        except UploadError as exc:
            raise ApiError(exc.status, exc.message) from None
        history = mock.read_history(ws.root)
        if company_id is None:
            company = latest_company(ws, history)
        elif company_id:
            company = ws.companies.get(company_id)
            if company is None:
                raise ApiError(404, f"no company '{company_id}'; the companies are: {', '.join(ws.companies) or 'none yet'}")
        else:
            company = None
        return progress(ws, history, recordings, url=self.recording_url, company=company)

    def recording_file(self, question: str, name: str) -> Path | None:
        try:
            return self.recordings.find(question, name)
        except UploadError:
            return None

    def delete_recording(self, question: str, name: str) -> dict:
        try:
            deleted = self.recordings.delete(question, name)
        except UploadError as exc:
            raise ApiError(exc.status, exc.message) from None
        if not deleted:
            raise ApiError(404, "no such recording (deleted already?)")
        return {"deleted": f"{question}/{name}"}


class Stream:
    """One answer's recording while the page sends it in pieces: written to its .part file
    (recordings.Growing) and, when the studio can hear, fed to listen.hear_stream."""

    def __init__(self, growing: Growing, limit: int):
        self.growing = growing
        self.limit = limit
        self.deadline = time.monotonic() + STALL_SECONDS  # given up unless a piece comes by then
        self.next_seq = 1
        self.lock = threading.Lock()
        self.feed: listen.Feed | None = None
        self.listening = False
        self.entry: dict | None = None
        self.recording = None  # the Recording, once kept
        self.done = False
        self._failed = False  # hearing it as it came failed: it is heard whole once kept

    def feed_piece(self, data: bytes, last: bool) -> None:
        if self.feed is not None:
            self.feed.append(data, last)

    def add(self, seq: int, content_type: str, data: bytes, last: bool) -> None:
        with self.lock:
            if self.done:
                raise UploadError(409, "this recording is finished already")
            if seq != self.next_seq:
                raise UploadError(409, f"piece {seq} came out of order (piece {self.next_seq} was next); "
                                       "the page sends the whole recording instead")
            if content_type != self.growing.content_type:
                raise UploadError(415, f"this recording is {self.growing.content_type}, not {content_type or 'nothing'}")
            if self.growing.size + len(data) > self.limit:
                raise UploadError(413, f"the recording is over {self.limit:,} bytes, the most accepted for the "
                                       "time allowed")
            self.growing.append(data)
            self.deadline = time.monotonic() + STALL_SECONDS
            self.next_seq += 1
            self.done = last
            self.feed_piece(data, last)

    def finish(self, seconds: float):
        """(the Recording kept, whether it must now be heard whole)."""
        try:
            recording = self.growing.finish(seconds)
        except UploadError:
            self.abandon()
            raise
        with self.lock:
            self.recording = recording
            return recording, self._failed

    def failed(self) -> bool:
        """Hearing it as it came failed: True when it is kept already (hear it whole now)."""
        with self.lock:
            self._failed = True
            return self.recording is not None

    def abandon(self) -> None:
        with self.lock:
            self.done = True
            kept = self.recording is not None
        if not kept:
            self.growing.abandon()
        if self.feed is not None:
            self.feed.abandon()


def _integer(value, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApiError(400, f"{name}: expected a whole number from {low} to {high}, got {value!r}")
    return value
