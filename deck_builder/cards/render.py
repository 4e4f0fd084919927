"""The user's text -> safe HTML for Anki fields. All escaping and Markdown happen here.

Raw HTML in the sources is shown as text, never interpreted; links keep to safe schemes
(markdown-it's validateLink refuses javascript:, vbscript:, file: and data:).
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from ..sources.textrules import MARKDOWN_NESTING, Cloze, math_spans, parse_cloze

_PLACEHOLDER = re.compile(r"\{(company|role)\}")
_URL_PLACEHOLDER = re.compile(r"%7B(company|role)%7D")


# The packages a parse runs: markdown-it and what it needs at run time (mdurl normalises and
# encodes link targets). A plugin the parser is given must be listed here too.
PARSER_PACKAGES = ("markdown_it", "mdurl")
_VERSION = re.compile(r"""^__version__\s*[:=][^"'\n]*["']([^"'\n]+)["']""", re.M)


def renderer_signature() -> str:
    """What the parsed HTML depends on besides the text: this module, and each package of
    PARSER_PACKAGES as installed: its ``__version__`` and where and when each of its files was
    written (found without importing it: a rebuild imports the parser only for new texts). A
    cache made by another is not used, so any other version of the parser, or of what it
    depends on, parses every text again, even one installed with the same files' times."""
    import importlib.util
    import os

    from .. import __version__

    parts = [__version__, f"{os.stat(__file__).st_mtime_ns}"]
    for name in PARSER_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            parts.append(f"{name}:absent")
            continue
        parts.append(f"{name}:{_source_version(spec.origin)}:{spec.origin}")
        for folder in spec.submodule_search_locations or ():
            parts.append(_files_written(folder))
        if not spec.submodule_search_locations:
            parts.append(_files_written(spec.origin))
    return " ".join(parts)


def _source_version(origin: str) -> str:
    """The ``__version__`` a module's source sets ("?" when none does)."""
    try:
        with open(origin, encoding="utf-8") as f:
            m = _VERSION.search(f.read())
    except (OSError, UnicodeDecodeError):
        return "?"
    return m.group(1) if m else "?"


def _files_written(path: str) -> str:
    """The Python files under PATH (a folder or one file), with their sizes and times, as a digest."""
    import hashlib
    import os

    seen = []
    stack = [path]
    while stack:
        here = stack.pop()
        if not os.path.isdir(here):
            st = os.stat(here)
            seen.append(f"{here} {st.st_size} {st.st_mtime_ns}")
            continue
        with os.scandir(here) as entries:
            for entry in entries:
                if entry.is_dir():
                    if entry.name != "__pycache__":
                        stack.append(entry.path)
                elif entry.name.endswith(".py"):
                    st = entry.stat()
                    seen.append(f"{entry.path} {st.st_size} {st.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(seen)).encode()).hexdigest()[:16]


def _finish(rendered: str, values: dict[str, str]) -> str:
    """Fill placeholders, then neutralise what Anki would read as its own syntax."""
    # (Each step first checks that its character occurs at all: most texts have none, and
    # this runs for every text of every card.)
    if values and "{" in rendered:
        rendered = _PLACEHOLDER.sub(lambda m: html.escape(values[m.group(1)]), rendered)
    if values and "%7B" in rendered:
        # markdown-it percent-encodes braces in link targets: [site](https://x.com/{company})
        rendered = _URL_PLACEHOLDER.sub(lambda m: html.escape(quote(values[m.group(1)])), rendered)
    # Braces become entities so no user text can open or close a cloze ({{c1::) or a
    # template field; "[sound:" would make Anki play a file.
    if "{" in rendered or "}" in rendered:
        rendered = rendered.replace("{", "&#123;").replace("}", "&#125;")
    if "[" in rendered:
        rendered = rendered.replace("[sound:", "&#91;sound:").replace("[anki:", "&#91;anki:")
    return rendered


# Text with none of these characters renders in Markdown exactly as it escapes in HTML, so
# most points, names and facts skip the parser (it is most of a build's time).
_MARKUP = re.compile(r"[*_`\[\]!<>&\\\n]")
_BLOCK_START = re.compile(r"^(?:[#>+=-]|\d+[.)])")


def _escape(text: str) -> str:
    """Escaped as markdown-it escapes text (& < > and double quotes; apostrophes stay)."""
    return html.escape(text, quote=False).replace('"', "&quot;")


def _without_math(text: str) -> tuple[str, list[str]]:
    """TEXT with each formula replaced by a private-use marker, and the formulas, escaped for a
    field: HTML-escaped, braces as entities (a formula's "}}" would close a cloze deletion;
    MathJax reads the page's text, where entities are braces again)."""
    formulas: list[str] = []

    text = text.replace("\ue002", "").replace("\ue003", "")
    out, last = [], 0
    for start, end in math_spans(text):
        formula = _escape(text[start:end]).replace("{", "&#123;").replace("}", "&#125;")
        formulas.append(formula.replace("[sound:", "&#91;sound:").replace("[anki:", "&#91;anki:"))
        out.append(text[last:start] + f"\ue002{len(formulas) - 1}\ue003")
        last = end
    return "".join(out) + text[last:], formulas


def _with_math(rendered: str, formulas: list[str]) -> str:
    return re.sub("\ue002(\\d+)\ue003", lambda m: formulas[int(m.group(1))], rendered)


def _alone_decides(text: str) -> bool:
    """No placeholder, not even one Markdown makes of an entity (&#123;) or a link (%7B): the
    text alone decides its HTML (and a rebuild asks again)."""
    return "{" not in text and "%7B" not in text and "&" not in text


def plain(text: str | None, values: dict[str, str] | None = None) -> str:
    """Text shown verbatim (names, labels): escaped, no Markdown, placeholders filled."""
    if not text:
        return ""
    return _finish(html.escape(text.strip()), values or {})


def fill(text: str, values: dict[str, str]) -> str:
    """Placeholders filled in plain text (no HTML): for labels and messages."""
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


# C0 and C1 control characters (an ESC would start a terminal escape sequence); tabs and
# line breaks become spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


# One line of words with bold phrases and nothing else Markdown reads ("added a **night
# crew**."): markdown-it's HTML is the text with each phrase in <strong> and its double quotes
# escaped, so it is made without the parser (nor importing it: about 15 ms). Letters, digits
# and a few marks only; each '**' opens after a space (or at the start) before a letter or
# digit and closes after one, before no letter, digit or '*'; the text starts with a letter or
# a '**' (not a list, heading or quote). tests/test_render.py compares it with markdown-it.
_WORD_CHARS = "A-Za-z0-9 ,.;:'?!()/%$+=\"-"
_BOLD_ONLY = re.compile(rf"(?=[A-Za-z]|\*\*)(?:[{_WORD_CHARS}]|(?<![^ ])\*\*[A-Za-z0-9](?:[{_WORD_CHARS}]*[A-Za-z0-9])?"
                        r"\*\*(?![A-Za-z0-9*]))+")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def bold_only(kind: str, text: str) -> str | None:
    """markdown-it's HTML for TEXT (KIND "i": inline, "b": a block) when TEXT is words and bold
    phrases only (_BOLD_ONLY); otherwise None."""
    if text[-1:] == " " or not _BOLD_ONLY.fullmatch(text):  # (a text is stripped before it is parsed)
        return None
    out = _BOLD.sub(r"<strong>\1</strong>", text.replace('"', "&quot;") if '"' in text else text)
    return out if kind == "i" else f"<p>{out}</p>\n"


def _new_parser():
    # imported on first use: keeps `deck-builder --help` fast
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False,
                                   "maxNesting": MARKDOWN_NESTING})  # deeper text is an error in check
    md.disable(["image", "html_inline", "html_block"])
    return md


class Renderer:
    """Markdown -> HTML for cards, remembering what it rendered.

    A rebuild renders mostly the same texts again, and the parser is most of rendering (and
    importing it a fifth of a rebuild's start-up). Placeholders are filled afterwards, so the
    text alone decides the parser's result. A build hands in what the last one parsed
    (``begin``, from the build state) and takes back what this one used (``used``), so a
    rebuild imports the parser only for new texts. A plain build makes one Renderer and drops
    it; watch's Compiler keeps one. Not for two threads at once (the Compiler's lock).

    REMEMBER: also keep each rendered text without placeholders (``_alone``), which a warm
    compiler's next build asks for again. A cold build's renderer does not: remembering every
    text costs more than rendering it once (derive: 117 -> 93 ms at 10,000 notes).
    """

    def __init__(self, remember: bool = True) -> None:
        self._md = None
        self.known: dict[str, str] = {}  # "i" or "b" + text -> markdown-it's HTML, from the last build
        self.used: dict[str, str] = {}  # the same, for the texts this build parsed or took from known
        # texts without placeholders, rendered: "i"/"b" + text -> (HTML, the parser results it used)
        self._alone: dict[str, tuple[str, tuple[tuple[str, str], ...]]] | None = {} if remember else None
        self._trace: list[tuple[str, str]] = []  # parser results used while someone traces
        self._tracing = 0

    def markdown(self):
        if self._md is None:
            self._md = _new_parser()
        return self._md

    def begin(self, cached: dict[str, str]) -> dict[str, str]:
        """A build starts: what the last build parsed (CACHED) and what this renderer parsed
        before are known, and ``used`` collects this build's texts. Returns CACHED."""
        self.known = {**cached, **self.used} if self.used else cached  # the last build's texts, no older ones
        self.used = {}
        return cached

    def _parsed(self, kind: str, text: str) -> str:
        key = kind + text
        out = self.used.get(key)
        if out is None:
            out = self.known.get(key)
            if out is None:
                out = bold_only(kind, text)
            if out is None:
                md = self.markdown()
                out = md.renderInline(text) if kind == "i" else md.render(text)
        self.use(((key, out),))
        return out

    def use(self, parsed) -> None:
        """Parser results (key, HTML) this build used, also when they were remembered elsewhere
        (a text rendered before, notes derived before): the cache must keep them all."""
        for key, out in parsed:
            self.used[key] = out
        if self._tracing:
            self._trace.extend(parsed)

    def traced(self) -> _Traced:
        """``with renderer.traced() as parsed:`` collects the parser results used inside."""
        return _Traced(self)

    def _remember_alone(self, kind: str, text: str, render) -> str:
        key = kind + text
        hit = self._alone.get(key)
        if hit is None:
            with self.traced() as parsed:
                out = render(text, {})
            if len(self._alone) > 1 << 17:  # a long watch: keep memory bounded
                self._alone.clear()
            self._alone[key] = (out, tuple(parsed))
            return out
        self.use(hit[1])
        return hit[0]

    def inline(self, text: str | None, values: dict[str, str]) -> str:
        """One line of Markdown (bold, italics, links, code) -> HTML without a paragraph."""
        if not text:
            return ""
        if self._alone is not None and _alone_decides(text):
            return self._remember_alone("i", text, self._inline)
        return self._inline(text, values)

    def block(self, text: str | None, values: dict[str, str]) -> str:
        """Markdown with paragraphs and lists -> HTML; a single paragraph is unwrapped."""
        if not text:
            return ""
        if self._alone is not None and _alone_decides(text):
            return self._remember_alone("b", text, self._block)
        return self._block(text, values)

    def _inline(self, text: str, values: dict[str, str]) -> str:
        text = text.strip()
        if not _MARKUP.search(text):  # no '&', '<' or '>' either: only double quotes to escape
            return _finish(text.replace('"', "&quot;") if '"' in text else text, values)
        formulas: list[str] = []
        if "\\" in text:
            text, formulas = _without_math(text)
        out = _finish(self._parsed("i", text), values)
        return _with_math(out, formulas) if formulas else out

    def _block(self, text: str, values: dict[str, str]) -> str:
        text = text.strip()
        if not _MARKUP.search(text) and not _BLOCK_START.match(text):  # (as in _inline)
            return _finish(text.replace('"', "&quot;") if '"' in text else text, values)
        formulas: list[str] = []
        if "\\" in text:
            text, formulas = _without_math(text)
        out = self._parsed("b", text).strip()
        if out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
            out = out[3:-4]
        out = _finish(out, values)
        return _with_math(out, formulas) if formulas else out

    def cloze(self, text: str, values: dict[str, str]) -> str:
        """A cloze fact -> HTML with Anki's {{cN::...}} markers and escaped user text in between."""
        segments, _ = parse_cloze(text)
        # Each deletion is rendered on its own and stands in the Markdown as a private-use
        # marker, so "**{{c1::x}}**" still comes out bold.
        marked, deletions = [], []
        for seg in segments:
            if isinstance(seg, Cloze):
                body = self.inline(seg.content, values).replace(":", "&#58;")
                hint = "::" + self.inline(seg.hint, values).replace(":", "&#58;") if seg.hint else ""
                marked.append(f"\ue000{len(deletions)}\ue001")
                deletions.append(f"{{{{c{seg.number}::{body}{hint}}}}}")
            else:
                marked.append(seg.replace("\ue000", "").replace("\ue001", ""))
        out = self.inline("".join(marked), values)
        return re.sub("\ue000(\\d+)\ue001", lambda m: deletions[int(m.group(1))], out)

    def point_clozes(self, points, numbers, values: dict[str, str]) -> str:
        """Points as an ordered list with one cloze deletion each, numbered as given."""
        items = "".join(
            f"<li>{{{{c{n}::{self.inline(p, values).replace(':', '&#58;')}}}}}</li>" for n, p in zip(numbers, points)
        )
        return f'<ol class="db-points">{items}</ol>'

    def ordered_list(self, items, values: dict[str, str], css_class: str, start: int = 1) -> str:
        """Points in the order the user would say them (numbered from START)."""
        lis = "".join(f"<li>{self.inline(item, values)}</li>" for item in items)
        first = f' start="{start}"' if start != 1 else ""
        return f'<ol class="{css_class}"{first}>{lis}</ol>'

    def text(self, source: str | None, values: dict[str, str] | None = None, block: bool = False) -> str:
        """Markdown -> the words without its syntax, for a terminal: `*how*` reads "how", a link
        "its text (its address)"; on one line, control characters dropped, placeholders filled.

        Parsed as the cards render it: one line (inline), or with BLOCK paragraphs and lists,
        which are run together ("; " between list items, ordered ones keep their numbers)."""
        if not source:
            return ""
        source = source.strip()
        formulas: list[str] = []
        if "\\" in source:  # formulas stay as typed (LaTeX), never read as Markdown
            spans = math_spans(source)
            formulas = [source[a:b] for a, b in spans]
            for n, (a, b) in reversed(list(enumerate(spans))):
                source = source[:a] + f"\ue002{n}\ue003" + source[b:]
        if _MARKUP.search(source) or (block and _BLOCK_START.match(source)):
            if not block:
                source = "".join(_inline_text(t.children or ()) for t in self.markdown().parseInline(source))
            else:
                source = _block_text(self.markdown().parse(source))
        out = fill(" ".join(_CONTROL.sub("", source).split()), values or {})
        return _with_math(out, formulas) if formulas else out


class _Traced:
    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer

    def __enter__(self) -> list[tuple[str, str]]:
        r = self.renderer
        self.start, self.parsed = len(r._trace), []
        r._tracing += 1
        return self.parsed

    def __exit__(self, *exc) -> bool:
        r = self.renderer
        r._tracing -= 1
        self.parsed.extend(r._trace[self.start:])
        if not r._tracing:
            del r._trace[:]
        return False


# One text at a time, for the brief, the mock and the studio: a fresh Renderer each (cheap:
# its parser is made only for a text with Markdown in it), so no call depends on another.

def inline(text: str | None, values: dict[str, str]) -> str:
    """One line of Markdown (bold, italics, links, code) -> HTML without a paragraph."""
    return Renderer().inline(text, values)


def block(text: str | None, values: dict[str, str]) -> str:
    """Markdown with paragraphs and lists -> HTML; a single paragraph is unwrapped."""
    return Renderer().block(text, values)


def cloze(text: str, values: dict[str, str]) -> str:
    """A cloze fact -> HTML with Anki's {{cN::...}} markers and escaped user text in between."""
    return Renderer().cloze(text, values)


def point_clozes(points, numbers, values: dict[str, str]) -> str:
    """Points as an ordered list with one cloze deletion each, numbered as given."""
    return Renderer().point_clozes(points, numbers, values)


def ordered_list(items, values: dict[str, str], css_class: str, start: int = 1) -> str:
    """Points in the order the user would say them (numbered from START)."""
    return Renderer().ordered_list(items, values, css_class, start)


def text(source: str | None, values: dict[str, str] | None = None, block: bool = False) -> str:
    """Markdown -> the words without its syntax, for a terminal (Renderer.text)."""
    return Renderer().text(source, values, block)


def _block_text(tokens) -> str:
    out = ""
    numbers: list[int | None] = []  # per open list: the next item's number (None: bullets)
    item_started = False
    for token in tokens:
        if token.type == "ordered_list_open":
            numbers.append(int(token.attrGet("start") or 1))
        elif token.type == "bullet_list_open":
            numbers.append(None)
        elif token.type in ("ordered_list_close", "bullet_list_close"):
            numbers.pop()
        elif token.type == "list_item_open":
            item_started = True
        elif token.type in ("inline", "code_block", "fence"):
            piece = _inline_text(token.children or ()) if token.type == "inline" else token.content
            if item_started and numbers:
                sep = "; " if out and out[-1] not in ":." else " "
                if numbers[-1] is not None:
                    piece = f"{numbers[-1]}. {piece}"
                    numbers[-1] += 1
                item_started = False
            else:
                sep = " "
            out = f"{out}{sep}{piece}" if out else piece
    return out


def _inline_text(children) -> str:
    out: list[str] = []
    links: list[tuple[str, int]] = []  # (address, where its text starts)
    for child in children:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif child.type == "link_open":
            links.append((str(child.attrGet("href") or ""), len(out)))
        elif child.type == "link_close" and links:
            href, start = links.pop()
            href = _URL_PLACEHOLDER.sub(lambda m: "{" + m.group(1) + "}", href)
            if href and href != "".join(out[start:]) and not href.startswith("mailto:"):
                out.append(f" ({href})")
    return "".join(out)


def line(source: str | None, values: dict[str, str] | None = None) -> str:
    """Text shown verbatim (names, as plain() shows them) on one terminal line: no Markdown,
    control characters dropped, placeholders filled."""
    return fill(" ".join(_CONTROL.sub("", source or "").split()), values or {})
