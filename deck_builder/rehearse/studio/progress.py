"""Progress in numbers the page draws: per question, its ratings over time, when it was last
practised and its recordings; per company, how many of its questions are answered, tailored
and rated good or better recently; and what to work on next."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from ...cards import render
from ...cards.derive import placeholder_values
from ...sources.model import Workspace
from ..mock import (
    RATINGS,
    WEAKEST_FIRST,
    Practice,
    candidates,
    choose_questions,
    last_ratings,
)
from .recordings import Recording

RECENT_DAYS = 14  # "rated good or better recently": a 3 or 4 as the last rating within this many days
NEXT_COUNT = 3  # what to work on next: the first questions of the next mock


def _when(p: Practice) -> datetime | None:
    try:
        when = datetime.fromisoformat(p.time)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def recording_json(r: Recording, url: Callable[[str, str], str]) -> dict:
    return {"question": r.question, "name": r.name, "url": url(r.question, r.name),
            "time": r.time.isoformat(), "seconds": r.seconds, "size": r.size}


def why_next(rating: int | None) -> str:
    if rating is None:
        return "never practised"
    return f"last rated {rating}, {RATINGS[rating]}"


def progress(ws: Workspace, history: list[Practice], recordings: dict[str, list[Recording]],
             now: datetime | None = None, url: Callable[[str, str], str] = lambda q, n: f"/recordings/{q}/{n}") -> dict:
    """Workspace, history and recordings -> the progress page's data."""
    now = now or datetime.now(timezone.utc)
    recent = now - timedelta(days=RECENT_DAYS)
    asked = {q.id for c in [None, *ws.companies.values()] for q in candidates(ws, c)}
    by_question: dict[str, list[Practice]] = {}
    for p in history:
        by_question.setdefault(p.question, []).append(p)
    values = placeholder_values(None)
    questions = []
    for q in ws.questions.values():
        if q.id not in asked and q.id not in by_question:
            continue
        practised = by_question.get(q.id, [])
        questions.append({
            "id": q.id,
            "ask_html": render.inline(q.ask, values),
            "answered": q.id in ws.answers,
            "ratings": [{"time": p.time, "rating": p.rating, "company": p.company, "seconds": round(p.seconds, 1)}
                        for p in practised],
            "last": {"time": practised[-1].time, "rating": practised[-1].rating} if practised else None,
            "recordings": [recording_json(r, url) for r in reversed(recordings.get(q.id, []))],  # newest first
        })

    companies = []
    for c in ws.companies.values():
        pool = candidates(ws, c)
        # ratings from this company's mocks and from mocks without a company
        last: dict[str, Practice] = {}
        for p in history:
            if p.company in (None, c.id):
                last[p.question] = p
        good = [q.id for q in pool if q.id in last and last[q.id].rating >= 3
                and (_when(last[q.id]) or recent) > recent]
        companies.append({
            "id": c.id, "name": render.plain(c.name), "questions": len(pool),
            "answered": sum(q.id in ws.answers for q in pool),
            "tailored": sum(q.id in c.tailoring for q in pool),
            "good_recently": len(good),
        })

    ratings = last_ratings(history)
    upcoming = choose_questions(ws, None, NEXT_COUNT, 0, history)
    next_up = [{"id": q.id, "ask_html": render.inline(q.ask, values), "why": why_next(ratings.get(q.id))}
               for q in upcoming if WEAKEST_FIRST[ratings.get(q.id)] < WEAKEST_FIRST[4]]
    return {"questions": questions, "companies": companies, "next": next_up, "recent_days": RECENT_DAYS}
