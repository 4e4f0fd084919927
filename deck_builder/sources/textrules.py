"""The small languages inside the user's text: {placeholders} and {{c1::cloze}} deletions."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass

PLACEHOLDERS = ("company", "role")

# One scanner for both, so "{{c1::{company}}}" reads as a cloze around a placeholder.
_TOKEN = re.compile(
    r"(?P<open>\{\{c(?P<n>\d+)::)|(?P<ph>\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)\})|(?P<close>\}\})"
)
_SLUG_DROP = re.compile(r"[^a-z0-9]+")
MAX_CLOZE = 500  # Anki stores the number in a 32-bit card ordinal; no real fact needs more
# How deep markdown-it reads nested blocks (a list and its item are two levels, a quote one): past
# it, the parser drops the rest of the text without a word. Cards render with this limit, and a
# text that reaches it is an error (markdown_too_deep), so nothing vanishes from a card.
MARKDOWN_NESTING = 100
MAYBE_DEEP = re.compile(r"^[ \t>*+\-.)0-9]{20,}", re.MULTILINE)  # a line this deep could reach the limit


def markdown_too_deep(text: str) -> bool:
    """Whether TEXT, read as Markdown blocks, nests as deep as the parser reads (so that the
    card would lose what is past it). Cheap for every other text: only a line that starts with
    20 characters of indentation, '>' or list markers is looked at further."""
    if not MAYBE_DEEP.search(text):
        return False
    from markdown_it import MarkdownIt  # imported on first use, as the renderer does

    md = MarkdownIt("commonmark", {"html": False, "maxNesting": MARKDOWN_NESTING})
    return any(t.level >= MARKDOWN_NESTING - 1 for t in md.parse(text))


# A text longer than this (about a page) is a warning: a card shows it whole, on a phone too.
MAX_TEXT_CHARS = 3_000
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# MathJax as Anki reads it: \\(inline\\) and \\[display\\]. What is inside goes to Anki untouched:
# no Markdown (it would eat the backslashes), no placeholders (LaTeX is full of braces). A
# backslash before the opening one is Markdown's escaped backslash ("C:\\\\(temp)"), not maths.
MATH = re.compile(r"(?<!\\)\\\((.+?)\\\)|(?<!\\)\\\[(.+?)\\\]", re.S)
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)


def math_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every MathJax formula in TEXT (none inside `code`)."""
    if "\\(" not in text and "\\[" not in text:
        return []
    if "`" in text:  # a formula is never in code: hide code spans, keeping every offset
        text = _CODE_SPAN.sub(lambda m: m.group(1) + "\0" * len(m.group(2)) + m.group(1), text)
    return [m.span() for m in MATH.finditer(text)]


def _outside(spans: list[tuple[int, int]], offset: int) -> bool:
    return not any(start <= offset < end for start, end in spans)


# A deletion as it stands in a rendered field (user text inside is brace-escaped, so no nesting).
CLOZE_MARKUP = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)


def field_text(field_html: str) -> str:
    """A rendered field as the words it shows, on one line (cloze markers -> their text)."""
    text = CLOZE_MARKUP.sub(r"\2", field_html)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def cloze_numbers(field_html: str) -> list[int]:
    """The cloze numbers of a rendered field, sorted: one Anki card each."""
    return sorted({int(m.group(1)) for m in CLOZE_MARKUP.finditer(field_html)})


def placeholder_names(text: str) -> list[tuple[str, int]]:
    """Every {name} in the text with its offset (braces inside maths are LaTeX, not placeholders)."""
    spans = math_spans(text)
    return [(m["name"], m.start()) for m in _TOKEN.finditer(text) if m["ph"] and _outside(spans, m.start())]


@dataclass(frozen=True)
class Cloze:
    number: int
    content: str
    hint: str | None


def parse_cloze(text: str) -> tuple[list[str | Cloze], list[tuple[int, str]]]:
    """Cloze text -> segments (plain text and deletions) and (offset, message) problems."""
    segments: list[str | Cloze] = []
    problems: list[tuple[int, str]] = []
    pos = 0
    open_at: int | None = None
    number = 0
    spans = math_spans(text)  # a formula's "}}" closes nothing: a hidden part holds whole formulas
    for m in _TOKEN.finditer(text):
        if spans and not _outside(spans, m.start()):
            if m["open"]:
                problems.append((m.start(), "a hidden part cannot start inside a formula; hide the whole formula "
                                 "instead, like {{c1::\\(x^2\\)}}"))
            continue
        if m["ph"]:
            continue
        if m["open"]:
            if open_at is not None:
                problems.append((m.start(), "a cloze inside another cloze; close the first one with }} before opening the next"))
                continue
            segments.append(text[pos : m.start()])
            open_at, number, pos = m.start(), int(m["n"]), m.end()
        else:  # close
            if open_at is None:
                problems.append((m.start(), "'}}' without a matching '{{c1::' before it"))
                continue
            body = text[pos : m.start()]
            content, _, hint = body.partition("::")
            if not content.strip():
                problems.append((open_at, f"cloze {{{{c{number}::}}}} hides nothing; put the hidden text after '::'"))
            if number < 1 or number > MAX_CLOZE:
                problems.append((open_at, f"cloze numbers go from c1 to c{MAX_CLOZE}"))
            segments.append(Cloze(number, content, hint or None))
            open_at, pos = None, m.end()
    if open_at is not None:
        problems.append((open_at, f"'{{{{c{number}::' is never closed; end the hidden text with '}}}}'"))
        segments.append(text[open_at:])
    else:
        segments.append(text[pos:])
    if not problems and not any(isinstance(s, Cloze) for s in segments):
        problems.append((0, "a cloze fact needs at least one hidden part, written {{c1::like this}}"))
    return segments, problems


def strip_cloze(text: str) -> str:
    """Cloze text as plain text: "{{c1::Paris::city}} is" -> "Paris is"."""
    segments, _ = parse_cloze(text)
    return "".join(s if isinstance(s, str) else s.content for s in segments)


# The invisible and look-alike characters pasted text brings along: how messages name each one,
# and the plain character it stands for ("" for an invisible one). One table for every message.
LOOKALIKES: dict[str, tuple[str, str]] = {
    "\t": ("a tab", " "),
    "\u00a0": ("a non-breaking space", " "), "\u202f": ("a narrow non-breaking space", " "),
    "\u3000": ("a full-width space", " "), "\u1680": ("an Ogham space", " "), "\u205f": ("a mathematical space", " "),
    **{chr(c): ("a typographic space", " ") for c in range(0x2000, 0x200B)},
    "\u200b": ("an invisible zero-width space", ""), "\u200c": ("an invisible zero-width non-joiner", ""),
    "\u200d": ("an invisible zero-width joiner", ""), "\u2060": ("an invisible word joiner", ""),
    "\ufeff": ("an invisible byte order mark", ""), "\u00ad": ("an invisible soft hyphen", ""),
    "\u2010": ("a typographic hyphen", "-"), "\u2011": ("a non-breaking hyphen", "-"),
    "\u2012": ("a figure dash", "-"), "\u2013": ("an en dash", "-"), "\u2014": ("an em dash", "-"),
    "\u2212": ("a minus sign", "-"),
    "\uff1a": ("a full-width colon", ":"), "\ufe55": ("a small colon", ":"), "\ufe13": ("a vertical colon", ":"),
    "\u2236": ("a ratio sign", ":"), "\ua789": ("a modifier letter colon", ":"), "\u02d0": ("a triangular colon", ":"),
    "\u0589": ("an Armenian full stop", ":"), "\u05c3": ("a Hebrew sof pasuq", ":"),
    "\u201c": ("a curly opening quote", '"'), "\u201d": ("a curly closing quote", '"'),
    "\u201e": ("a low curly quote", '"'), "\u201f": ("a reversed curly quote", '"'),
    "\u2018": ("a curly opening apostrophe", "'"), "\u2019": ("a curly apostrophe", "'"),
    "\u201a": ("a low curly apostrophe", "'"), "\u201b": ("a reversed curly apostrophe", "'"),
    "\u00ab": ("a guillemet", '"'), "\u00bb": ("a guillemet", '"'), "\u2039": ("a guillemet", "'"),
    "\u203a": ("a guillemet", "'"), "\u300c": ("a corner bracket", '"'), "\u300d": ("a corner bracket", '"'),
    "\u2022": ("a bullet", "-"),
    # line ends that editors and YAML count as such, which text pasted from LinkedIn or Word brings
    "\u2028": ("a line separator", "\n"), "\u2029": ("a paragraph separator", "\n"),
    "\x85": ("a next-line character", "\n"),
}
LINE_SEPARATORS = "\u2028\u2029\x85"


def lookalikes_of(plain: str) -> str:
    """Every character in the table that stands for PLAIN ("" for the invisible ones)."""
    return "".join(c for c, (_, p) in LOOKALIKES.items() if p == plain)


def char_name(c: str) -> str:
    """A character as a message names it: "a non-breaking space (U+00A0 NO-BREAK SPACE)"."""
    code = f"U+{ord(c):04X}"
    name = unicodedata.name(c, "")
    official = f"{code} {name}" if name else code
    friendly = LOOKALIKES.get(c, (None,))[0]
    return f"{friendly} ({official})" if friendly else f"'{c}' ({official})"


def odd_characters(text: str) -> list[str]:
    """The characters in an id-like TEXT that are not plain ASCII, each once, in order."""
    seen: list[str] = []
    for c in text:
        if not c.isascii() and c not in seen:
            seen.append(c)
    return seen


def ascii_twin(text: str) -> str:
    """TEXT with look-alike characters replaced and invisible ones removed: what the user meant."""
    return "".join(LOOKALIKES[c][1] if c in LOOKALIKES and c != "\t" else c for c in text)


def slug(text: str, limit: int = 60) -> str:
    """An id from a name or question: "Who is Zoë's CEO?" -> "who-is-zoe-s-ceo"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    s = _SLUG_DROP.sub("-", ascii_text.lower()).strip("-")
    if len(s) > limit:
        s = s[:limit].rsplit("-", 1)[0] or s[:limit]
    if not s:  # a name in a script with no ASCII letters: a stable id from the text itself
        s = "id-" + hashlib.sha1(text.encode()).hexdigest()[:10]
    return s
