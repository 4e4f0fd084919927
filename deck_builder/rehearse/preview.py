"""Note specs -> one self-contained HTML page showing every card, front and back.

Cards are rendered from the same templates and stylesheet as the package, with the small
part of Anki's template language our templates use ({{Field}}, {{#Field}}..{{/Field}},
{{^Field}}, {{FrontSide}}, {{cloze:Field}}, {{tts ...:Field}}). tests/test_preview.py
checks the text of every card against what the real Anki engine renders. The page's own
script (no user text in it) lets one show a deck or a kind of card, filter by words and fold
the backs away; every card is in the page whether or not it runs.
"""

from __future__ import annotations

import base64
import html
import mimetypes
import re
from pathlib import Path

from ..atomic import replacing
from ..cards.derive import KIND_NAMES, NoteSpec
from ..cards.notetypes import CLOZE, NoteType, card_ordinals
from ..sources.problems import UserError
from ..sources.textrules import CLOZE_MARKUP

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


# The navigation's names for the kinds, in the order a job seeker thinks of them: their own
# preparation first, then what they researched about each company.
KIND_TITLES = {
    "answer": "Answers",
    "points": "Key points",
    "story": "Stories",
    "tailored": "Tailored answers",
    "fact": "Facts",
    "cloze": "Cloze facts",
    "product": "Products",
    "person": "People",
    "asks": "Questions to ask",
}

_PAGE_CSS = """
body.preview { margin: 0; font-family: system-ui, sans-serif; background: #eef1f4; color: #1d232b; }
body.preview.nightMode { background: #121418; color: #e6e9ee; }
[hidden] { display: none !important; }
.pv-bar, .pv-nav { background: #ffffff; }
.nightMode .pv-bar, .nightMode .pv-nav, .nightMode .pv-panel { background: #1e2228; border-color: #3a414b; }
.pv-bar { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: baseline; padding: 8px 12px; }
.pv-bar h1 { flex: 1 1 auto; font-size: 16px; margin: 0; overflow-wrap: anywhere; }
#pv-status { margin: 0; font-size: 14px; color: #4a5360; }
.nightMode #pv-status { color: #b4bcc6; }
.pv-search { flex: 1 1 100%; display: flex; }
.pv-search input { flex: 1; min-width: 0; font: inherit; font-size: 16px; padding: 6px 8px; border-radius: 6px;
  border: 1px solid #8a94a0; background: #ffffff; color: #1d232b; }
.nightMode .pv-search input { background: #121418; color: #e6e9ee; }
.pv-nav { padding: 0 12px 10px; }
.pv-nav fieldset { display: flex; flex-wrap: wrap; gap: 6px; border: 0; margin: 8px 0 0; padding: 0; min-width: 0; }
.pv-nav legend { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: #4a5360; padding: 0; margin-bottom: 4px; }
.nightMode .pv-nav legend { color: #b4bcc6; }
.pv-chip, .pv-nav button { position: relative; display: inline-flex; gap: 6px; align-items: baseline; font: inherit;
  font-size: 14px; padding: 4px 10px; border-radius: 6px; border: 1px solid #8a94a0; background: #ffffff;
  color: #1d232b; cursor: pointer; overflow-wrap: anywhere; min-width: 0; }
.nightMode .pv-chip, .nightMode .pv-nav button { background: #2a2f37; color: #e6e9ee; }
.pv-chip input { position: absolute; inset: 0; width: 100%; height: 100%; margin: 0; opacity: 0; cursor: pointer; }
.pv-chip .pv-n { font-weight: 600; font-variant-numeric: tabular-nums; }
.pv-chip.pv-zero { border-style: dashed; }
.pv-chip:has(:checked), .nightMode .pv-chip:has(:checked), .pv-nav button[aria-pressed="true"],
.nightMode .pv-nav button[aria-pressed="true"] { background: #1a5fb4; color: #ffffff; border-color: #1a5fb4; }
.pv-chip:has(:focus-visible), .pv-panel button:focus-visible, main button:focus-visible, main summary:focus-visible,
.pv-search input:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.nightMode .pv-chip:has(:focus-visible), .nightMode .pv-panel button:focus-visible,
.nightMode main button:focus-visible, .nightMode main summary:focus-visible,
.nightMode .pv-search input:focus-visible { outline-color: #8cb4ff; }
@media (min-width: 900px) {
  body.preview { display: grid; grid-template-columns: 17rem minmax(0, 1fr); align-items: start; }
  .pv-panel { position: sticky; top: 0; height: 100vh; overflow-y: auto; box-sizing: border-box;
    background: #ffffff; border-right: 1px solid #c9d0d8; }
  .pv-nav fieldset.pv-list { flex-direction: column; align-items: stretch; }
  .pv-chip { justify-content: space-between; }
  .pv-chip.pv-sub { margin-left: 1em; }
}
@media (max-width: 899.98px) {
  html { scroll-padding-top: 96px; }  /* what keyboard focus scrolls to stays clear of the sticky bar */
  .pv-panel { display: contents; }
  .pv-bar { position: sticky; top: 0; z-index: 1; border-bottom: 1px solid #c9d0d8; }
  .pv-nav { border-bottom: 1px solid #c9d0d8; }
}
@media print { body.preview { display: block; } .pv-panel { display: none; } }
main { padding: 8px 12px 40px; min-width: 0; }
.pv-none { margin: 16px 0; padding: 16px; font-size: 16px; border: 1px dashed #8a94a0; border-radius: 8px; background: #ffffff; }
.nightMode .pv-none { background: #1e2228; }
.pv-none button { font: inherit; margin-left: 4px; padding: 4px 10px; border-radius: 6px; border: 1px solid #1a5fb4;
  background: #1a5fb4; color: #ffffff; cursor: pointer; }
.pv-deck > h2 { font-size: 18px; margin: 16px 0 8px; overflow-wrap: anywhere; }
/* Cards off screen are not laid out until scrolled near: a 12,000-card page opens and filters several
   times faster (measured in Chromium), and find-in-page still finds them. */
.pv-note { margin: 0 0 16px; content-visibility: auto; contain-intrinsic-size: auto 420px; }
.pv-note > h3 { font-size: 12px; font-weight: 600; margin: 0 0 4px; color: #4a5360; overflow-wrap: anywhere; }
.nightMode .pv-note > h3 { color: #b4bcc6; }
.pv-sides { display: flex; flex-wrap: wrap; gap: 8px; }
.pv-side { flex: 1 1 320px; min-width: 0; max-width: 640px; }
.phone .pv-side { flex: 0 1 360px; max-width: 360px; }
.pv-label { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: #4a5360; margin: 0 0 2px; }
.nightMode .pv-label { color: #b4bcc6; }
.pv-back > summary { cursor: pointer; width: max-content; }
.pv-back:not([open]) > summary { width: auto; padding: 12px; font-size: 13px; border: 1px dashed #8a94a0; border-radius: 8px; }
.pv-side > .card, .pv-back > .card { border: 1px solid #c9d0d8; border-radius: 8px; max-width: none; box-sizing: border-box; }
.nightMode .pv-side > .card, .nightMode .pv-back > .card { border-color: #3a414b; }
.db-tts { font-size: 0.8em; }
"""

# Plain script, no user text in it: everything it shows comes from the page through textContent.
_SCRIPT = r"""
const $ = (s) => document.querySelector(s), $$ = (s) => [...document.querySelectorAll(s)];
// Case, accents, ligatures, full-width letters and curly quotes do not matter when filtering.
const fold = (s) => s.normalize("NFKD").replace(/\p{M}/gu, "").replace(/[\u2018\u2019\u201b\u2032]/g, "'")
  .replace(/[\u201c\u201d\u201e\u2033]/g, '"').toLowerCase().replace(/\s+/g, " ");
const cards = $$(".pv-note").map((el) => ({el, deck: el.dataset.deck, kind: el.dataset.kind,
  text: fold([el.querySelector("h3"), ...el.querySelectorAll(".card")].map((e) => e.textContent).join(" "))}));
const q = $("#pv-q"), status = $("#pv-status"), none = $("#pv-none"), main = $("main");
const chosen = (group) => $(`input[name="${group}"]:checked`);
const nameOf = (input) => input.parentElement.firstChild.textContent.trim();

function apply() {
  const words = fold(q.value).split(" ").filter(Boolean), deck = chosen("pv-deck").value, kind = chosen("pv-kind").value;
  const perDeck = {"": 0}, perKind = {"": 0};
  let shown = 0;
  for (const c of cards) {
    const hit = words.every((w) => c.text.includes(w)), inDeck = !deck || c.deck === deck, inKind = !kind || c.kind === kind;
    if (hit && inKind) { perDeck[""]++; perDeck[c.deck] = (perDeck[c.deck] || 0) + 1; }
    if (hit && inDeck) { perKind[""]++; perKind[c.kind] = (perKind[c.kind] || 0) + 1; }
    const show = hit && inDeck && inKind;
    shown += show;
    if (c.el.hidden === show) c.el.hidden = !show;
  }
  for (const [group, counts] of [["pv-deck", perDeck], ["pv-kind", perKind]]) {
    for (const input of $$(`input[name="${group}"]`)) {
      const n = counts[input.value] || 0;
      input.parentElement.querySelector(".pv-n").textContent = n;
      input.parentElement.classList.toggle("pv-zero", !n);
    }
  }
  for (const s of $$(".pv-deck")) s.hidden = !s.querySelector(".pv-note:not([hidden])");
  status.textContent = shown === cards.length ? `${shown} cards` : `${shown} of ${cards.length} cards`;
  none.hidden = shown > 0;
  if (!shown) {
    const deckName = nameOf(chosen("pv-deck")), kindName = nameOf(chosen("pv-kind"));
    $("#pv-none-what").textContent = q.value.trim()
      ? `No card matches \u201c${q.value.trim()}\u201d${deck ? ` in ${deckName}` : ""}${kind ? ` among ${kindName}` : ""}.`
      : `${deckName} has no ${kindName.toLowerCase()}.`;  // only a deck and a kind together can leave nothing
  }
  const top = main.getBoundingClientRect().top + scrollY;
  const bar = $(".pv-bar"), covered = getComputedStyle(bar).position === "sticky" ? bar.offsetHeight : 0;
  if (scrollY > top - covered) scrollTo(0, top - covered);
}

q.addEventListener("input", apply);
for (const input of $$(".pv-chip input")) input.addEventListener("change", apply);
q.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.preventDefault(); q.value = ""; apply(); } });
document.addEventListener("keydown", (e) => {
  if (e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !e.target.matches("input[type=search], textarea")) {
    e.preventDefault(); q.focus(); q.select();
  }
});
$("#pv-reset").addEventListener("click", () => {
  q.value = ""; for (const g of ["pv-deck", "pv-kind"]) $(`input[name="${g}"][value=""]`).checked = true;
  apply(); q.focus();
});

for (const [id, cls] of [["pv-dark", "nightMode night_mode"], ["pv-phone", "phone mobile"], ["pv-fronts", ""]]) {
  const b = document.getElementById(id);
  b.addEventListener("click", () => {
    const on = b.getAttribute("aria-pressed") !== "true";
    b.setAttribute("aria-pressed", String(on));
    for (const c of cls.split(" ").filter(Boolean)) document.body.classList.toggle(c, on);
    if (id === "pv-fronts") for (const d of $$(".pv-back")) d.open = !on;
  });
}
if (matchMedia("(prefers-color-scheme: dark)").matches) $("#pv-dark").click();
"""


def _chip(group: str, value: str, name: str, count: int, sub: bool = False) -> str:
    checked = " checked" if not value else ""
    return (f'<label class="pv-chip{" pv-sub" if sub else ""}">{html.escape(name)}'
            f'<input type="radio" name="{group}" value="{value}"{checked}><span class="pv-n">{count}</span></label>')


def preview_page(title: str, specs: list[NoteSpec], types: dict[str, NoteType], css: str) -> tuple[str, int]:
    """Every card of every note, grouped by deck -> (one HTML page, how many cards)."""
    decks: dict[str, list[str]] = {}
    kinds: dict[str, int] = {}
    total = 0
    uris: dict[str, str] = {}  # each photo read and encoded once, however many cards show it
    for spec in specs:
        nt = types[spec.note_type]
        media = {}
        for name, path in spec.media:
            if name not in uris:
                uris[name] = data_uri(path)
            media[name] = uris[name]
        deck = decks.setdefault(spec.deck, [])
        deck_no = list(decks).index(spec.deck) + 1  # data-deck holds a number, never the user's deck name
        for name, front, back in card_sides(nt, spec):
            total += 1
            kinds[spec.kind] = kinds.get(spec.kind, 0) + 1
            label = f"{KIND_NAMES[spec.kind]} · {spec.label} · {name}"
            deck.append(
                f'<article class="pv-note" data-deck="{deck_no}" data-kind="{spec.kind}"><h3>{html.escape(label)}</h3>'
                '<div class="pv-sides">'
                f'<div class="pv-side"><p class="pv-label">Front</p><div class="card">{_inline_media(front, media)}</div></div>'
                f'<details class="pv-side pv-back" open><summary class="pv-label">Back</summary>'
                f'<div class="card">{_inline_media(back, media)}</div></details>'
                "</div></article>"
            )
    sections = "".join(
        f'<section class="pv-deck"><h2>{html.escape(deck)}</h2>{"".join(cards)}</section>'
        for deck, cards in decks.items()
    )
    deck_chips = "".join(
        _chip("pv-deck", str(n), deck.removeprefix(f"{title}::") or deck, len(cards), sub=deck.startswith(f"{title}::"))
        for n, (deck, cards) in enumerate(decks.items(), 1)
    )
    kind_chips = "".join(_chip("pv-kind", kind, KIND_TITLES[kind], kinds[kind]) for kind in KIND_TITLES if kind in kinds)
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}: card preview</title>"
        f"<style>{css}\n{_PAGE_CSS}</style></head>"
        '<body class="preview"><div class="pv-panel">'
        f'<header class="pv-bar"><h1>{html.escape(title)}</h1>'
        f'<p id="pv-status" role="status">{total} cards</p>'
        '<label class="pv-search"><input id="pv-q" type="search" autocomplete="off" spellcheck="false"'
        ' placeholder="Filter by words (press /)" aria-label="Filter cards by the words on them"></label>'
        "</header>"
        '<nav class="pv-nav" aria-label="Decks and kinds of card">'
        f'<fieldset class="pv-list"><legend>Deck</legend>{_chip("pv-deck", "", "All decks", total)}{deck_chips}</fieldset>'
        f'<fieldset class="pv-list"><legend>Kind</legend>{_chip("pv-kind", "", "All kinds", total)}{kind_chips}</fieldset>'
        '<fieldset><legend>View</legend>'
        '<button id="pv-fronts" type="button" aria-pressed="false">Fronts only</button>'
        '<button id="pv-dark" type="button" aria-pressed="false">Dark</button>'
        '<button id="pv-phone" type="button" aria-pressed="false">Phone width</button></fieldset>'
        "</nav></div>"
        '<main><div id="pv-none" class="pv-none" hidden><span id="pv-none-what"></span>'
        ' <button id="pv-reset" type="button">Show all cards</button></div>'
        f"{sections}</main><script>{_SCRIPT}</script></body></html>\n"
    ), total


def write_text_atomically(out: Path, text: str) -> None:
    """Write a page through a temporary file and a rename, so a reader never sees half of it."""
    if out.is_dir():
        raise UserError(f"cannot write {out}: it is a folder; give the name of a file inside it")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with replacing(out) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None


def write_preview(folder: str, output: str | Path | None = None) -> tuple[Path, int]:
    """A workspace folder -> an HTML page of every card (nothing else is written)."""
    from ..apkg.state import point_numbering
    from ..build import last_state
    from ..cards.derive import derive_notes
    from ..cards.notetypes import note_types, stylesheet
    from ..sources.workspace import load_workspace

    ws, _ = load_workspace(folder)
    types = note_types(ws.settings.tts, ws.settings.voices)
    out = Path(output) if output is not None else ws.root / "build" / "preview.html"
    state, _ = last_state(ws, readonly=True)  # key points keep the cloze numbers the last build gave them
    page, cards = preview_page(ws.settings.deck, derive_notes(ws, point_numbering(state)), types, stylesheet())
    write_text_atomically(out, page)
    return out, cards
