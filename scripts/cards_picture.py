"""Make the README's pictures of `deck-builder preview`: docs/cards.png and docs/preview.png.

    python scripts/cards_picture.py     # needs the test extras and Debian's chromium

docs/cards.png: the preview page for three notes of decks/example (a talking-points card, a
person and a cloze fact), one card each, without the page's navigation.
docs/preview.png: the whole example's preview as it opens, with "peak" typed into the filter.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from deck_builder.cards.derive import derive_notes
from deck_builder.cards.notetypes import note_types, stylesheet
from deck_builder.rehearse.preview import preview_page, write_preview
from deck_builder.sources.workspace import load_workspace

REPO = Path(__file__).resolve().parent.parent
LABELS = ["answer/difficult-decision", "northwind/person/dana-okafor", "northwind/fact/on-time-rate"]


def main() -> None:
    ws, _ = load_workspace(str(REPO / "decks" / "example"))
    specs = [s for s in derive_notes(ws) if s.label in LABELS]
    specs.sort(key=lambda s: LABELS.index(s.label))
    with tempfile.TemporaryDirectory() as tmp:
        cards_file = Path(tmp) / "cards.html"
        page, _ = preview_page(ws.settings.deck, specs, note_types(), stylesheet())
        cards_file.write_text(page, encoding="utf-8")
        whole_file, _ = write_preview(str(REPO / "decks" / "example"), Path(tmp) / "preview.html")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1100, "height": 800})
            page.goto(cards_file.as_uri())
            page.evaluate("""() => {  // keep the first card of each note, and only the cards
                for (const n of [...document.querySelectorAll('.pv-note')])
                    if (!/(Rehearse|Who is|Cloze 1)$/.test(n.querySelector('h3').textContent)) n.remove();
                document.querySelector('.pv-panel').remove();
                document.body.style.display = 'block';
            }""")
            cards = REPO / "docs" / "cards.png"
            page.locator("main").screenshot(path=str(cards))
            page.close()

            page = browser.new_page(viewport={"width": 1100, "height": 720})
            page.goto(whole_file.as_uri())
            page.fill("#pv-q", "peak")
            page.evaluate("document.activeElement.blur()")
            whole = REPO / "docs" / "preview.png"
            page.screenshot(path=str(whole))
            browser.close()
    print(f"wrote {cards} and {whole}")


if __name__ == "__main__":
    main()
