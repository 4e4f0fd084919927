"""Note specs -> one self-contained HTML page showing every card, front and back.

Cards are rendered from the same templates and stylesheet as the package, with the small
part of Anki's template language our templates use ({{Field}}, {{#Field}}..{{/Field}},
{{^Field}}, {{FrontSide}}, {{cloze:Field}}, {{tts ...:Field}}). tests/test_preview.py
checks the text of every card against what the real Anki engine renders.
"""

from __future__ import annotations

import base64
import html
import mimetypes
import re
from pathlib import Path

from .derive import KIND_NAMES, NoteSpec
from .notetypes import CLOZE, NoteType, card_ordinals
from .textrules import CLOZE_MARKUP

_TOKEN = re.compile(r"\{\{([#^/]?)\s*([^{}]*?)\s*\}\}")


def _parse(template: str):
    """Template text -> a tree of (kind, name, children) and plain strings."""
    root: list = []
    stack = [("root", "", root)]
    pos = 0
    for m in _TOKEN.finditer(template):
        stack[-1][2].append(template[pos : m.start()])
        pos = m.end()
        sigil, name = m.group(1), m.group(2)
        if sigil in ("#", "^"):
            node = (sigil, name, [])
            stack[-1][2].append(node)
            stack.append(node)
        elif sigil == "/":
            stack.pop()
        else:
            stack[-1][2].append(("=", name, None))
    stack[-1][2].append(template[pos:])
    return root


def _cloze(text: str, ordinal: int, back: bool) -> str:
    """Anki's cloze rendering: the card's own deletion hidden (front) or shown (back)."""

    def one(m: re.Match) -> str:
        n, content, hint = int(m.group(1)), m.group(2), m.group(3)
        if n != ordinal:
            return f'<span class="cloze-inactive" data-ordinal="{n}">{content}</span>'
        if back:
            return f'<span class="cloze" data-ordinal="{n}">{content}</span>'
        return f'<span class="cloze" data-ordinal="{n}">[{hint or "..."}]</span>'

    return CLOZE_MARKUP.sub(one, text)


def render_side(template: str, fields: dict[str, str], ordinal: int, back: bool, front: str = "") -> str:
    """One side of one card, as Anki renders it (without its stylesheet)."""

    def walk(nodes) -> str:
        out = []
        for node in nodes:
            if isinstance(node, str):
                out.append(node)
                continue
            kind, name, children = node
            if kind == "#":
                if fields.get(name, "").strip():
                    out.append(walk(children))
            elif kind == "^":
                if not fields.get(name, "").strip():
                    out.append(walk(children))
            elif name == "FrontSide":
                out.append(front)
            elif name.startswith("cloze:"):
                out.append(_cloze(fields.get(name[6:], ""), ordinal, back))
            elif name.startswith("tts "):
                lang = name[4:].split(":", 1)[0].split()[0]
                out.append(f'<span class="db-tts" title="Read aloud ({html.escape(lang)})">&#128266;</span>')
            else:
                out.append(fields.get(name, ""))
        return "".join(out)

    return walk(_parse(template))


def card_sides(nt: NoteType, spec: NoteSpec) -> list[tuple[str, str, str]]:
    """(card name, front, back) for every card the note gives in Anki."""
    fields = dict(zip(nt.fields, spec.fields))
    out = []
    for n in card_ordinals(nt, spec.fields):
        template = nt.templates[0] if nt.kind == CLOZE else nt.templates[n - 1]
        name = f"{template.name} {n}" if nt.kind == CLOZE else template.name
        ordinal = n if nt.kind == CLOZE else 1
        front = render_side(template.front, fields, ordinal, back=False)
        out.append((name, front, render_side(template.back, fields, ordinal, back=True, front=front)))
    return out


def data_uri(path: Path) -> str:
    """A picture as a data: URI, so a page is one self-contained file."""
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


def _inline_media(side: str, uris: dict[str, str]) -> str:
    for name, uri in uris.items():
        side = side.replace(f'src="{name}"', f'src="{uri}"')
    return side


_PAGE_CSS = """
body.preview { margin: 0; font-family: system-ui, sans-serif; background: #eef1f4; color: #1d232b; }
body.preview.nightMode { background: #121418; color: #e6e9ee; }
.pv-bar { position: sticky; top: 0; z-index: 1; display: flex; flex-wrap: wrap; gap: 8px; align-items: center;
  padding: 8px 12px; background: #ffffff; border-bottom: 1px solid #c9d0d8; }
.nightMode .pv-bar { background: #1e2228; border-color: #3a414b; }
.pv-bar h1 { font-size: 16px; margin: 0 auto 0 0; }
.pv-bar button { font: inherit; font-size: 14px; padding: 4px 10px; border-radius: 6px; border: 1px solid #8a94a0;
  background: #ffffff; color: #1d232b; cursor: pointer; }
.nightMode .pv-bar button { background: #2a2f37; color: #e6e9ee; }
.pv-bar button[aria-pressed="true"] { background: #1a5fb4; color: #ffffff; border-color: #1a5fb4; }
main { padding: 8px 12px 40px; }
.pv-deck > h2 { font-size: 18px; margin: 24px 0 8px; }
.pv-note { margin: 0 0 16px; }
.pv-note > h3 { font-size: 12px; font-weight: 600; margin: 0 0 4px; color: #4a5360; }
.nightMode .pv-note > h3 { color: #b4bcc6; }
.pv-sides { display: flex; flex-wrap: wrap; gap: 8px; }
.pv-side { flex: 1 1 320px; min-width: 0; max-width: 640px; }
.phone .pv-side { flex: 0 1 360px; max-width: 360px; }
.pv-label { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: #4a5360; margin: 0 0 2px; }
.nightMode .pv-label { color: #b4bcc6; }
.pv-side > .card { border: 1px solid #c9d0d8; border-radius: 8px; max-width: none; box-sizing: border-box; }
.nightMode .pv-side > .card { border-color: #3a414b; }
.db-tts { font-size: 0.8em; }
"""

_SCRIPT = """
for (const [id, cls] of [["pv-dark", "nightMode night_mode"], ["pv-phone", "phone mobile"]]) {
  const b = document.getElementById(id);
  b.addEventListener("click", () => {
    const on = b.getAttribute("aria-pressed") !== "true";
    b.setAttribute("aria-pressed", String(on));
    for (const c of cls.split(" ")) document.body.classList.toggle(c, on);
  });
}
"""


def preview_page(title: str, specs: list[NoteSpec], types: dict[str, NoteType], css: str) -> tuple[str, int]:
    """Every card of every note, grouped by deck -> (one HTML page, how many cards)."""
    decks: dict[str, list[str]] = {}
    total = 0
    uris: dict[str, str] = {}  # each photo read and encoded once, however many cards show it
    for spec in specs:
        nt = types[spec.note_type]
        media = {}
        for name, path in spec.media:
            if name not in uris:
                uris[name] = data_uri(path)
            media[name] = uris[name]
        for name, front, back in card_sides(nt, spec):
            total += 1
            label = f"{KIND_NAMES[spec.kind]} · {spec.label} · {name}"
            decks.setdefault(spec.deck, []).append(
                f'<article class="pv-note"><h3>{html.escape(label)}</h3><div class="pv-sides">'
                f'<div class="pv-side"><p class="pv-label">Front</p><div class="card">{_inline_media(front, media)}</div></div>'
                f'<div class="pv-side"><p class="pv-label">Back</p><div class="card">{_inline_media(back, media)}</div></div>'
                "</div></article>"
            )
    sections = "".join(
        f'<section class="pv-deck"><h2>{html.escape(deck)}</h2>{"".join(cards)}</section>'
        for deck, cards in decks.items()
    )
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}: card preview</title>"
        f"<style>{css}\n{_PAGE_CSS}</style></head>"
        '<body class="preview">'
        f'<div class="pv-bar"><h1>{html.escape(title)}: {total} cards</h1>'
        '<button id="pv-dark" type="button" aria-pressed="false">Dark</button>'
        '<button id="pv-phone" type="button" aria-pressed="false">Phone width</button></div>'
        f"<main>{sections}</main><script>{_SCRIPT}</script></body></html>\n"
    ), total
