"""render.py: the fast path for plain text gives exactly what Markdown would."""

from __future__ import annotations

import pytest
from conftest import EXAMPLE, REPO
from hypothesis import given, settings
from hypothesis import strategies as st

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


BOLD_ONLY = ["Re-planned shifts and added a **night crew**.", "**Bold** start", "a **b** **c d**!", "x **9**",
             'say "hi" to **them**', "it's **x, y**: done", "a**b**c", "(**x**)", "**x**y", "a ** b **", "**a *b* c**",
             "**a**__b__", "1. **first**", "- **item**", "# **heading**", "**x** ", "**x**\nnext", "**é**", "a\\*\\*b"]


@pytest.mark.parametrize("text", BOLD_ONLY)
def test_words_and_bold_phrases_skip_the_parser_with_its_very_html(text):
    """bold_only gives markdown-it's HTML for what it takes, and leaves the rest to the parser."""
    md = render.Renderer().markdown()
    for kind, ref in (("i", md.renderInline(text)), ("b", md.render(text))):
        out = render.bold_only(kind, text)
        assert out is None or out == ref, (kind, text)


def test_the_common_bold_phrases_are_made_without_the_parser():
    taken = [t for t in BOLD_ONLY if render.bold_only("b", t) is not None]
    assert taken == BOLD_ONLY[:6]
    renderer = render.Renderer(remember=False)
    renderer.begin({})
    assert renderer.block(BOLD_ONLY[0], VALUES) == "Re-planned shifts and added a <strong>night crew</strong>."
    assert renderer._md is None  # no parser made (nor markdown-it imported for it)
    assert renderer.used == {"b" + BOLD_ONLY[0]: "<p>Re-planned shifts and added a <strong>night crew</strong>.</p>\n"}


WORDS = st.lists(st.sampled_from(list("ab Z9,.;:'?!()/%$+=\"-*_#`[]<&\\é") + ["**", "**", " **", "** ", "  ", "\n"]),
                 max_size=12).map("".join)


@settings(max_examples=500, deadline=None)
@given(WORDS)
def test_any_text_bold_only_takes_renders_as_markdown_it_renders_it(text):
    md = render.Renderer().markdown()
    for kind in ("i", "b"):
        out = render.bold_only(kind, text)
        if out is not None:
            assert out == (md.renderInline(text) if kind == "i" else md.render(text))
