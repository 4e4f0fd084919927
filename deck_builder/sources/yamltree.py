"""Read one YAML file into a small located tree: every value knows its FILE:LINE:COL.

PyYAML's constructors lose positions, silently keep the last of two duplicate keys and drop
what YAML reads as syntax (a trailing ``#`` comment, an ``&anchor``, a ``!tag``), so the tree
is built straight from the parser's event stream (safe: nothing is constructed). The events
carry every mark, anchor, tag and style, so one pass can say what YAML would have dropped.
Building from events is also about twice as fast as composing nodes and converting them.

The YAML slips people make when they paste from Word or web pages are explained here in
plain words (yamlhints.py holds the wording), on the line where the slip is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import yamlhints
from .problems import Location, Problem
from .textrules import LINE_SEPARATORS

try:  # the C parser is several times faster; fall back to pure Python where libyaml is absent
    from yaml import CBaseLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import BaseLoader as _Loader  # type: ignore[assignment]
# Only the parser is used (events), so no value is ever typed: "1999" and "yes" stay text.

_YAML = "tag:yaml.org,2002:"
_BLOCK_HEADER = re.compile(r"[|>][-+0-9]*")
MAX_DEPTH = 50
MAX_FILE_BYTES = 10_000_000  # a year of notes is well under 1 MB; this bounds memory and time
_PLAIN_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_SEQ_TAGS = {None, "!", _YAML + "seq"}
_MAP_TAGS = {None, "!", _YAML + "map"}
_NULLS = ("", "~", "null", "Null", "NULL")
_NULL_TAG = _YAML + "null"


@dataclass(slots=True)
class Scalar:
    """Text exactly as written in the file (``1999`` stays "1999"); ``null`` for ``~`` or nothing."""

    value: str
    loc: Location
    null: bool = False
    style: str | None = None
    multiline: bool = False  # written over several lines (folded or block text)
    broken: bool = False  # stands in for a value already reported as an error
    # a ' #...' YAML dropped right after the text, its closing quote or its block's header ('|', '>-'):
    # (where, the words, None or that quote or header)
    comment: tuple[Location, str, str | None] | None = None
    kind = "text"


@dataclass(slots=True)
class Seq:
    items: list
    loc: Location
    flow: bool = False  # written inline as [a, b]
    kind = "a list"


@dataclass(slots=True)
class Map:
    """Keys in file order, each with its own location."""

    entries: dict[str, tuple[Location, object]] = field(default_factory=dict)
    loc: Location = Location("")
    flow: bool = False  # written inline as {a: b}
    oneline: bool = False  # a block mapping of one 'key: value' written on one line
    kind = "a mapping (key: value)"


Node = Scalar | Seq | Map


def describe(node: Node) -> str:
    """What the user wrote, in the user's terms: 'text', 'a list', 'nothing'..."""
    if isinstance(node, Scalar):
        if node.null:
            return "nothing"
        return "text"
    return node.kind


_new_location = tuple.__new__  # Location(...) without NamedTuple's Python-level __new__ (once per value)
_ScalarEvent = yaml.ScalarEvent
_SequenceEndEvent = yaml.SequenceEndEvent
_MappingEndEvent = yaml.MappingEndEvent
_MERGE_TAG = _YAML + "merge"


_SAVE_AS_UTF8 = "save it as UTF-8 (in Notepad: File, Save as, Encoding: UTF-8)"
_UTF16 = (f'this file is saved as UTF-16 (what Notepad and Word call "Unicode"), and deck-builder reads UTF-8 text: '
          f"{_SAVE_AS_UTF8}")


def decode(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Bytes -> text, or a problem naming the encoding the file is in instead of UTF-8 (where
    the first byte that is not UTF-8 sits, when the encoding is one byte per character)."""
    if data.startswith(b"\xef\xbb\xbf"):  # a byte order mark, as Windows Notepad writes
        data = data[3:]
    if _utf16(data):
        return None, [Problem(Location(path), "error", _UTF16)]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        col = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1  # characters, as editors count
        byte = data[exc.start : exc.start + 1]
        if not before.isascii():  # UTF-8 letters before it: one stray character, not a whole file
            msg = (f"byte 0x{byte.hex()} here is not UTF-8 text, though the file is UTF-8 up to here (a character "
                   "pasted from a file in another encoding?): retype the character here and save the file as UTF-8")
            return None, [Problem(Location(path, line, col), "error", msg)]
        try:
            data.decode("cp1252")
            shown = byte.decode("cp1252")
        except UnicodeDecodeError:  # not Windows-1252 either
            msg = f"this file is not UTF-8 text but another encoding (byte 0x{byte.hex()}): {_SAVE_AS_UTF8}"
        else:
            msg = (f"this file is not UTF-8 text but another encoding, probably Windows-1252 (byte 0x{byte.hex()} "
                   f"is '{shown}' there), as older Windows programs save text: {_SAVE_AS_UTF8}")
        return None, [Problem(Location(path, line, col), "error", msg)]


def _utf16(data: bytes) -> bool:
    """Whether DATA is UTF-16 text: a byte order mark, or (without one) a zero byte beside most
    characters, as Latin letters, digits and line ends are in UTF-16."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if len(data) < 2 or b"\x00" not in data[:4096]:
        return False
    head = data[:4096]
    zeros = max(head[0::2].count(0), head[1::2].count(0))  # big or little endian
    return zeros * 2 >= len(head) // 2 * 0.6


MAX_SLIPS = 50  # syntax slips reported per file; a file with more is not YAML at all
READ_AGAIN_CHARS = 20_000_000  # a file is read again after each slip: at most this much, or 10 times its size


def parse(text: str, path: str) -> tuple[Node | None, list[Problem]]:
    """YAML text -> located tree (an empty file is an empty mapping) and the problems found.

    After a syntax slip the rest of the file is read on, so that every slip is reported in one
    run: the slip's line and the lines under it (to the next key or item at the same or a lower
    indent) are blanked out, keeping every line number, and the file is read again. A file with a
    slip has no tree, so nothing that follows from a slip is reported as a problem of its own."""
    if "\r" in text:  # Windows (CRLF) and old Mac (CR) line ends: lines as the parser and editors count them
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    slips: list[Problem] = []
    if any(c in text for c in LINE_SEPARATORS):
        text, slips = yamlhints.separated_lines(text, path)
    if not slips:
        tree = plain_tree(text, path)
        if tree is not None:
            return tree, []
    lookalikes_done = False
    budget = max(10 * len(text), READ_AGAIN_CHARS)  # how much reading again a file's slips may cost
    while True:
        budget -= len(text)
        builder = _Builder(text, path)
        try:
            root = builder.build()
        except yaml.MarkedYAMLError as exc:
            if not lookalikes_done:
                lookalikes_done = True
                found = yamlhints.line_slips(text, path)  # look-alike colons: the likely cause
                if found:  # the parser's complaint would only confuse; read on as if each were a ':'
                    slips += found
                    text = _retyped(text, found)
                    continue
            if len(slips) >= MAX_SLIPS or budget < 0:  # enough to go on with (check stays linear in the file)
                slips.append(Problem(Location(path), "error", f"more lines of this file could not be read than the "
                                     f"{len(slips)} shown: fix those and run check again"))
                return None, slips
            slip = yamlhints.syntax_problem(exc, text, path)
            after, blanked = _blank_slip(text, slip.location.line)
            slips += _indent_slips(text, blanked, slip, path)
        except yaml.reader.ReaderError as exc:  # a control character: no mark, only a position
            before = text[: exc.position]
            line = before.count("\n") + 1
            col = exc.position - (before.rfind("\n") + 1) + 1
            msg = f"control character U+{exc.character:04X} is not allowed in YAML text; delete it"
            c = chr(exc.character) if isinstance(exc.character, int) else exc.character
            count = text.count(c)
            if count > 1:  # they come in crowds: one problem, then read on as if each were a space
                msg += f" (this file has {count} of them; the first is shown)"
            slip = Problem(Location(path, line, col), "error", msg)
            after = text.replace(c, " ")
            blanked = range(0)
        except yaml.YAMLError as exc:
            slips.append(Problem(Location(path), "error", "invalid YAML: " + " ".join(str(exc).split())))
            return None, slips
        else:
            if slips:
                return None, slips + builder.problems + builder.syntax_problems()
            problems = builder.problems + builder.syntax_problems()
            if root is None:
                return Map({}, Location(path, 1, 1)), problems  # empty, only comments, or a bare "---"
            return root, problems
        slips.append(slip)
        if after == text:  # nothing left to blank out
            return None, slips
        text = after


# -- the plain block YAML most files are: read line by line ------------------------------
#
# Most files are block mappings and lists of one-line plain texts ("key: text", "- text",
# "- key: text"), with no comment, quote, block, bracket, tab, anchor, tag or repeated key.
# Such a file is read here, one regular expression over the whole text and a walk over its
# lines, into the very tree _Builder makes of the parser's events (with no problem: nothing
# in it can have one), in about a third of the time. Anything else, or any doubt, is left to
# the parser (plain_tree returns None). tests/test_plain_tree.py checks both give the same.

# a character the parser refuses or reads as more than text: a line break other than '\n', a
# byte order mark, a control character (in a text of ASCII only, the control characters)
_NOT_PLAIN = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_NOT_PLAIN_ASCII = re.compile("[\x00-\x09\x0b-\x1f\x7f]")
# one line: indent, '- ', 'key:' and the spaces after it, and the rest: a one-line plain text
# (not starting with an indicator, no ': ', not ending in ':'), or nothing. A line that is
# none of these does not match, and the file is left to the parser.
_PLAIN_LINE = re.compile(r"^( *)(- )?(?:([A-Za-z0-9_][A-Za-z0-9_.\-]*):( +|$))?"
                         r"((?![ ?:,\[\]{}#&*!|>'\"%@`]|-(?: |$))[^:\n]*(?::(?! |$)[^:\n]*)*)$", re.M)
_PLAIN_DEPTH = MAX_DEPTH - 10  # deeper is left to the parser, which reports the limit


class _NotPlain(Exception):
    """The file is not the plain YAML plain_tree reads: the parser reads it."""


def plain_tree(text: str, path: str) -> Node | None:
    """TEXT's located tree, exactly as _Builder would make it, when TEXT is plain block YAML
    (see above) that the parser would read without a problem; otherwise None."""
    if ("#" in text or "\t" in text or "\n---" in text or "\n..." in text or text.startswith(("---", "..."))
            or (_NOT_PLAIN_ASCII if text.isascii() else _NOT_PLAIN).search(text)):
        return None  # a comment, a tab, a document marker, or a character above
    lines = _PLAIN_LINE.findall(text)
    if len(lines) != text.count("\n") + 1:
        return None  # a line that is not plain
    rows = [(n, len(indent), dash, key, spaces, rest)
            for n, (indent, dash, key, spaces, rest) in enumerate(lines, 1) if dash or key or rest]
    if not rows:
        return None
    reader = _PlainReader(rows, path)
    try:
        root, i = reader.block(0, 0)
    except _NotPlain:
        return None
    return root if i == len(rows) else None


class _PlainReader:
    """The walk over a plain file's lines: (line number, indent, '- ', key, spaces, rest)."""

    __slots__ = ("rows", "end", "path")

    def __init__(self, rows: list, path: str) -> None:
        self.rows = rows
        self.end = len(rows)
        self.path = path

    def block(self, i: int, depth: int) -> tuple[Node, int]:
        """The list or mapping starting on row I -> (it, the row after it)."""
        _, indent, dash, key, _, _ = self.rows[i]
        if dash:
            return self.seq(i, indent, depth)
        if key:
            return self.mapping(i, indent, depth)
        raise _NotPlain  # text on a line of its own: it may go on over the lines under it

    def seq(self, i: int, col: int, depth: int) -> tuple[Seq, int]:
        """The items written '- ' at COL from row I on."""
        if depth > _PLAIN_DEPTH:
            raise _NotPlain
        rows, end, path, new = self.rows, self.end, self.path, _new_location
        items = []
        loc = new(Location, (path, rows[i][0], col + 1))
        while i < end:
            line, indent, dash, key, _, rest = rows[i]
            if indent != col or not dash:
                if indent > col:
                    raise _NotPlain
                break
            if key:
                item, i = self.mapping(i, col + 2, depth + 1)
            else:
                if not rest:
                    raise _NotPlain  # '- ' alone: nothing, or a value on the lines under it
                if rest[-1] == " ":
                    rest = rest.rstrip(" ")
                item = Scalar(rest, new(Location, (path, line, col + 3)), rest in _NULLS)
                i += 1
            items.append(item)
        return Seq(items, loc), i

    def mapping(self, i: int, col: int, depth: int) -> tuple[Map, int]:
        """The keys written at COL from row I on (row I may be a list item's '- key:')."""
        if depth > _PLAIN_DEPTH:
            raise _NotPlain
        rows, end, path, new = self.rows, self.end, self.path, _new_location
        entries: dict[str, tuple[Location, object]] = {}
        start = rows[i][0]
        loc = new(Location, (path, start, col + 1))
        value = None
        first = True
        while i < end:
            line, indent, dash, key, spaces, rest = rows[i]
            if first:
                first = False
            elif indent != col or dash or not key:
                if indent < col:
                    break
                raise _NotPlain
            if key in entries or len(key) > 1000:
                raise _NotPlain  # a repeated key is the parser's to report; a key that long is an error
            key_loc = new(Location, (path, line, col + 1))
            i += 1
            if rest:
                if rest[-1] == " ":
                    rest = rest.rstrip(" ")
                value = Scalar(rest, new(Location, (path, line, col + len(key) + len(spaces) + 2)), rest in _NULLS)
            elif i < end and rows[i][1] > col:
                value, i = self.block(i, depth + 1)
            elif i < end and rows[i][1] == col and rows[i][2]:  # a list under its key, at the key's indent
                value, i = self.seq(i, col, depth + 1)
            else:  # nothing: the parser places it right after the ':'
                value = Scalar("", new(Location, (path, line, col + len(key) + 2)), True)
            entries[key] = (key_loc, value)
            if i < end and rows[i][1] > col:
                raise _NotPlain  # text going on over the next line, or an indent the parser refuses
        oneline = (len(entries) == 1 and isinstance(value, Scalar) and value.loc.line == start)
        return Map(entries, loc, False, oneline), i


def _retyped(text: str, found: list[Problem]) -> str:
    """TEXT with the look-alike colons and spaces FOUND typed as ':' and ' '."""
    lines = text.split("\n")
    for p in found:
        line = lines[p.location.line - 1]
        typed = " " if line[p.location.col - 1] in yamlhints.ODD_SPACES else ":"
        lines[p.location.line - 1] = line[: p.location.col - 1] + typed + line[p.location.col:]
    return "\n".join(lines)


def _indent(line: str) -> int:
    """How far LINE is indented as an editor shows it (a tab as 4 columns)."""
    body = line.lstrip()
    return len(line[: len(line) - len(body)].expandtabs(4))


def _indent_slips(text: str, blanked: range, slip: Problem, path: str) -> list[Problem]:
    """A tab or odd space in the indentation is a slip of its own on every line: the others on
    the lines BLANKED out after SLIP, which the next reading will not see."""
    out = []
    lines = text.split("\n")
    for n in blanked:
        if n + 1 == slip.location.line:
            continue
        odd = yamlhints.indent_slip(lines[n])
        if odd is not None:
            out.append(Problem(Location(path, n + 1, odd[0] + 1), "error", yamlhints.indent_message(odd[1], yamlhints.wanted_indent(lines, n))))
    return out


def _starts_entry(line: str) -> bool:
    """Whether LINE starts a key ('key:') or a list item ('- ')."""
    body = line.strip()
    return body[:1] not in ("", "#") and (body == "-" or body.startswith("- ") or ":" in body)


def _blank_slip(text: str, line: int) -> tuple[str, range]:
    """TEXT with the slip on LINE and the lines under it blanked out, up to the next line that
    starts a key or an item at the same or a lower indent (each keeps its line break), and the
    line indexes blanked out."""
    lines = text.split("\n")
    first = max(line, 1) - 1
    if first >= len(lines):
        return text, range(0)
    if lines[first].strip() in ("---", "..."):  # a second document: the rest is not this file's
        end = len(lines)
    else:
        indent = _indent(lines[first])
        end = next((n for n in range(first + 1, len(lines))
                    if _starts_entry(lines[n]) and _indent(lines[n]) <= indent), len(lines))
    if not any(lines[n].strip() for n in range(first, end)):
        return text, range(0)
    return "\n".join(lines[:first] + [""] * (end - first) + lines[end:]), range(first, end)


class _Builder:
    """Events -> tree, enforcing what deck-builder files may hold (no tags, aliases, anchors,
    duplicate keys, or nesting deeper than MAX_DEPTH)."""

    def __init__(self, text: str, path: str):
        self.text = text
        self.path = path
        self.problems: list[Problem] = []
        self.aliases: list[tuple[Location, str]] = []
        self.anchors: list[tuple[Location, str]] = []
        self.merge_keys: list[Location] = []
        self.too_deep = False
        # a trailing comment can only follow text on a line with a '#' on it
        self.comment_lines = yamlhints.comment_lines(text) if "#" in text else None
        self.flow_depth = 0  # inside how many [ ] and { } (where comments are looked for between values)
        self.flow_end = None  # the end of the last list or mapping in brackets read
        self.key = None  # the key whose value is being read, for the messages about it

    def error(self, loc: Location, message: str) -> None:
        self.problems.append(Problem(loc, "error", message))

    def build(self) -> Node | None:
        loader = _Loader(self.text)
        try:
            self.next = loader.get_event
            self.next()  # StreamStart
            event = self.next()
            if isinstance(event, yaml.StreamEndEvent):
                return None
            root = self.node(self.next(), 0)  # after DocumentStart
            self.next()  # DocumentEnd
            event = self.next()
            if not isinstance(event, yaml.StreamEndEvent):
                mark = event.start_mark
                raise yaml.composer.ComposerError(
                    "expected a single document in the stream", None, "but found another document", mark)
        finally:
            loader.dispose()
        if isinstance(root, Scalar) and not root.style and root.null and root.comment is None:
            return None  # an empty document: "---" or only comments
        return root

    def loc(self, mark) -> Location:
        return _new_location(Location, (self.path, mark.line + 1, mark.column + 1))

    def node(self, event, depth: int) -> Node:
        mark = event.start_mark
        loc = _new_location(Location, (self.path, mark.line + 1, mark.column + 1))
        cls = type(event)
        if depth > MAX_DEPTH:
            if not self.too_deep:
                self.too_deep = True
                self.error(loc, f"nested more than {MAX_DEPTH} levels deep; deck-builder files need only a few")
            self.skip(event)
            return Scalar("", loc, null=True, broken=True)
        if cls is yaml.AliasEvent:
            self.aliases.append((loc, event.anchor))
            return Scalar("", loc, null=True, broken=True)
        if event.anchor is not None:
            self.anchors.append((loc, event.anchor))
        if cls is yaml.ScalarEvent:
            tag = event.tag
            if tag is not None and tag not in _PLAIN_TAGS:  # a lone "!" too: "! Big win" would lose the "!"
                return self.bad_tag(tag, loc, event)
            return self.plain(event, loc, tag == _NULL_TAG)
        if cls is yaml.SequenceStartEvent:
            if event.tag not in _SEQ_TAGS:
                return self.bad_tag(event.tag, loc, event)
            flow = bool(event.flow_style)
            items = []
            if flow and self.comment_lines is not None:  # comments between the items, and after ']'
                self.flow_depth += 1
                last = (event.end_mark, False)
                event = self.next()
                while type(event) is not yaml.SequenceEndEvent:
                    self.flow_comments(last, event.start_mark)
                    items.append(self.node(event, depth + 1))
                    last = self.ended(event)
                    event = self.next()
                self.flow_comments(last, event.start_mark)
                self.flow_closed(event)
                return Seq(items, loc, flow)
            next_event, plain = self.next, self.plain
            event = next_event()
            while type(event) is not _SequenceEndEvent:
                if type(event) is _ScalarEvent and event.tag is None and event.anchor is None and depth < MAX_DEPTH:
                    items.append(plain(event))  # most items: what node() would make, with fewer tests
                else:
                    items.append(self.node(event, depth + 1))
                event = next_event()
            return Seq(items, loc, flow)
        return self.mapping(event, loc, depth)

    def plain(self, event, loc: Location | None = None, null_tag: bool = False) -> Scalar:
        """A ScalarEvent whose tag node() accepted -> its Scalar. Called straight for most values
        (no tag or anchor, within MAX_DEPTH): what node() would make, with fewer tests."""
        mark = event.start_mark
        end = event.end_mark
        style = event.style
        value = event.value
        comment = None
        lines = self.comment_lines
        if lines is not None and (end.line in lines or mark.line in lines):  # a line with a '#'
            comment = self.dropped(style, mark, end)
        if end.line != mark.line:  # lines YAML joins, or a block
            self.joined_lines(style or None, mark, end)
        if loc is None:
            loc = _new_location(Location, (self.path, mark.line + 1, mark.column + 1))
        return Scalar(value, loc, (not style and value in _NULLS) or null_tag, style or None,
                      end.line != mark.line, False, comment)

    def mapping(self, start, loc: Location, depth: int) -> Node:
        if start.tag not in _MAP_TAGS:
            return self.bad_tag(start.tag, loc, start)
        entries: dict[str, tuple[Location, object]] = {}
        scan = bool(start.flow_style) and self.comment_lines is not None  # comments between keys and values
        if scan:
            self.flow_depth += 1
            last = (start.end_mark, False)
        next_event, plain, path = self.next, self.plain, self.path
        event = next_event()
        last_value = None
        while type(event) is not _MappingEndEvent:
            key_event = event
            if scan:
                self.flow_comments(last, key_event.start_mark)
                last = (key_event.end_mark, False) if type(key_event) is yaml.ScalarEvent else (None, False)
            mark = key_event.start_mark
            key_loc = _new_location(Location, (path, mark.line + 1, mark.column + 1))
            if type(key_event) is not _ScalarEvent:
                if type(key_event) is yaml.AliasEvent:
                    self.aliases.append((key_loc, key_event.anchor))
                else:
                    self.error(key_loc, "a key must be a plain word, not a list or mapping")
                    self.skip(key_event)
                self.skip(self.next())  # its value
                event = self.next()
                continue
            if key_event.anchor is not None:
                self.anchors.append((key_loc, key_event.anchor))
            key = key_event.value
            odd = yamlhints.odd_key_problem(key, key_loc) if key and key[0] in yamlhints.ODD_SPACES else None
            value_event = next_event()
            if scan:
                self.flow_comments(last, value_event.start_mark)
            if key == "<<" and not key_event.style or key_event.tag == _MERGE_TAG:
                self.merge_keys.append(key_loc)
                self.skip(value_event)
                event = next_event()
                continue
            if (type(value_event) is _ScalarEvent and value_event.tag is None and value_event.anchor is None
                    and depth < MAX_DEPTH):
                self.key = key
                value = plain(value_event)  # most values: what node() would make, with fewer tests
                self.key = None
            else:
                self.key = key
                value = self.node(value_event, depth + 1)
                self.key = None
            if scan:
                last = self.ended(value_event)
            last_value = value
            if odd is not None:
                self.problems.append(odd)  # the entry belongs elsewhere; its keys would only be misreported
            elif key in entries:
                first = entries[key][0]
                self.error(
                    key_loc,
                    f"duplicate key '{key}' (first at line {first.line}); "
                    "YAML would silently keep only the last one: merge them or rename one",
                )
            else:
                entries[key] = (key_loc, value)
            event = self.next()
        if scan:
            self.flow_comments(last, event.start_mark)
            self.flow_closed(event)
        flow = bool(start.flow_style)
        oneline = (not flow and len(entries) == 1 and isinstance(last_value, Scalar)
                   and last_value.loc.line == loc.line and not last_value.multiline)
        return Map(entries, loc, flow, oneline)

    def joined_lines(self, style: str | None, start, end) -> None:
        """Warn where a text's lines will not read on the card as the user laid them out: a list
        item or table row on a line YAML joins to the one above (text that is not a block), or a
        table (cards show none)."""
        if start.line == end.line:
            return
        what = f"{self.key}: " if self.key else ""
        lines = self.text[start.index:end.index].split("\n")
        if style in (None, '"', "'", ">") and not yamlhints.LIST_ITEM.match(lines[0]):  # (a pasted list
            # where a list belongs is an error of its own, which says how to write the list)
            for n, line in enumerate(lines[1:], start.line + 2):
                body = line.lstrip(" ")
                m = yamlhints.LIST_ITEM.match(body)
                if m and (style != ">" or len(line) - len(body) <= start.column):
                    block = f"'{self.key}: |'" if self.key else "a block ('|')"
                    self.problems.append(Problem(Location(self.path, n, len(line) - len(body) + 1), "warning",
                                                 f"{what}this line starts a list item, but it continues the text above, "
                                                 "whose lines YAML joins into one, so the card shows them run together: "
                                                 f"write the text as a block, {block} with every line indented under it"))
                    return
        rows = [(n, line.strip()) for n, line in enumerate(lines, start.line + 1)
                if line.strip().startswith("|") and line.strip().count("|") >= 2 or "\t" in line.strip()]
        if len(rows) >= 2 and rows[1][0] == rows[0][0] + 1:
            n, first = rows[0]
            data = next((r for _, r in rows[1:] if not set(r) <= set("|-: \t")), first)
            cells = [c.strip() for c in re.split(r"[|\t]", data) if c.strip()]
            line = lines[n - start.line - 1]
            self.problems.append(Problem(Location(self.path, n, len(line) - len(line.lstrip()) + 1), "warning",
                                         f"{what}these lines are a table, and cards show no tables, so its rows run "
                                         "together on one line: write each row as a list item instead, such as "
                                         f"- {', '.join(cells)}"))

    def dropped(self, style: str, start, end) -> tuple[Location, str, str | None] | None:
        """What YAML dropped as a comment right after a text (plain or quoted) ending at END, or
        after the header of a block starting at START, with what it follows; None when nothing was
        dropped or it is written as a note to self."""
        if not style or style in "'\"":
            line = self.comment_lines.get(end.line)
            if line is None:
                return None
            found = yamlhints.trailing_comment(line, end.column, self.path, end.line + 1)
            return None if found is None else (*found, style or None)
        line = self.comment_lines.get(start.line)  # a block: '|' or '>' and its indicators, then a comment
        if line is None:
            return None
        header = _BLOCK_HEADER.match(line, start.column)
        if header is None:
            return None
        found = yamlhints.trailing_comment(line, header.end(), self.path, start.line + 1)
        return None if found is None else (*found, header.group())

    def ended(self, event) -> tuple:
        """Where the value that EVENT started inside brackets ended, and whether it was text
        (which carries its own trailing comment)."""
        if type(event) is yaml.ScalarEvent:
            return event.end_mark, True
        if type(event) is yaml.AliasEvent:
            return event.end_mark, False
        end, self.flow_end = self.flow_end, None
        return end, False

    def flow_comments(self, last: tuple, upto) -> None:
        """Warn about the comments between two values in brackets (after a ',', a '[' or a ':'):
        the words YAML dropped there belong to no text. LAST: (where the previous one ended,
        whether it was text), UPTO: where the next one starts."""
        end, after_text = last
        if end is None:
            return
        gap = self.text[end.index:upto.index]
        if "#" not in gap:
            return
        lineno, col = end.line, end.column
        for n, piece in enumerate(gap.split("\n")):
            if n:
                lineno, col = lineno + 1, 0
            at = piece.find("#")  # only spaces, commas, brackets and comments lie between two values
            if at <= 0 or piece[at - 1] not in " \t" or not piece[:at].strip() and (n or after_text):
                continue  # no comment; or on a line of its own; or right after a text, which reports it
            line = self.comment_lines.get(lineno)
            if line is None:
                continue
            spaces = len(piece[:at]) - len(piece[:at].rstrip(" \t"))
            found = yamlhints.trailing_comment(line, col + at - spaces, self.path, lineno + 1)
            if found is not None:
                self.problems.append(Problem(found[0], "warning", yamlhints.flow_comment_message(found[1])))

    def flow_closed(self, end_event) -> None:
        """A list or mapping in brackets ends at END_EVENT: the outermost one warns about a comment
        right after its closing bracket."""
        self.flow_depth -= 1
        end = end_event.end_mark
        self.flow_end = end
        if self.flow_depth:
            return  # the brackets around it look after what follows
        line = self.comment_lines.get(end.line)
        if line is None:
            return
        found = yamlhints.trailing_comment(line, end.column, self.path, end.line + 1)
        if found is not None:
            bracket = self.text[end.index - 1:end.index]
            self.problems.append(Problem(found[0], "warning", yamlhints.flow_comment_message(found[1], bracket)))

    def skip(self, event) -> None:
        """Consume the rest of a collection whose start EVENT was just read."""
        cls = type(event)
        if cls is yaml.SequenceStartEvent or cls is yaml.MappingStartEvent:
            depth = 1
            while depth:
                cls = type(self.next())
                if cls is yaml.SequenceStartEvent or cls is yaml.MappingStartEvent:
                    depth += 1
                elif cls is yaml.SequenceEndEvent or cls is yaml.MappingEndEvent:
                    depth -= 1

    def bad_tag(self, tag: str, loc: Location, event) -> Node:
        self.error(loc, yamlhints.tag_message(tag.replace(_YAML, "!!"), event))
        self.skip(event)
        return Scalar("", loc, null=True, broken=True)

    def syntax_problems(self) -> list[Problem]:
        """Aliases, anchors and merge keys: one problem per file (they come in crowds). An anchor
        with aliases is one deliberate use, reported at the first alias; an anchor alone is
        text that YAML dropped (a pasted '&' at the start of a value)."""
        if self.merge_keys:
            return [Problem(self.merge_keys[0], "error", yamlhints.MERGE_MESSAGE)]
        for found, message in ((self.aliases, yamlhints.alias_message), (self.anchors, yamlhints.anchor_message)):
            if found:
                loc, name = found[0]
                more = f" (this file has {len(found)} of them; the first is shown)" if len(found) > 1 else ""
                return [Problem(loc, "error", message(name) + more)]
        return []


def load_file(path: Path, shown: str, trees: dict | None = None) -> tuple[Node | None, list[Problem]]:
    """A file on disk -> located tree; ``shown`` is the path as problems should print it.

    TREES (a warm compiler's SourceMemory.trees, or None) remembers each file's tree with the
    bytes it came from, so a rebuild parses only the files whose bytes changed. A file is
    compared by its whole content, never by its time or size."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            msg = (f"this file is {size / 1e6:.1f} MB; deck-builder reads files of up to "
                   f"{MAX_FILE_BYTES // 1_000_000} MB (split it, e.g. one company per file)")
            return None, [Problem(Location(shown), "error", msg)]
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(Location(shown), "error", f"cannot read this file: {exc.strerror}")]
    if trees is None:
        return _tree(data, shown)
    hit = trees.get(shown)
    if hit is not None and hit[0] == data:
        return hit[1], list(hit[2])
    tree, problems = _tree(data, shown)
    trees[shown] = (data, tree, tuple(problems))
    return tree, problems


def _tree(data: bytes, shown: str) -> tuple[Node | None, list[Problem]]:
    text, problems = decode(data, shown)
    if text is None:
        return None, problems
    return parse(text, shown)
