"""Make docs/cards.png: a few cards of the example deck, from `deck-builder preview`.

    python scripts/cards_picture.py     # needs the test extras and Debian's chromium

Renders the preview page for three notes of decks/example (a talking-points card, a
person and a cloze fact) and screenshots it with headless Chromium.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from deck_builder.derive import derive_notes
from deck_builder.notetypes import note_types, stylesheet
from deck_builder.preview import preview_page
from deck_builder.workspace import load_workspace

REPO = Path(__file__).resolve().parent.parent
LABELS = ["answer/difficult-decision", "northwind/person/dana-okafor", "northwind/fact/on-time-rate"]


def main() -> None:
    ws, _ = load_workspace(str(REPO / "decks" / "example"))
    specs = [s for s in derive_notes(ws) if s.label in LABELS]
    specs.sort(key=lambda s: LABELS.index(s.label))
    # One card per note is enough for a picture: the first card of each.
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "cards.html"
        page, _ = preview_page(ws.settings.deck, specs, note_types(), stylesheet())
        page_file.write_text(page, encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1100, "height": 800})
            page.goto(page_file.as_uri())
            page.evaluate("""() => {  // keep the first card of each note
                for (const n of [...document.querySelectorAll('.pv-note')])
                    if (!/(Rehearse|Who is|Cloze 1)$/.test(n.querySelector('h3').textContent)) n.remove();
                document.querySelector('.pv-bar').remove();
            }""")
            out = REPO / "docs" / "cards.png"
            page.locator("main").screenshot(path=str(out))
            browser.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
