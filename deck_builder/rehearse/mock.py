"""Mock interviews, for both front ends: `deck-builder mock` in the terminal and the studio in
the browser. Here are which questions to ask (weakest first), what to show after each answer,
the history file that remembers every rating, the report, and the terminal's own loop.

The history is one file, WORKSPACE/.deck-builder/mock-history.jsonl, one JSON line per rated
answer; `check`'s summary and `brief --questions` read it too (its format: docs/studio.md).
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: the studio's threads are still kept apart by the lock
    fcntl = None

from ..cards import render
from ..cards.derive import placeholder_values
from ..sources.model import Company, Question, Story, Text, Workspace
from ..sources.problems import UserError, plural
from ..sources.workspace import STATE_DIR

HISTORY_FILE = "mock-history.jsonl"
RATINGS = {1: "missed it", 2: "shaky", 3: "good", 4: "nailed it"}


@dataclass(frozen=True)
class PointCheck:
    """One key point of a rated answer: what the studio heard, and what the user ticked."""

    point: str  # the point as shown (plain text, placeholders filled)
    heard: bool | None  # the recogniser heard it; None when it did not listen
    ticked: bool | None  # the user says it was covered (starts as heard); None: rated before it was heard


@dataclass(frozen=True)
class Practice:
    """One rated answer, as a line of the history file."""

    question: str
    company: str | None
    rating: int
    seconds: float  # how long the answer took
    time: str  # when, ISO 8601 in UTC
    recording: str | None = None  # the studio's recording of it (see studio/recordings.py)
    points: tuple[PointCheck, ...] = ()  # the studio's check of each key point, when it listened
    transcript: str | None = None  # what the recogniser heard (rehearse/listen.py)


def history_path(root: Path) -> Path:
    return root / STATE_DIR / HISTORY_FILE


def read_history(root: Path) -> list[Practice]:
    """The history file -> every answer in it, oldest first; unreadable lines are skipped."""
    path = history_path(root)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    out = []
    for line in text.splitlines():
        try:
            d = json.loads(line)
            rating = int(d["rating"])
            if rating not in RATINGS:
                continue
            recording = d.get("recording")
            transcript = d.get("transcript")
            out.append(Practice(str(d["question"]), d.get("company"), rating, float(d.get("seconds", 0)),
                                str(d.get("time", "")), recording if isinstance(recording, str) else None,
                                _point_checks(d.get("points")),
                                transcript if isinstance(transcript, str) else None))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return out


def _point_checks(saved) -> tuple[PointCheck, ...]:
    """A line's "points" -> its checks; lines written before the studio listened have none."""
    if not isinstance(saved, list):
        return ()
    out = []
    for item in saved:
        if isinstance(item, dict) and isinstance(item.get("point"), str):
            heard = item.get("heard")
            ticked = item.get("ticked")
            out.append(PointCheck(item["point"], heard if isinstance(heard, bool) else None,
                                  ticked if isinstance(ticked, bool) else None))
    return tuple(out)


def append_history(root: Path, practice: Practice) -> None:
    """Add one line to the history, whole or not at all; earlier lines are never rewritten.

    One write(2) of one line to a file opened with O_APPEND: concurrent writers (a terminal
    mock and a studio) cannot interleave inside a line, and a crash loses at most this line.
    A line cut short by an earlier crash is ended first, so it cannot swallow this one."""
    path = history_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"time": practice.time, "question": practice.question, "company": practice.company,
              "rating": practice.rating, "seconds": round(practice.seconds, 1)}
    if practice.recording:
        record["recording"] = practice.recording
    if practice.points:
        record["points"] = [{"point": c.point, "heard": c.heard, "ticked": c.ticked} for c in practice.points]
    if practice.transcript is not None:
        record["transcript"] = practice.transcript
    data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    with _APPENDING:  # the studio's threads; other processes: the file lock below
        _append(path, data)


_APPENDING = threading.Lock()


def _append(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
    try:
        if fcntl is not None:  # two writers must not both end a torn line (an empty line)
            fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_size:
            with open(path, "rb") as fh:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    data = b"\n" + data
        written = os.write(fd, data)
        while written < len(data):  # only on a full disk or a signal; finish the line
            written += os.write(fd, data[written:])
        os.fsync(fd)
    finally:
        os.close(fd)


# The one rule for the order of questions, by each question's last rating: missed it (1),
# then shaky (2), then never practised, then good (3) and nailed it (4).
WEAKEST_FIRST = {1: 0, 2: 1, None: 2, 3: 3, 4: 4}


def order_in_words() -> str:
    """WEAKEST_FIRST as every description of it says it (help, README, the studio)."""
    steps = []
    for rating in sorted(WEAKEST_FIRST, key=WEAKEST_FIRST.__getitem__):
        if rating is None:
            steps.append("those never practised")
        else:
            steps.append(f"{'those you last rated ' if not steps else ''}{rating} ({RATINGS[rating]})")
    return ", then ".join(steps)


def last_ratings(history: list[Practice]) -> dict[str, int]:
    """Question id -> the rating of its most recent practice."""
    out: dict[str, int] = {}
    for p in history:
        out[p.question] = p.rating
    return out


def candidates(ws: Workspace, company: Company | None) -> list[Question]:
    """Questions you have points for (generic, or tailored for the chosen company)."""
    tailored = company.tailoring if company else {}
    return [q for q in ws.questions.values() if q.id in ws.answers or q.id in tailored]


def choose_questions(ws: Workspace, company: Company | None, count: int, seed: int | None,
                     history: list[Practice]) -> list[Question]:
    """Weakest first (WEAKEST_FIRST); ties in random order, reproducible with SEED."""
    rng = random.Random(seed)
    last = last_ratings(history)
    pool = candidates(ws, company)
    keyed = [(WEAKEST_FIRST[last.get(q.id)], rng.random(), q) for q in pool]
    keyed.sort(key=lambda k: (k[0], k[1]))
    return [q for _, _, q in keyed[:count]]


def weakest_first(questions: list[Question], history: list[Practice]) -> list[Question]:
    """QUESTIONS in the order the next mock asks them (WEAKEST_FIRST); ties keep their order,
    so a page listing them does not shuffle on every look."""
    last = last_ratings(history)
    return sorted(questions, key=lambda q: WEAKEST_FIRST[last.get(q.id)])


def question_text(q: Question, company: Company | None) -> str:
    """The question as the interviewer asks it (plain text: placeholders filled, no Markdown)."""
    return render.text(q.ask, placeholder_values(company))


def key_points(ws: Workspace, q: Question, company: Company | None) -> tuple[list[str], list[str]]:
    """(tailored points, general points) for a question."""
    tailored = [str(p) for p in (company.tailoring.get(q.id, ()) if company else ())]
    answer = ws.answers.get(q.id)
    return tailored, [str(p) for p in (answer.points if answer else ())]


@dataclass(frozen=True)
class Review:
    """What to look at after answering: one answer's points, numbered on from the tailored
    ones (tailored 1-2, then yours 3-7), its stories, and what the interviewer looks for."""

    tailored: tuple[Text, ...]
    general: tuple[Text, ...]
    stories: tuple[Story, ...]
    why: str | None


@dataclass(frozen=True)
class Report:
    """The end of a mock: each answer's rating, and what to work on."""

    results: tuple[Practice, ...]
    history: Path

    @property
    def weak(self) -> list[Practice]:
        return [p for p in self.results if p.rating <= 2]

    @property
    def weakest_first(self) -> list[Practice]:
        """The answers by WEAKEST_FIRST of their rating; ties in the order asked."""
        return sorted(self.results, key=lambda p: WEAKEST_FIRST[p.rating])

    def lines(self) -> list[str]:
        if not self.results:
            return ["No answers recorded."]
        out = ["Report"]
        out += [f"  {p.question:<28} {p.rating}  {RATINGS[p.rating]}" for p in self.results]
        weak = [f"{p.question} ({p.rating})" for p in self.weak]
        out.append(f"Work on: {', '.join(weak)}" if weak else "Nothing rated below 3: well done.")
        out.append(f"History: {self.history} ({plural(len(self.results), 'answer')} added);"
                   " the next mock asks your weakest questions first.")
        return out


@dataclass
class Session:
    """One mock interview: the questions chosen for it and the answers rated so far."""

    ws: Workspace
    company: Company | None
    questions: list[Question]
    seconds: int  # time allowed for each answer
    results: list[Practice] = field(default_factory=list)

    @property
    def values(self) -> dict[str, str]:
        return placeholder_values(self.company)

    @property
    def speaker(self) -> str:
        return f"Interviewer, {self.company.name}" if self.company else "Interviewer"

    def review(self, q: Question) -> Review:
        tailored = self.company.tailoring.get(q.id, ()) if self.company else ()
        answer = self.ws.answers.get(q.id)
        stories = tuple(self.ws.stories[sid] for sid in answer.stories) if answer else ()
        return Review(tuple(tailored), tuple(answer.points) if answer else (), stories, q.why)

    def rate(self, q: Question, rating: int, seconds: float, recording: str | None = None,
             points: tuple[PointCheck, ...] = (), transcript: str | None = None) -> Practice:
        """Record a rating in the shared history; returns the line written."""
        if rating not in RATINGS:
            raise ValueError(f"a rating is 1, 2, 3 or 4, not {rating!r}")
        practice = Practice(q.id, self.company.id if self.company else None, rating, seconds, now_iso(), recording,
                            points, transcript)
        append_history(self.ws.root, practice)
        self.results.append(practice)
        return practice

    def report(self) -> Report:
        return Report(tuple(self.results), history_path(self.ws.root))


def start_session(ws: Workspace, company: Company | None, count: int, seconds: int,
                  seed: int | None) -> Session:
    """A new mock: COUNT questions chosen weakest first from the shared history."""
    require_questions(ws, company)
    return Session(ws, company, choose_questions(ws, company, count, seed, read_history(ws.root)), seconds)


def require_questions(ws: Workspace, company: Company | None) -> None:
    """A UserError when there is nothing to ask."""
    if not candidates(ws, company):
        raise UserError("no question has talking points yet: add some to answers.yaml first")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def clock(seconds: float) -> str:
    s = int(round(abs(seconds)))
    return f"{s // 60}:{s % 60:02d}"


# -- the terminal ------------------------------------------------------------------------------

def review_lines(session: Session, q: Question, took: float) -> list[str]:
    """The review of one answer as terminal lines: the user's text without Markdown syntax."""
    review = session.review(q)
    v = session.values
    over = f" (over time by {clock(took - session.seconds)})" if took > session.seconds else ""
    lines = [f"Your key points{over}:"]
    if review.tailored:
        lines.append(f"  For {render.line(session.company.name)}:")
        lines += [f"    {i}. {render.text(p, v)}" for i, p in enumerate(review.tailored, 1)]
        if review.general:
            lines.append("  Your points:")
        indent = "    "
    else:
        indent = "  "
    lines += [f"{indent}{i}. {render.text(p, v)}" for i, p in enumerate(review.general, len(review.tailored) + 1)]
    for story in review.stories:
        lines.append(f"  Story: {render.text(story.title, v)}: {render.text(story.result, v, block=True)}")
    if review.why:
        lines.append(f"  What they look for: {render.text(review.why, v)}")
    return lines


def run_in_terminal(session: Session, stdin, echo, interactive: bool) -> Report:
    """Ask, time, review and rate each question on STDIN/ECHO (click.echo's signature)."""
    echo(f"Mock interview: {plural(len(session.questions), 'question')}"
         f"{' for ' + render.line(session.company.name) if session.company else ''}, "
         f"{clock(session.seconds)} each. Answer aloud, as you would in the room.")
    echo("(To record your answers and see which key points were heard, rehearse in `deck-builder studio`.)")
    for n, q in enumerate(session.questions, 1):
        echo(f"\nQuestion {n} of {len(session.questions)}  [{q.id}]")
        echo(f"  {render.line(session.speaker)}: \"{question_text(q, session.company)}\"")
        echo(f"Answer aloud now ({clock(session.seconds)}), then press Enter.")
        took = timed_answer(session.seconds, interactive, stdin.readline, lambda s: echo(s, nl=False))
        if took is None:
            echo("\nInput ended; stopping here.")
            break
        for line in review_lines(session, q, took):
            echo(line)
        rating = ask_rating(stdin, echo)
        if rating is None:
            echo("\nInput ended; stopping here.")
            break
        session.rate(q, rating, took)
    report = session.report()
    echo("")
    for line in report.lines():
        echo(line)
    return report


def ask_rating(stdin, echo) -> int | None:
    """1-4 from the user; asks again on anything else; None at end of input."""
    while True:
        echo("Rate yourself: 1 missed it, 2 shaky, 3 good, 4 nailed it [1-4]: ", nl=False)
        line = stdin.readline()
        if line == "":
            return None
        if line.strip() in ("1", "2", "3", "4"):
            if not stdin.isatty():  # piped: show the answer so the transcript reads as typed
                echo(line.strip())
            return int(line.strip())
        echo("Please type 1, 2, 3 or 4.")


def timed_answer(seconds: int, interactive: bool, read_line, write) -> float | None:
    """Wait while the user answers aloud; returns the time taken, or None at end of input.

    In a terminal a countdown runs in place until Enter; without one (piped input, tests)
    there is no animation: one line is read.
    """
    start = time.monotonic()
    if not interactive:
        line = read_line()
        return None if line == "" else time.monotonic() - start
    import threading

    box: list[str] = []
    done = threading.Event()

    def reader() -> None:
        box.append(read_line())
        done.set()

    threading.Thread(target=reader, daemon=True).start()
    while not done.wait(0.25):
        left = seconds - (time.monotonic() - start)
        status = f"{clock(left)} left" if left >= 0 else f"time is up (+{clock(left)})"
        write(f"\r  {status}   ")
    write("\r" + " " * 30 + "\r")
    return None if box and box[0] == "" else time.monotonic() - start
