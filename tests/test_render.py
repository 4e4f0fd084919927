"""render.py: the fast path for plain text gives exactly what Markdown would."""

from __future__ import annotations

import pytest
from conftest import EXAMPLE, REPO

from deck_builder.cards import render
from deck_builder.sources.workspace import load_workspace

VALUES = {"company": "A&B <Co>", "role": "Head of Ops"}


def all_texts() -> list[str]:
    texts = ["plain text", "AT&T", "a < b", 'quote "x"', "it's 5% up", "x: y", "1999", "C'est été", "50+ people",
             "#1 carrier", "- dash start", "a - b", "2024. Year", "2024) Year", "tab\there", "a  b", "a {company} b",
             "10:30", "x | y", "~tilde~", "a=b", "caret^", "(paren)", "$1.4M", "e.g. this", "what?", "+ plus",
             "> quote", "=== heading", "1. first", "**bold**", "[link](https://x.y)", "`code`", "a\\b", "&copy;"]
    for folder in (EXAMPLE, REPO / "deck_builder" / "skeleton"):
        ws, _ = load_workspace(str(folder))
        for a in ws.answers.values():
            texts += list(a.points) + ([a.notes] if a.notes else [])
        for s in ws.stories.values():
            texts += [x for x in (s.title, s.situation, s.task, s.action, s.result) if x]
        for c in ws.companies.values():
            for f in c.facts:
                texts += [x for x in (f.q, f.a, f.source) if x]
            for p in c.people:
                texts += [x for x in (p.role, p.notes) if x]
    return [str(t) for t in texts]


@pytest.mark.parametrize("text", all_texts())
def test_fast_path_matches_markdown(text):
    md = render.Renderer().markdown()
    text = text.strip()
    assert render.inline(text, VALUES) == render._finish(md.renderInline(text), VALUES)
    full = md.render(text).strip()
    if full.startswith("<p>") and full.endswith("</p>") and full.count("<p>") == 1:
        full = full[3:-4]
    assert render.block(text, VALUES) == render._finish(full, VALUES)


def test_maths_keeps_anki_s_own_syntax_neutral_and_stays_out_of_code():
    from deck_builder.cards import render

    values = {"company": "Acme", "role": "Director"}
    assert render.inline(r"Grew \([sound:x.mp3]\)", values) == r"Grew \(&#91;sound:x.mp3]\)"
    assert render.inline(r"Use `\(` to group, later \(x_{1}\)", values) == \
        r"Use <code>\(</code> to group, later \(x_&#123;1&#125;\)"
    assert render.inline(r"\(a<b\) & {company}", values) == r"\(a&lt;b\) &amp; Acme"
