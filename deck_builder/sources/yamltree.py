"""Read one YAML file into a small located tree: every value knows its FILE:LINE:COL.

Most files are plain block YAML, read here line by line (plain_tree); any other file is read
from the parser's event stream (yamlevents.py, which alone imports PyYAML), and both make the
same tree (yamlnodes.py).

The YAML slips people make when they paste from Word or web pages are explained here in
plain words (yamlhints.py holds the wording), on the line where the slip is.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import yamlhints
from .problems import Location, Problem
from .textrules import LINE_SEPARATORS
from .yamlnodes import MAX_DEPTH, Map, Node, Scalar, Seq, describe
from .yamlnodes import NULLS as _NULLS
from .yamlnodes import new_location as _new_location

__all__ = ("MAX_DEPTH", "MAX_FILE_BYTES", "Map", "Node", "Scalar", "Seq", "decode", "describe", "load_file", "parse",
           "plain_tree")

MAX_FILE_BYTES = 10_000_000  # a year of notes is well under 1 MB; this bounds memory and time


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
    from . import yamlevents  # imported only for a file that is not plain

    yaml = yamlevents.yaml
    lookalikes_done = False
    budget = max(10 * len(text), READ_AGAIN_CHARS)  # how much reading again a file's slips may cost
    while True:
        budget -= len(text)
        builder = yamlevents.Builder(text, path)
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
# "- key: text", and '[]' or '{}'), with no comment, quote, block, other brackets, tab,
# anchor, tag or repeated key. Such a file is read here, by one regular expression over the
# whole text and a walk over its lines, into the very tree yamlevents.Builder makes of the
# parser's events (with no problem: nothing in it can have one), in about half the time and
# without importing PyYAML. Anything else, or any doubt, is left to the parser (plain_tree
# returns None). tests/test_plain_tree.py checks both give the same.

# a character the parser refuses or reads as more than text: a control character, a line
# break other than '\n', half of a surrogate pair, a byte order mark, or a non-character
_NOT_PLAIN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
# one line: indent, '- ', 'key:' (of up to 1,000 characters: the parser refuses much longer
# ones) and the spaces after it, and the rest: an empty list or mapping in brackets ('[]',
# '{}'), a one-line plain text (not starting with an indicator, no ': ', not ending in ':'),
# or nothing. A line that is none of these does not match, and the file is left to the parser.
_PLAIN_LINE = re.compile(r"^( *)(- )?(?:([A-Za-z0-9_][A-Za-z0-9_.\-]{0,999}):( +|$))?"
                         r"(?:(\[\]|\{\})|((?![ ?:,\[\]{}#&*!|>'\"%@`]|-(?: |$))[^:\n]*(?::(?! |$)[^:\n]*)*))$",
                         re.MULTILINE)
_PLAIN_DEPTH = MAX_DEPTH - 10  # deeper is left to the parser, which reports the limit


def _empty(brackets: str, loc: Location) -> Node:
    """'[]' or '{}' as the parser reads it."""
    return Seq([], loc, True) if brackets == "[]" else Map({}, loc, True, False)


class _NotPlain(Exception):
    """The file is not the plain YAML plain_tree reads: the parser reads it."""


def plain_tree(text: str, path: str) -> Node | None:
    """TEXT's located tree, exactly as yamlevents.Builder would make it, when TEXT is plain block YAML
    (see above) that the parser would read without a problem; otherwise None."""
    if ("#" in text or "\t" in text or "\n---" in text or "\n..." in text or text.startswith(("---", "..."))
            or _NOT_PLAIN.search(text)):
        return None  # a comment, a tab, a document marker, or a character above
    lines = _PLAIN_LINE.findall(text)
    if len(lines) != text.count("\n") + 1:
        return None  # a line that is not plain
    rows = [(n, len(indent), dash, key, spaces, rest, empty)
            for n, (indent, dash, key, spaces, empty, rest) in enumerate(lines, 1) if dash or key or rest or empty]
    if not rows:
        return None
    reader = _PlainReader(rows, path)
    try:
        root, i = reader.block(0, 0)
    except _NotPlain:
        return None
    return root if i == len(rows) else None


class _PlainReader:
    """The walk over a plain file's lines: (line number, indent, '- ', key, spaces, text, '[]' or '{}')."""

    __slots__ = ("end", "path", "rows")

    def __init__(self, rows: list, path: str) -> None:
        self.rows = rows
        self.end = len(rows)
        self.path = path

    def block(self, i: int, depth: int) -> tuple[Node, int]:
        """The list or mapping starting on row I -> (it, the row after it)."""
        _, indent, dash, key, _, _, _ = self.rows[i]
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
            line, indent, dash, key, _, rest, empty = rows[i]
            if indent != col or not dash:
                if indent > col:
                    raise _NotPlain
                break
            if key:
                item, i = self.mapping(i, col + 2, depth + 1)
            elif rest:
                if rest[-1] == " ":
                    rest = rest.rstrip(" ")
                item = Scalar(rest, new(Location, (path, line, col + 3)), rest in _NULLS)
                i += 1
            elif empty:
                item = _empty(empty, new(Location, (path, line, col + 3)))
                i += 1
            else:
                raise _NotPlain  # '- ' alone: nothing, or a value on the lines under it
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
            line, indent, dash, key, spaces, rest, empty = rows[i]
            if first:
                first = False
            elif indent != col or dash or not key:
                if indent < col:
                    break
                raise _NotPlain  # text going on over this line, a list or an indent the parser refuses
            if key in entries:
                raise _NotPlain  # a repeated key is the parser's to report
            key_loc = new(Location, (path, line, col + 1))
            i += 1
            if rest:
                if rest[-1] == " ":
                    rest = rest.rstrip(" ")
                value = Scalar(rest, new(Location, (path, line, col + len(key) + len(spaces) + 2)), rest in _NULLS)
            elif empty:
                value = _empty(empty, new(Location, (path, line, col + len(key) + len(spaces) + 2)))
            elif i < end and rows[i][1] > col:
                value, i = self.block(i, depth + 1)
            elif i < end and rows[i][1] == col and rows[i][2]:  # a list under its key, at the key's indent
                value, i = self.seq(i, col, depth + 1)
            else:  # nothing: the parser places it right after the ':'
                value = Scalar("", new(Location, (path, line, col + len(key) + 2)), True)
            entries[key] = (key_loc, value)
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
