"""deck-builder mock: a timed mock interview in the terminal, with a history that remembers
how you rated each answer, so the next mock asks your weakest questions first."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .model import Company, Question, Workspace
from .derive import placeholder_values
from .render import fill
from .state import STATE_DIR

HISTORY_FILE = "mock-history.jsonl"
RATINGS = {1: "missed it", 2: "shaky", 3: "good", 4: "nailed it"}


@dataclass(frozen=True)
class Practice:
    """One answer from the history file."""

    question: str
    company: str | None
    rating: int
    seconds: float
    time: str


def history_path(root: Path) -> Path:
    return root / STATE_DIR / HISTORY_FILE


def read_history(root: Path) -> list[Practice]:
    """The history file -> every answer in it, oldest first; unreadable lines are skipped."""
    path = history_path(root)
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            d = json.loads(line)
            rating = int(d["rating"])
            if rating not in RATINGS:
                continue
            out.append(Practice(str(d["question"]), d.get("company"), rating, float(d.get("seconds", 0)),
                                str(d.get("time", ""))))
        except (ValueError, KeyError, TypeError):
            continue
    return out


def append_history(root: Path, practice: Practice) -> None:
    """Append one line (append-only: earlier lines are never rewritten)."""
    path = history_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"time": practice.time, "question": practice.question, "company": practice.company,
                             "rating": practice.rating, "seconds": round(practice.seconds, 1)}) + "\n")


# A question's place by its last rating: missed it (1), then shaky (2), then never practised,
# then good (3) and nailed (4).
WEAKEST_FIRST = {1: 0, 2: 1, None: 2, 3: 3, 4: 4}


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
    """Weakest first: rated 1, then 2, then never practised, then 3 and 4; ties in random order."""
    rng = random.Random(seed)
    last = last_ratings(history)
    pool = candidates(ws, company)
    keyed = [(WEAKEST_FIRST[last.get(q.id)], rng.random(), q) for q in pool]
    keyed.sort(key=lambda k: (k[0], k[1]))
    return [q for _, _, q in keyed[:count]]


def question_text(q: Question, company: Company | None) -> str:
    return fill(str(q.ask), placeholder_values(company))


def key_points(ws: Workspace, q: Question, company: Company | None) -> tuple[list[str], list[str]]:
    """(tailored points, general points) for a question."""
    tailored = [str(p) for p in (company.tailoring.get(q.id, ()) if company else ())]
    answer = ws.answers.get(q.id)
    return tailored, [str(p) for p in (answer.points if answer else ())]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def clock(seconds: float) -> str:
    s = int(round(abs(seconds)))
    return f"{s // 60}:{s % 60:02d}"


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
