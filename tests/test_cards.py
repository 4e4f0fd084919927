"""Each card kind, rendered by the real Anki engine: cards per note, fronts and backs."""

from __future__ import annotations

import html
import re

import pytest

from deck_builder.build import build_deck


def as_text(rendered: str) -> str:
    body = rendered.split("</style>", 1)[-1]
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
def imported(example, anki):
    """The example deck, built and imported into a fresh collection."""
    out = example / "deck.apkg"
    build_deck(str(example), out)
    anki.import_package(out)
    return anki.col


def cards(col, search):
    return [col.get_card(cid) for cid in col.find_cards(search, order="c.ord")]


def test_each_key_point_has_a_cloze_card_hiding_exactly_that_point(imported):
    col = imported
    note = col.get_note(col.find_notes('tag:kind::points "Text:*difficult business decision*" -tag:company::*')[0])
    points = re.findall(r"\{\{c\d+::(.*?)\}\}", note.fields[0])
    assert len(points) == 4
    note_cards = sorted(note.cards(), key=lambda c: c.ord)
    assert len(note_cards) == len(points)
    for card, point in zip(note_cards, points):
        front = card.question()
        hidden = re.findall(r'<span class="cloze"[^>]*>(.*?)</span>', front)
        assert hidden == ["[...]"]  # exactly one point hidden
        visible = re.findall(r'<span class="cloze-inactive"[^>]*>(.*?)</span>', front)
        assert visible == [p for p in points if p != point]  # the others stay in view
        assert "difficult business decision" in as_text(front)  # the question is on the card
        assert re.findall(r'<span class="cloze"[^>]*>(.*?)</span>', card.answer()) == [point]


def test_tailored_points_get_cloze_cards_in_the_company_deck(imported):
    col = imported
    tailored = cards(col, "tag:kind::points tag:company::northwind")
    assert tailored
    assert {col.decks.name(c.did) for c in tailored} == {"Interview Prep::Northwind Parcel"}
    assert all("Northwind Parcel" in as_text(c.question()) for c in tailored)


def test_point_cards_can_be_turned_off(example, anki):
    (example / "deck.yaml").write_text("point_cards: false\n")
    out = example / "deck.apkg"
    result = build_deck(str(example), out)
    assert not any(n.kind == "points" for n in result.plan.notes)
    anki.import_package(out)
    assert anki.col.find_notes("tag:kind::points") == []
    assert anki.col.find_notes("tag:kind::answer")


def test_a_single_point_answer_gets_no_separate_point_card(workspace, anki):
    ws = workspace({"answers.yaml": "career-goals:\n  points: [Lead a fulfilment network]\n"})
    result = build_deck(str(ws), ws / "d.apkg")
    assert [n.kind for n in result.plan.notes] == ["answer"]


def test_question_card_asks_to_answer_aloud_and_back_shows_points_story_and_why(imported):
    col = imported
    (card,) = cards(col, 'tag:kind::answer "Prompt:*difficult business decision*"')
    front, back = as_text(card.question()), as_text(card.answer())
    assert "Answer aloud (1-2 minutes)" in front
    assert "Your answers" in front  # the context label
    assert "Two half-empty warehouses" not in front
    assert back.index("Two half-empty warehouses") < back.index("Recommended closing the older site")
    assert "Closing one of two warehouses" in back and "Saved $1.4M a year" in back  # the story and its result
    assert "What they look for" in back


def test_story_gives_star_card_and_result_card(imported):
    col = imported
    star, result = cards(col, 'tag:kind::story "Title:Closing one of two warehouses"')
    assert "Tell the story" in as_text(star.question())
    back = as_text(star.answer())
    assert all(label in back for label in ("Situation", "Task", "Action", "Result"))
    assert "measurable result" in as_text(result.question())
    assert "Saved $1.4M a year" in as_text(result.answer())
    assert "Situation" not in as_text(result.answer())
    assert "Your stories" in as_text(result.question())


def test_person_cards_both_ways_with_photo(imported):
    col = imported
    who, name = cards(col, 'tag:kind::person "Name:Dana Okafor"')
    assert "<img" in who.question() and "Dana Okafor" in as_text(who.question())
    assert "VP Operations" in as_text(who.answer())
    assert "Who is the VP Operations (hiring manager) at Northwind Parcel?" in as_text(name.question())
    assert "Dana Okafor" not in as_text(name.question())
    assert "Dana Okafor" in as_text(name.answer())


def test_every_card_carries_a_context_label(imported):
    col = imported
    for card in cards(col, "tag:deck-builder"):
        label = re.search(r'<div class="db-context">(.*?)</div>', card.question())
        assert label and label.group(1) in ("Your answers", "Your stories", "Northwind Parcel")


def test_markdown_renders_and_raw_html_is_text(workspace, anki):
    ws = workspace({"answers.yaml": """
        career-goals:
          points:
            - "**Lead** a *network*: see [plan](https://example.com/plan) and `KPI`"
            - "<b>not bold</b> <script>alert(1)</script>"
          notes: |
            - first
            - second
        """})
    out = ws / "d.apkg"
    build_deck(str(ws), out)
    anki.import_package(out)
    (card,) = cards(anki.col, "tag:kind::answer")
    back = card.answer()
    assert "<strong>Lead</strong>" in back and "<em>network</em>" in back
    assert '<a href="https://example.com/plan">plan</a>' in back and "<code>KPI</code>" in back
    assert "<ul>" in back and "<li>first</li>" in back
    assert "&lt;b&gt;not bold&lt;/b&gt;" in back and "<script" not in back


def test_no_inline_colours_and_no_javascript_in_cards(example):
    """Night mode only works when colours live in the stylesheet; cards carry no scripts."""
    from deck_builder.cards.derive import derive_notes
    from deck_builder.cards.notetypes import note_types, stylesheet
    from deck_builder.sources.workspace import load_workspace

    ws, _ = load_workspace(str(example))
    for nt in note_types("en_US").values():
        for t in nt.templates:
            for side in (t.front, t.back):
                assert "style=" not in side and "<script" not in side.lower() and "<style" not in side.lower()
    for spec in derive_notes(ws):
        for field in spec.fields:
            assert "style=" not in field and "<script" not in field.lower(), spec.label
    css = stylesheet()
    assert ".nightMode" in css and ".night_mode" in css
    assert "@import" not in css and "url(" not in css


@pytest.mark.parametrize(
    "previous, points, expected",
    [
        ([(1, "a"), (2, "b"), (3, "c")], ["new", "a", "b", "c"], [4, 1, 2, 3]),  # inserted at the top
        ([(1, "a"), (2, "b"), (3, "c")], ["c", "a", "b"], [3, 1, 2]),  # reordered
        ([(1, "a"), (2, "b"), (3, "c")], ["a", "B!", "c"], [1, 2, 3]),  # edited in place
        ([(1, "a"), (2, "b"), (3, "c")], ["a", "c"], [1, 3]),  # removed: its number is not reused
        ([(1, "a"), (3, "c")], ["a", "c", "d"], [1, 3, 4]),
        ([], ["a", "b"], [1, 2]),
    ],
)
def test_key_points_keep_their_cloze_numbers(previous, points, expected):
    from deck_builder.cards.derive import number_points

    assert number_points(points, previous) == expected


def test_inserting_a_point_keeps_each_cards_history_on_its_point(example, anki):
    import time as _time

    out = example / "deck.apkg"
    t = _time.time()
    build_deck(str(example), out, now=t)
    anki.import_package(out)
    col = anki.col
    search = 'tag:kind::points "Text:*difficult business decision*" -tag:company::*'
    before = {c.id: re.findall(r'<span class="cloze"[^>]*>(.*?)</span>', c.answer())[0] for c in cards(col, search)}

    answers = example / "answers.yaml"
    text = answers.read_text(encoding="utf-8")
    first = '    - "Two half-empty warehouses 20 miles apart were losing $1.4M a year."\n'
    assert first in text
    answers.write_text(text.replace(first, '    - "Started from the numbers."\n' + first, 1), encoding="utf-8")
    build_deck(str(example), out, now=t)
    anki.import_package(out)
    after = {c.id: re.findall(r'<span class="cloze"[^>]*>(.*?)</span>', c.answer())[0] for c in cards(col, search)}
    assert {cid: after[cid] for cid in before} == before  # every old card still asks for its own point
    assert sorted(set(after) - set(before)) and "Started from the numbers." in after.values()


def test_deleting_a_point_says_to_run_empty_cards(example, anki, cli):
    out = example / "deck.apkg"
    cli("build", example, "-o", out)
    anki.import_package(out)
    answers = example / "answers.yaml"
    text = answers.read_text(encoding="utf-8")
    answers.write_text(text.replace('    - "Told staff first, in person; offered transfers, retraining and a shuttle bus."\n', "", 1),
                       encoding="utf-8")
    result = cli("build", example, "-o", out)
    assert "1 key-point card lost its point" in result.stdout and "Tools > Empty Cards" in result.stdout
    anki.import_package(out)
    report = anki.col.get_empty_cards()
    assert sum(len(n.card_ids) for n in report.notes) == 1


MATH_WS = {
    "answers.yaml": r"""
        career-goals:
          points:
            - 'Grow margin \(\frac{p - c}{p}\) from 18% to 25%'
            - 'Hold \[\sum_{i=1}^{n} x_i \le B\] every quarter'
        """,
    "companies/acme.yaml": r"""
        name: Acme
        facts:
          - q: 'What is their growth rule?'
            a: 'Revenue grows as \(r^{2}\) at {company}'
            source: Annual report 2025
          - cloze: 'Unit cost is {{c1::\(\frac{a}{b^{2}}\)}} and margin {{c2::\(m_{t}\)}}'
            source: Annual report 2025
        """,
}


def test_mathjax_reaches_anki_untouched_and_its_braces_are_no_placeholders(workspace, cli, anki):
    """MathJax \\(...\\) and \\[...\\] keep their backslashes (Markdown would eat them) and their braces
    (not placeholders; written as entities so a formula's "}}" cannot close a cloze deletion,
    while MathJax, which reads the page's text, sees braces)."""
    ws = workspace(MATH_WS)
    check = cli("check", "--strict", ws)
    assert check.exit_code == 0, check.output
    out = ws / "deck.apkg"
    build_deck(str(ws), out)
    anki.import_package(out)
    col = anki.col
    shown = {}
    for cid in col.find_cards("tag:deck-builder"):
        card = col.get_card(cid)
        shown[cid] = html.unescape(card.question() + card.answer())
    text = "\n".join(shown.values())
    assert r"\(\frac{p - c}{p}\)" in text and r"\[\sum_{i=1}^{n} x_i \le B\]" in text
    assert r"\(r^{2}\) at Acme" in text
    # the cloze fact gives exactly its two cards, each hiding a whole formula
    [cloze] = [col.get_note(n) for n in col.find_notes("tag:kind::fact") if "{{c1::" in col.get_note(n).fields[0]]
    clozes = sorted(cloze.cards(), key=lambda c: c.ord)
    assert len(clozes) == 2
    assert re.findall(r'<span class="cloze"[^>]*>(.*?)</span>', html.unescape(clozes[0].answer())) == [r"\(\frac{a}{b^{2}}\)"]
    assert re.findall(r'<span class="cloze"[^>]*>(.*?)</span>', html.unescape(clozes[1].answer())) == [r"\(m_{t}\)"]
    for card_html in shown.values():
        assert "{{" not in card_html.replace(r"\(\frac{a}{b^{2}}\)", "")  # no template or cloze syntax left over
