"""Make docs/cards.png: three cards of the example deck as the real Anki engine renders them.

    python scripts/cards_picture.py     # needs the test extras and Debian's chromium

Builds decks/example, imports it into a throwaway Anki collection, takes the rendered answer
side of a talking-points card, a person card and a cloze fact, and screenshots them with
headless Chromium at phone width.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from pathlib import Path

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from deck_builder.build import build_deck

REPO = Path(__file__).resolve().parent.parent
SEARCHES = [
    '"note:deck-builder Answer" tag:kind::answer "Prompt:*difficult business decision*"',
    '"note:deck-builder Person" "Name:Dana Okafor" card:1',
    '"note:deck-builder Cloze" "Text:*fulfilment centres*" card:1',
]


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="deck-builder-picture-"))
    try:
        shutil.copytree(REPO / "decks" / "example", work / "ws", ignore=shutil.ignore_patterns("build", ".deck-builder"))
        apkg = work / "deck.apkg"
        build_deck(str(work / "ws"), apkg)
        col = Collection(str(work / "col.anki2"))
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions()))
        boxes, css = [], ""
        for search in SEARCHES:
            card = col.get_card(col.find_cards(search)[0])
            style, body = card.answer().split("</style>", 1)
            css = style.replace("<style>", "")
            boxes.append(f'<div class="phone"><div class="card">{body}</div></div>')
        for media in Path(col.media.dir()).iterdir():
            shutil.copy(media, work / media.name)
        col.close()
        page = work / "cards.html"
        page.write_text(
            "<!doctype html><meta charset=utf-8><style>"
            + css
            + "body{margin:0;padding:16px;background:#e9ecf0;display:flex;gap:16px;align-items:flex-start;"
            "font-family:sans-serif}.phone{width:360px;background:#fff;border-radius:14px;"
            "box-shadow:0 1px 4px rgba(0,0,0,.2);padding:12px 0}</style>"
            + "".join(boxes),
            encoding="utf-8",
        )
        out = REPO / "docs" / "cards.png"
        subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", f"--user-data-dir={work / 'profile'}", "--window-size=1160,880",
             f"--screenshot={out}", page.as_uri()],
            check=True, capture_output=True,
        )
        print(f"wrote {out} ({html.escape(str(out.stat().st_size))} bytes)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
