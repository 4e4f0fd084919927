"""deck-builder preview: every card as Anki renders it, checked in the real Anki engine and a
real browser (headless Chromium from Debian, driven by Playwright)."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from deck_builder.build import build_deck, write_preview
from deck_builder.derive import derive_notes
from deck_builder.notetypes import CLOZE, note_types
from deck_builder.preview import card_sides
from deck_builder.workspace import load_workspace

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
    assert page.count('<article class="pv-note">') == int(re.search(r"\((\d+) cards\)", result.stdout).group(1))
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
  for (const el of document.querySelectorAll(".card, .card *")) {
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
    from deck_builder.build import write_preview

    out, _ = write_preview(str(root))
    return out


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_cards_fit_the_screen_and_are_readable(browser, preview_page, width, dark):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(preview_page.as_uri())
    if dark:
        page.click("#pv-dark")
        assert "nightMode" in page.evaluate("document.body.className")
    if width == 360:
        page.click("#pv-phone")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"preview-{width}-{'dark' if dark else 'light'}.png"))
    assert page.evaluate(OVERFLOW_JS) == []
    assert page.evaluate(CONTRAST_JS) == []
    page.close()
