"""deck-builder preview: every card as Anki renders it, checked in the real Anki engine and a
real browser (headless Chromium from Debian, driven by Playwright)."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO

from deck_builder.build import build_deck
from deck_builder.cards.derive import KIND_NAMES, derive_notes
from deck_builder.cards.notetypes import CLOZE, note_types
from deck_builder.rehearse.preview import KIND_TITLES, card_sides, write_preview
from deck_builder.sources.workspace import load_workspace

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def text_of(rendered: str) -> str:
    body = rendered.split("</style>", 1)[-1]
    body = re.sub(r"\[anki:play:[qa]:\d+\]", "", body)
    body = re.sub(r'<span class="db-tts"[^>]*>.*?</span>', "", body)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_preview_shows_every_card_as_anki_renders_it(example, anki):
    out = example / "deck.apkg"
    build_deck(str(example), out)
    anki.import_package(out)
    ws, _ = load_workspace(str(example))
    types = note_types()
    compared = 0
    for spec in derive_notes(ws):
        note = anki.note_by_guid(spec.guid)
        anki_cards = sorted(note.cards(), key=lambda c: c.ord)
        ours = card_sides(types[spec.note_type], spec)
        assert len(ours) == len(anki_cards), spec.label
        for card, (name, front, back) in zip(anki_cards, ours):
            assert text_of(front) == text_of(card.question()), (spec.label, name)
            assert text_of(back) == text_of(card.answer()), (spec.label, name)
            compared += 1
    assert compared == anki.col.card_count()


def test_preview_numbers_key_point_cards_as_the_build_does(example, anki):
    """After a point is deleted the others keep their cloze numbers (and reviews); the preview
    must show the cards the next build writes, not a fresh 1..n numbering."""
    build_deck(str(example), example / "first.apkg")
    answers = example / "answers.yaml"
    first_point = '    - "12 years in parcel operations, from shift lead to regional operations manager."\n'
    answers.write_text(answers.read_text(encoding="utf-8").replace(first_point, "", 1), encoding="utf-8")
    page_file, _ = write_preview(str(example))
    previewed: dict[str, list[str]] = {}
    for heading in re.findall(r"<h3>(.*?)</h3>", page_file.read_text(encoding="utf-8")):
        _, label, card = html.unescape(heading).split(" · ")
        previewed.setdefault(label, []).append(card)
    result = build_deck(str(example), example / "second.apkg")
    anki.import_package(example / "second.apkg")
    types = note_types()
    renumbered = 0
    for planned in result.plan.notes:
        if planned.tombstone:
            continue
        nt = types[planned.note_type]
        written = [f"{nt.templates[0].name} {c.ord + 1}" if nt.kind == CLOZE else nt.templates[c.ord].name
                   for c in sorted(anki.note_by_guid(planned.guid).cards(), key=lambda c: c.ord)]
        assert previewed[planned.label] == written, planned.label
        renumbered += written[:1] == ["Cloze 2"]
    assert renumbered  # the answer that lost its first point starts at cloze 2


def test_preview_command_writes_one_self_contained_page(example, cli):
    result = cli("preview", example)
    assert result.exit_code == 0, result.output
    page = (example / "build" / "preview.html").read_text(encoding="utf-8")
    assert result.stdout.startswith(f"Wrote {example / 'build' / 'preview.html'} (")
    assert re.findall(r'src="(?!data:)', page) == []  # photos are inlined, nothing is fetched
    assert re.findall(r"<link\b", page) == []
    assert "Interview Prep::Northwind Parcel" in page
    assert page.count('<article class="pv-note"') == int(re.search(r"\((\d+) cards\)", result.stdout).group(1))
    assert not (example / ".deck-builder").exists()  # preview writes no build state


def test_preview_escapes_user_text(workspace, cli, tmp_path):
    ws = workspace({"answers.yaml": """
        career-goals:
          points:
            - '<script>alert(1)</script> & "quotes"'
            - "<img src=x onerror=alert(2)>"
        """})
    out = tmp_path / "p.html"
    assert cli("preview", ws, "-o", out).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert page.count("<script") == 1  # only the page's own switch script
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;" in page


# -- in a real browser -------------------------------------------------------------------------

CONTRAST_JS = r"""
() => {
  const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = ({r, g, b}) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  const worst = [];
  for (const el of document.querySelectorAll(".card, .card *, .pv-panel, .pv-panel *, .pv-none, .pv-none *")) {
    const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!hasText) continue;
    const fg = parse(getComputedStyle(el).color), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) worst.push(`${el.className || el.tagName}: ${ratio.toFixed(2)} "${el.textContent.trim().slice(0, 40)}"`);
  }
  return worst;
}
"""

OVERFLOW_JS = r"""
() => {
  const width = document.documentElement.clientWidth, bad = [];
  for (const card of document.querySelectorAll(".card")) {
    const r = card.getBoundingClientRect();
    if (r.right > width + 0.5 || r.left < -0.5 || card.scrollWidth > card.clientWidth + 1)
      bad.push(`${card.closest(".pv-note").querySelector("h3").textContent} (${Math.round(r.right)} > ${width})`);
  }
  if (document.documentElement.scrollWidth > width) bad.push(`page ${document.documentElement.scrollWidth} > ${width}`);
  return bad;
}
"""


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extras install playwright")
    assert Path(CHROMIUM).exists(), "headless Chromium is needed: apt-get install chromium (.ci/run does)"
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield b
        b.close()


@pytest.fixture(scope="module")
def preview_page(tmp_path_factory):
    """The example's preview, with a long unbroken word and a long link to stress wrapping."""
    root = tmp_path_factory.mktemp("pv") / "example"
    shutil.copytree(REPO / "decks" / "example", root, ignore=shutil.ignore_patterns("build", ".deck-builder"))
    stories = root / "stories.yaml"
    stories.write_text(stories.read_text(encoding="utf-8") + (
        "\nstress-test:\n"
        "  title: Supercalifragilisticexpialidocious-operations-excellence-programme-2026-phase-two\n"
        "  action: '[a long link](https://example.com/a/very/long/path/that/keeps/going/and/going/without/any/break)'\n"
        "  result: '`a_very_long_identifier_in_code_that_does_not_break_anywhere_at_all_2026`'\n"
        "  task: |\n"
        "    ```\n"
        "    SELECT site_id, count(*) FROM parcels WHERE delivered_at > promised_at GROUP BY site_id ORDER BY 2 DESC;\n"
        "    ```\n"
        "\n"
        "    > a quoted line that is rather long and should wrap nicely on a phone screen too\n"
        "\n"
        "    - a list\n"
        "      - with a nested item\n"
    ), encoding="utf-8")
    from deck_builder.rehearse.preview import write_preview

    out, _ = write_preview(str(root))
    return out


@pytest.mark.parametrize("width", [360, 390, 1280])
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_cards_fit_the_screen_and_are_readable(browser, preview_page, width, dark):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(preview_page.as_uri())
    if dark:
        page.click("#pv-dark")
        assert "nightMode" in page.evaluate("document.body.className")
    if width < 400:
        page.click("#pv-phone")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"preview-{width}-{'dark' if dark else 'light'}.png"))
    assert page.evaluate(OVERFLOW_JS) == []
    assert page.evaluate(CONTRAST_JS) == []
    page.close()


# -- finding one's way around: decks, kinds, the filter ---------------------------------------

SHOWN_JS = """() => [...document.querySelectorAll(".pv-note")].filter((n) => n.getClientRects().length)
    .map((n) => n.querySelector("h3").textContent)"""
DECKS_SHOWN_JS = """() => [...document.querySelectorAll(".pv-deck")].filter((s) => s.getClientRects().length)
    .map((s) => s.querySelector("h2").textContent)"""
CHIPS_JS = """() => Object.fromEntries([...document.querySelectorAll(".pv-chip")]
    .map((c) => [c.firstChild.textContent, Number(c.querySelector(".pv-n").textContent)]))"""
EXAMPLE_DECKS = {"All decks": 89, "Interview Prep": 56, "Northwind Parcel": 33}
EXAMPLE_KINDS = {"All kinds": 89, "Answers": 9, "Key points": 42, "Stories": 12, "Tailored answers": 3, "Facts": 7,
                 "Cloze facts": 6, "Products": 3, "People": 6, "Questions to ask": 1}


@pytest.fixture(scope="module")
def example_preview(tmp_path_factory):
    """The example deck's preview page, exactly as `deck-builder preview decks/example` writes it."""
    root = tmp_path_factory.mktemp("pv-example") / "example"
    shutil.copytree(REPO / "decks" / "example", root, ignore=shutil.ignore_patterns("build", ".deck-builder"))
    out, cards = write_preview(str(root))
    assert cards == 89
    return out


@pytest.fixture
def page(browser, example_preview):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(example_preview.as_uri())
    yield page
    page.close()
    assert errors == []


def shown(page) -> list[str]:
    return page.evaluate(SHOWN_JS)


def status(page) -> str:
    return page.text_content("#pv-status")


def pick(page, name: str) -> None:
    page.get_by_role("radio", name=name).check()


def cards_with(words: list[str]) -> int:
    """The oracle for the filter: example cards whose heading or text holds every word."""
    ws, _ = load_workspace(str(REPO / "decks" / "example"))
    types = note_types()
    return sum(
        all(w in f"{spec.label} {name} {text_of(front)} {text_of(back)}".lower() for w in words)
        for spec in derive_notes(ws) for name, front, back in card_sides(types[spec.note_type], spec)
    )


def test_every_kind_has_a_title_in_the_navigation():
    assert list(KIND_TITLES) == sorted(KIND_NAMES, key=list(KIND_TITLES).index)


def test_navigation_by_deck_and_kind_with_counts(page):
    assert status(page) == "89 cards"
    assert page.evaluate(CHIPS_JS) == EXAMPLE_DECKS | EXAMPLE_KINDS
    assert len(shown(page)) == 89

    pick(page, "Northwind Parcel")
    assert status(page) == "33 of 89 cards"
    assert page.evaluate(DECKS_SHOWN_JS) == ["Interview Prep::Northwind Parcel"]
    assert len(shown(page)) == 33 and all(" · northwind/" in h for h in shown(page))
    # The kinds count what this deck holds; the decks still count every kind.
    assert page.evaluate(CHIPS_JS) == EXAMPLE_DECKS | {
        "All kinds": 33, "Answers": 0, "Key points": 7, "Stories": 0, "Tailored answers": 3, "Facts": 7,
        "Cloze facts": 6, "Products": 3, "People": 6, "Questions to ask": 1}

    pick(page, "People")
    assert status(page) == "6 of 89 cards"
    assert len(shown(page)) == 6 and all(h.startswith("person · northwind/person/") for h in shown(page))
    assert {k: v for k, v in page.evaluate(CHIPS_JS).items() if k in EXAMPLE_DECKS} == {
        "All decks": 6, "Interview Prep": 0, "Northwind Parcel": 6}

    pick(page, "Interview Prep")
    assert page.is_visible("#pv-none")
    assert page.text_content("#pv-none-what") == "Interview Prep has no people."
    assert shown(page) == [] and page.evaluate(DECKS_SHOWN_JS) == []

    pick(page, "All decks")
    pick(page, "Stories")
    assert status(page) == "12 of 89 cards"
    assert all(h.startswith("story · ") for h in shown(page))
    assert page.evaluate(DECKS_SHOWN_JS) == ["Interview Prep"]


def test_choosing_a_kind_far_down_the_page_brings_its_cards_into_view(page):
    page.evaluate("scrollTo(0, document.body.scrollHeight)")
    pick(page, "Key points")  # still a long page: without help the view would stay far below its first card
    top = page.locator(".pv-note:not([hidden])").first.bounding_box()["y"]
    assert 0 <= top < 900


def test_filter_matches_words_across_the_cards_ignoring_case_and_accents(page):
    page.fill("#pv-q", "peak")
    assert cards_with(["peak"]) == 20
    assert status(page) == "20 of 89 cards" and len(shown(page)) == 20
    assert {k: v for k, v in page.evaluate(CHIPS_JS).items() if k in EXAMPLE_DECKS} == {
        "All decks": 20, "Interview Prep": 13, "Northwind Parcel": 7}
    page.fill("#pv-q", "  PÉAK ")
    assert status(page) == "20 of 89 cards"

    page.fill("#pv-q", "NPS 60")  # every word, anywhere on the card
    assert cards_with(["nps", "60"]) == 9
    assert status(page) == "9 of 89 cards"
    page.fill("#pv-q", "60 nps")
    assert status(page) == "9 of 89 cards"

    page.fill("#pv-q", "dana")  # the heading counts too: a person's id
    assert status(page) == "2 of 89 cards"
    assert all(h.startswith("person · northwind/person/dana-okafor") for h in shown(page))

    page.fill("#pv-q", "peak")
    pick(page, "Stories")
    assert status(page) == f"{len(shown(page))} of 89 cards"
    assert 0 < len(shown(page)) < 12 and all(h.startswith("story · ") for h in shown(page))


def test_no_card_matches_says_so_and_offers_everything_back(page):
    pick(page, "Northwind Parcel")
    page.fill("#pv-q", "zeppelin")
    assert status(page) == "0 of 89 cards"
    assert page.is_visible("#pv-none")
    assert page.text_content("#pv-none-what") == "No card matches \u201czeppelin\u201d in Northwind Parcel."
    assert shown(page) == [] and page.evaluate(DECKS_SHOWN_JS) == []
    assert set(page.evaluate(CHIPS_JS).values()) == {0}
    page.get_by_role("button", name="Show all cards").click()
    assert status(page) == "89 cards" and len(shown(page)) == 89
    assert page.input_value("#pv-q") == "" and page.is_hidden("#pv-none")
    assert page.evaluate("document.activeElement.id") == "pv-q"
    assert page.evaluate(CHIPS_JS) == EXAMPLE_DECKS | EXAMPLE_KINDS


def test_keyboard_alone_finds_cards_and_tests_oneself(page):
    focused = lambda: page.evaluate(  # noqa: E731
        "(() => { const e = document.activeElement; return e.closest('label')?.firstChild.textContent || e.id"
        " || e.tagName; })()")
    page.keyboard.press("/")
    assert focused() == "pv-q"
    page.keyboard.type("northwind/")  # inside the filter "/" is just a character
    assert page.input_value("#pv-q") == "northwind/" and status(page) == "33 of 89 cards"
    page.keyboard.press("Escape")
    assert page.input_value("#pv-q") == "" and status(page) == "89 cards"

    page.keyboard.press("Tab")
    assert focused() == "All decks"
    page.keyboard.press("ArrowDown")
    assert focused() == "Interview Prep" and status(page) == "56 of 89 cards"
    page.keyboard.press("ArrowDown")
    assert focused() == "Northwind Parcel" and status(page) == "33 of 89 cards"
    outline = page.evaluate("getComputedStyle(document.activeElement.closest('label')).outlineStyle")
    assert outline == "solid"  # the focus is visible

    page.keyboard.press("Tab")
    assert focused() == "All kinds"
    page.keyboard.press("ArrowDown")
    assert focused() == "Answers" and page.text_content("#pv-none-what") == "Northwind Parcel has no answers."
    page.keyboard.press("ArrowDown")
    assert focused() == "Key points" and status(page) == "7 of 89 cards"

    page.keyboard.press("Tab")
    assert focused() == "pv-fronts"
    page.keyboard.press("Enter")  # fronts only: every back folds away
    assert page.get_attribute("#pv-fronts", "aria-pressed") == "true"
    assert page.locator(".pv-back > .card:visible").count() == 0
    for _ in range(3):  # Dark, Phone width, then the first shown card's back (the hidden reset button is skipped)
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    assert page.locator(".pv-back > .card:visible").count() == 1
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert focused() == "pv-fronts"
    page.keyboard.press("Space")
    assert page.locator(".pv-back > .card:visible").count() == 7


def test_page_follows_the_systems_dark_mode(browser, example_preview):
    page = browser.new_page(viewport={"width": 390, "height": 844}, color_scheme="dark")
    page.goto(example_preview.as_uri())
    assert "nightMode" in page.evaluate("document.body.className")
    assert page.get_attribute("#pv-dark", "aria-pressed") == "true"
    page.close()


def test_phone_keeps_the_filter_in_reach(browser, example_preview):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(example_preview.as_uri())
    page.evaluate("scrollTo(0, 20000)")
    bar = page.locator(".pv-bar").bounding_box()
    assert bar["y"] == 0 and bar["height"] < 100  # sticky, and small enough to leave the cards room
    page.fill("#pv-q", "dana")
    assert status(page) == "2 of 89 cards"
    assert page.locator(".pv-note:not([hidden])").first.bounding_box()["y"] >= bar["height"] - 1
    page.close()


HOSTILE_DECK = 'Prep <b>"{{c1::x}}"</b> & ${alert(3)} `co`'
HOSTILE_COMPANY = "<script>alert('co')</script> Acme { x } & \"Sons\" ${alert(5)}"


def test_nothing_user_written_becomes_markup_in_the_browser(browser, workspace, tmp_path):
    ws = workspace({
        "deck.yaml": f"deck: '{HOSTILE_DECK}'\n",
        "answers.yaml": """
            career-goals:
              points:
                - '<script>alert(1)</script> & "quotes" {{c1::x}} ${alert(4)}'
                - "<img src=x onerror=alert(2)>"
            """,
        "companies/acme.yaml": """
            name: "<script>alert('co')</script> Acme { x } & \\"Sons\\" ${alert(5)}"
            facts:
              - q: "Who? <i>x</i>"
                a: "Café ‘quoted’ Zürich"
                source: here
            """,
    })
    out, cards = write_preview(str(ws), tmp_path / "p.html")
    assert cards == 4
    assert "<script>alert" not in out.read_text(encoding="utf-8")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(out.as_uri())
    markup = "document.querySelectorAll('script, img, b, i, iframe, [onerror]').length"
    assert page.evaluate(markup) == 1  # the page's own script
    assert page.text_content("h1") == HOSTILE_DECK
    assert page.evaluate(CHIPS_JS) == {"All decks": 4, HOSTILE_DECK: 3, HOSTILE_COMPANY: 1,
                                       "All kinds": 4, "Answers": 1, "Key points": 2, "Facts": 1}
    pick(page, "Acme")
    hostile_query = "<img src=x onerror=alert(9)> ${alert(1)} {{c1::x}} \\"
    page.fill("#pv-q", hostile_query)
    assert page.text_content("#pv-none-what") == f"No card matches \u201c{hostile_query}\u201d in {HOSTILE_COMPANY}."
    page.fill("#pv-q", "cafe 'QUOTED' zurich")  # accents, case and curly quotes do not matter
    assert status(page) == "1 of 4 cards"
    page.fill("#pv-q", '"quotes" <script>')
    pick(page, "All decks")
    assert status(page) == "3 of 4 cards"  # the answer and both point cards (each shows the other points)
    assert page.evaluate(markup) == 1 and dialogs == []
    page.close()
