"""Progress in numbers the page draws: per question (as asked at the chosen company, weakest
first), its ratings over time, when it was last practised and its recordings with their
ratings; per company, how many of its questions are answered, tailored and rated good or
better recently; and what to work on next for the chosen company."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from ...cards import render
from ...cards.derive import placeholder_values
from ...sources.model import Company, Workspace
from ..mock import (
    RATINGS,
    WEAKEST_FIRST,
    Practice,
    candidates,
    last_ratings,
    question_text,
    weakest_first,
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
             now: datetime | None = None, url: Callable[[str, str], str] = lambda q, n: f"/recordings/{q}/{n}",
             company: Company | None = None) -> dict:
    """Workspace, history and recordings -> the progress page's data, the questions as asked
    at COMPANY (None: no company) and in the order of its next mock."""
    now = now or datetime.now(timezone.utc)
    recent = now - timedelta(days=RECENT_DAYS)
    asked = {q.id for c in [None, *ws.companies.values()] for q in candidates(ws, c)}
    by_question: dict[str, list[Practice]] = {}
    rated: dict[str, Practice] = {}  # a recording's name -> the answer it was kept for
    for p in history:
        by_question.setdefault(p.question, []).append(p)
        if p.recording:
            rated[p.recording] = p
    values = placeholder_values(company)
    shown = [q for q in ws.questions.values() if q.id in asked or q.id in by_question]
    questions = []
    for q in weakest_first(shown, history):
        practised = by_question.get(q.id, [])
        recs = []
        for r in reversed(recordings.get(q.id, [])):  # newest first
            kept = rated.get(r.name)
            recs.append({**recording_json(r, url), "rating": kept.rating if kept else None,
                         "words": RATINGS[kept.rating] if kept else None})
        questions.append({
            "id": q.id,
            "ask": question_text(q, company),
            "ask_html": render.inline(q.ask, values),
            "answered": q.id in ws.answers,
            "ratings": [{"time": p.time, "rating": p.rating, "company": p.company, "seconds": round(p.seconds, 1)}
                        for p in practised],
            "last": {"time": practised[-1].time, "rating": practised[-1].rating} if practised else None,
            "recordings": recs,
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
    upcoming = weakest_first(candidates(ws, company), history)[:NEXT_COUNT]
    next_up = [{"id": q.id, "ask": question_text(q, company), "ask_html": render.inline(q.ask, values),
                "why": why_next(ratings.get(q.id))}
               for q in upcoming if WEAKEST_FIRST[ratings.get(q.id)] < WEAKEST_FIRST[4]]
    return {"questions": questions, "companies": companies, "next": next_up, "recent_days": RECENT_DAYS,
            "company": {"id": company.id, "name": render.plain(company.name)} if company else None}


def latest_company(ws: Workspace, history: list[Practice]) -> Company | None:
    """The company of the latest mock in HISTORY (None: it had none, or it is gone)."""
    return ws.companies.get(history[-1].company) if history and history[-1].company else None
