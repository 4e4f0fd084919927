"""deck-builder brief: a one- or two-page interview-day brief for one company (HTML or Markdown)."""

from __future__ import annotations

import html
import re
from datetime import date

from ..cards import render
from ..cards.derive import placeholder_values
from ..sources.model import Company, Question, Workspace
from ..sources.textrules import CLOZE_MARKUP, parse_cloze
from .mock import WEAKEST_FIRST
from .preview import data_uri

# About this many answers fill the second page beside the example company's facts, people
# and questions to ask (tests/test_brief.py prints it); more may spill onto a third.
FITS_TWO_PAGES = 9


def questions_for(ws: Workspace, company: Company, limit: int | None = None,
                  ratings: dict[str, int] | None = None) -> list[Question]:
    """Questions with points, those tailored for this company first, in bank order.

    With LIMIT, only the LIMIT most useful for a last read: the tailored ones, then those
    rated weakest in mock interviews (RATINGS: question id -> last rating), then those never
    practised; still shown in the order above."""
    tailored = [q for q in ws.questions.values() if q.id in company.tailoring]
    rest = [q for q in ws.questions.values() if q.id in ws.answers and q.id not in company.tailoring]
    ordered = tailored + rest
    if limit is None or len(ordered) <= limit:
        return ordered
    ratings = ratings or {}
    useful = sorted(range(len(ordered)), key=lambda i: (
        ordered[i].id not in company.tailoring, WEAKEST_FIRST[ratings.get(ordered[i].id)], i))
    return [ordered[i] for i in sorted(useful[:limit])]


def _more(count: int) -> str:
    return f"{count} more answer{'s are' if count != 1 else ' is'} in your deck, not on this page."


# -- HTML -------------------------------------------------------------------------------------

_CSS = """
:root { color-scheme: light; }
body { font: 10.5pt/1.35 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1d232b;
  background: #fff; max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 16pt; margin: 0 0 .1rem; }
.sub { color: #4a5360; margin: 0 0 .8rem; }
h2 { font-size: 11.5pt; text-transform: uppercase; letter-spacing: .05em; color: #1a5fb4; border-bottom: 1px solid #c9d0d8;
  margin: 1rem 0 .4rem; padding-bottom: .1rem; break-after: avoid; }
ul, ol { margin: .2rem 0 .4rem; padding-left: 1.3rem; }
li { margin: .1rem 0; }
.cols { columns: 2 18rem; column-gap: 1.6rem; }
/* An answer may continue in the next column or page (Chromium moves a whole multi-column
   section to the next page when its first item does not fit), but never right after its
   question or a label, and never inside a point or a story. */
.item { margin: 0 0 .5rem; }
.q, .label { break-after: avoid; }
li, .story { break-inside: avoid; }
.q { font-weight: 600; }
.label { color: #4a5360; font-size: .85em; text-transform: uppercase; letter-spacing: .04em; }
.story { color: #333b45; font-size: .95em; }
.person { display: flex; gap: .6rem; align-items: flex-start; break-inside: avoid; margin: 0 0 .5rem; }
.person img { width: 3rem; height: 3rem; border-radius: 50%; flex: none; }
.src { color: #56606d; font-size: .85em; }
.a { font-weight: 600; }
@page { margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 9pt; line-height: 1.25; }
  h1 { font-size: 14pt; }
  h2 { margin-top: .5rem; }
  .item { margin-bottom: .35rem; }
  li { margin: 0; }
  a { color: inherit; text-decoration: none; }
}
"""


def _fact_html(fact, values) -> str:
    if fact.cloze is not None:
        text = CLOZE_MARKUP.sub(r"<strong>\2</strong>", render.cloze(fact.cloze, values))
    else:
        text = f'{render.inline(fact.q, values)} <span class="a">{render.block(fact.a, values)}</span>'
    source = f' <span class="src">({render.inline(fact.source, values)})</span>' if fact.source else ""
    return f"<li>{text}{source}</li>"


def brief_html(ws: Workspace, company: Company, questions: list[Question] | None = None) -> str:
    """One company -> a self-contained HTML page that prints on one or two pages.

    QUESTIONS: the answers to show (default: all, see questions_for)."""
    v = placeholder_values(company)
    role = render.plain(company.role) if company.role else "the role"
    out = [
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Interview brief: {render.plain(company.name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{role} at {render.plain(company.name)}</h1>",
        f'<p class="sub">Interview brief, {date.today():%d %B %Y}</p>',
    ]
    if company.facts or company.products:
        out.append("<h2>The company</h2><div class=\"cols\">")
        if company.facts:
            out.append("<ul>" + "".join(_fact_html(f, v) for f in company.facts) + "</ul>")
        if company.products:
            out.append("<ul>" + "".join(
                f"<li><strong>{render.plain(p.name, v)}</strong>: {render.block(p.about, v)}</li>" for p in company.products
            ) + "</ul>")
        out.append("</div>")
    if company.people:
        out.append("<h2>People you will meet</h2><div class=\"cols\">")
        for p in company.people:
            photo = ""
            if p.photo is not None:
                photo = f'<img src="{data_uri(p.photo)}" alt="">'
            notes = f"<br>{render.block(p.notes, v)}" if p.notes else ""
            out.append(f'<div class="person">{photo}<div><strong>{render.plain(p.name, v)}</strong>, '
                       f"{render.inline(p.role, v)}{notes}</div></div>")
        out.append("</div>")
    every = questions_for(ws, company)
    questions = every if questions is None else questions
    left_out = len(every) - len(questions)
    if questions:
        out.append("<h2>Your answers</h2><div class=\"cols\">")
        for q in questions:
            tailored = company.tailoring.get(q.id, ())
            answer = ws.answers.get(q.id)
            parts = [f'<div class="item"><div class="q">{render.inline(q.ask, v)}</div>']
            if tailored:
                parts.append(f'<div class="label">For {render.plain(company.name)}</div>'
                             + render.ordered_list(tailored, v, "tailored-points"))
            if answer:
                # numbered on from the tailored points: one answer, one count
                label = '<div class="label">Your points</div>' if tailored else ""
                parts.append(label + render.ordered_list(answer.points, v, "points", start=len(tailored) + 1))
                for sid in answer.stories:
                    s = ws.stories[sid]
                    parts.append(f'<div class="story">Story: <strong>{render.inline(s.title, v)}</strong>: '
                                 f"{render.block(s.result, v)}</div>")
            parts.append("</div>")
            out.append("".join(parts))
        out.append("</div>")
        if left_out:
            out.append(f'<p class="src">{_more(left_out)}</p>')
    if company.questions_to_ask:
        out.append("<h2>Your questions for them</h2>" + render.ordered_list(company.questions_to_ask, v, "asks"))
    out.append("</body></html>\n")
    return "".join(out)


# -- Markdown ---------------------------------------------------------------------------------

def _md(text, values, strip: bool = True) -> str:
    """The user's text as written (it is Markdown already), placeholders filled, HTML escaped."""
    if not text:
        return ""
    filled = render.fill(re.sub(r"\s+", " ", str(text)), values)
    filled = filled.strip() if strip else filled
    return html.escape(filled, quote=False)


def _md_cloze(text: str, values) -> str:
    segments, _ = parse_cloze(text)
    return "".join(_md(s, values, strip=False) if isinstance(s, str) else f"**{_md(s.content, values)}**"
                   for s in segments).strip()


def brief_markdown(ws: Workspace, company: Company, questions: list[Question] | None = None) -> str:
    """One company -> the same brief as Markdown."""
    v = placeholder_values(company)
    lines = [f"# {_md(company.role, v) or 'The role'} at {_md(company.name, {})}", "",
             f"Interview brief, {date.today():%d %B %Y}", ""]
    if company.facts or company.products:
        lines += ["## The company", ""]
        for f in company.facts:
            text = _md_cloze(f.cloze, v) if f.cloze is not None else f"{_md(f.q, v)} {_md(f.a, v)}"
            lines.append(f"- {text}" + (f" ({_md(f.source, v)})" if f.source else ""))
        for p in company.products:
            lines.append(f"- **{_md(p.name, v)}**: {_md(p.about, v)}")
        lines.append("")
    if company.people:
        lines += ["## People you will meet", ""]
        for p in company.people:
            lines.append(f"- **{_md(p.name, v)}**, {_md(p.role, v)}" + (f": {_md(p.notes, v)}" if p.notes else ""))
        lines.append("")
    every = questions_for(ws, company)
    questions = every if questions is None else questions
    left_out = len(every) - len(questions)
    if questions:
        lines += ["## Your answers", ""]
        for q in questions:
            lines += [f"### {_md(q.ask, v)}", ""]
            tailored = company.tailoring.get(q.id, ())
            if tailored:
                lines.append(f"For {_md(company.name, {})}:")
                lines += [f"{i}. {_md(p, v)}" for i, p in enumerate(tailored, 1)]
                lines.append("")
            answer = ws.answers.get(q.id)
            if answer:
                if tailored:  # a blank line: only a list numbered from 1 may follow text directly
                    lines += ["Your points:", ""]
                lines += [f"{i}. {_md(p, v)}" for i, p in enumerate(answer.points, len(tailored) + 1)]
                for sid in answer.stories:
                    s = ws.stories[sid]
                    lines.append(f"\nStory: **{_md(s.title, v)}**: {_md(s.result, v)}")
                lines.append("")
        if left_out:
            lines += [_more(left_out), ""]
    if company.questions_to_ask:
        lines += ["## Your questions for them", ""]
        lines += [f"{i}. {_md(a, v)}" for i, a in enumerate(company.questions_to_ask, 1)]
        lines.append("")
    return "\n".join(lines)
