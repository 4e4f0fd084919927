"""Read one YAML file into a small located tree: every value knows its FILE:LINE:COL.

PyPY's constructors lose positions and silently keep the last of two duplicate keys, so we
stop at ``yaml.compose`` (safe: nothing is constructed) and convert the nodes ourselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .problems import Location, Problem

try:  # the C parser is several times faster; fall back to pure Python where libyaml is absent
    from yaml import CBaseLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import BaseLoader as _BaseLoader  # type: ignore[assignment]
# The *Base* loader: no implicit typing of plain scalars (we keep every value as the text the
# user typed, "1999" and "yes" included). Only explicit tags need checking, and compose
# constructs nothing.

_DEFAULT_TAGS = {yaml.ScalarNode: "tag:yaml.org,2002:str", yaml.SequenceNode: "tag:yaml.org,2002:seq",
                 yaml.MappingNode: "tag:yaml.org,2002:map"}


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """BaseLoader's resolver, without its per-node bookkeeping.

    With no implicit or path resolvers (the Base loader has none), resolving a node's tag
    only depends on its kind, but the parser still calls three Python methods per node:
    a third of the reading time of a big file (benchmarks/scale.py)."""

    descend_resolver = staticmethod(lambda parent, index: None)
    ascend_resolver = staticmethod(lambda: None)

    def resolve(self, kind, value, implicit, _tags=_DEFAULT_TAGS):
        return _tags[kind]

_YAML = "tag:yaml.org,2002:"
MAX_DEPTH = 50
MAX_FILE_BYTES = 10_000_000  # a year of notes is well under 1 MB; this bounds memory and time
_PLAIN_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_NULLS = ("", "~", "null", "Null", "NULL")
_STR = _YAML + "str"
_NULL_TAG = _YAML + "null"
_SCALAR = yaml.ScalarNode
_SEQ_TAG = _YAML + "seq"
_MAP_TAG = _YAML + "map"


@dataclass(slots=True)
class Scalar:
    """Text exactly as written in the file (``1999`` stays "1999"); ``null`` for ``~`` or nothing."""

    value: str
    loc: Location
    null: bool = False
    style: str | None = None
    multiline: bool = False  # written over several lines (folded or block text)
    broken: bool = False  # stands in for a value already reported as an error
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
    kind = "a mapping (key: value)"


Node = Scalar | Seq | Map


def describe(node: Node) -> str:
    """What the user wrote, in the user's terms: 'text', 'a list', 'nothing'..."""
    if isinstance(node, Scalar):
        if node.null:
            return "nothing"
        return "text"
    return node.kind


def _loc(path: str, mark) -> Location:
    return Location(path, mark.line + 1, mark.column + 1)


_new_location = tuple.__new__  # Location(...) without NamedTuple's Python-level __new__ (once per value)


_COLON_HINT = "a ':' followed by a space inside text? put the whole text in quotes"
_FRIENDLIER = {
    "mapping values are not allowed here": _COLON_HINT,
    "mapping values are not allowed in this context": _COLON_HINT,
    "found character '\\t' that cannot start any token": "a tab? indent with spaces",
    "found character that cannot start any token": "a tab, or text starting with @ or `? indent with spaces, quote the text",
    "found unexpected end of stream": "a quote that is never closed?",
    "did not find expected '-' indicator": "a list item and a key at the same indentation?",
    "did not find expected key": "check the indentation of this line",
}


def decode(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Bytes -> text, or a located problem where the first byte that is not UTF-8 sits."""
    if data.startswith(b"\xef\xbb\xbf"):  # a byte order mark, as Windows Notepad writes
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        col = len(data[line_start : exc.start].decode("utf-8", "replace")) + 1  # characters, as editors count
        bad = data[exc.start : exc.start + 1].hex()
        msg = f"this file is not UTF-8 text (byte 0x{bad}); save it with UTF-8 encoding"
        return None, [Problem(Location(path, line, col), "error", msg)]


def _starts_with_bracket(text: str, line: int) -> bool:
    lines = text.splitlines()
    if line >= len(lines):
        return False
    value = lines[line].strip()
    if value.startswith("- "):
        value = value[2:].lstrip()
    elif ": " in value:
        value = value.split(": ", 1)[1].lstrip()
    return value.startswith(("{", "[")) and not value.rstrip().endswith(("}", "]"))


def parse(text: str, path: str) -> tuple[Node | None, list[Problem]]:
    """YAML text -> located tree (an empty file is an empty mapping) and the problems found."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or "").strip()
        hint = _FRIENDLIER.get(problem)
        if "end of stream" in problem and exc.context_mark is not None:
            mark = exc.context_mark  # point at what was never closed, not at the end of the file
        elif mark is not None and _starts_with_bracket(text, mark.line):
            hint = "text that starts with '{' or '[' must be in quotes, like \"{company} is growing\""
        msg = f"invalid YAML: {problem}" + (f" ({hint})" if hint else "")
        if exc.context and exc.context_mark and exc.context_mark is not mark:
            msg += f", {exc.context.strip()} at line {exc.context_mark.line + 1}"
        loc = _loc(path, mark) if mark else Location(path)
        return None, [Problem(loc, "error", msg)]
    except yaml.reader.ReaderError as exc:  # a control character: no mark, only a position
        before = text[: exc.position]
        line = before.count("\n") + 1
        col = exc.position - (before.rfind("\n") + 1) + 1
        msg = f"control character U+{exc.character:04X} is not allowed in YAML text; delete it"
        return None, [Problem(Location(path, line, col), "error", msg)]
    except yaml.YAMLError as exc:
        return None, [Problem(Location(path), "error", "invalid YAML: " + " ".join(str(exc).split()))]
    except RecursionError:
        return None, [Problem(Location(path, 1, 1), "error", "this file is nested too deeply to read")]
    if root is None or (isinstance(root, yaml.ScalarNode) and not root.style and root.value in _NULLS):
        return Map({}, Location(path, 1, 1)), []  # empty, only comments, or a bare "---"
    converter = _Converter(path)
    tree = converter.convert(root)
    if converter.aliases:
        converter.problems.extend(_alias_problems(text, path))
    return tree, converter.problems


_ALIAS_MSG = "anchors and aliases (&name, *name, <<) are not supported; write the value out"


def _alias_problems(text: str, path: str) -> list[Problem]:
    """Where each alias is written (compose only shares nodes, so parse again; rare)."""
    marks = [event.start_mark for event in yaml.parse(text, Loader=_Loader) if isinstance(event, yaml.AliasEvent)]
    if not marks:  # a merge key (<<) without an alias
        return [Problem(Location(path, 1, 1), "error", _ALIAS_MSG)]
    more = f" (this file has {len(marks)} aliases; the first is shown)" if len(marks) > 1 else ""
    return [Problem(_loc(path, marks[0]), "error", _ALIAS_MSG + more)]


class _Converter:
    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []
        self.seen: set[int] = set()
        self.aliases = False
        self.too_deep = False

    def error(self, loc: Location, message: str) -> None:
        self.problems.append(Problem(loc, "error", message))

    def convert(self, node, depth: int = 0) -> Node:
        mark = node.start_mark
        loc = _new_location(Location, (self.path, mark.line + 1, mark.column + 1))
        if depth > MAX_DEPTH:
            if not self.too_deep:
                self.too_deep = True
                self.error(loc, f"nested more than {MAX_DEPTH} levels deep; deck-builder files need only a few")
            return Scalar("", loc, null=True, broken=True)
        if id(node) in self.seen:
            # yaml.compose shares one node between an anchor and its aliases: a revisit is an
            # alias. Refusing them also defuses "billion laughs" expansion.
            self.aliases = True
            return Scalar("", loc, null=True, broken=True)
        self.seen.add(id(node))
        if type(node) is _SCALAR:
            if node.tag != _STR and node.tag not in _PLAIN_TAGS:
                return self._bad_tag(node, loc)
            style = node.style
            null = (not style and node.value in _NULLS) or node.tag == _NULL_TAG
            return Scalar(node.value, loc, null, style or None, node.end_mark.line != mark.line)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                return self._bad_tag(node, loc)
            return Seq([self.convert(item, depth + 1) for item in node.value], loc, bool(node.flow_style))
        if node.tag != _MAP_TAG:
            return self._bad_tag(node, loc)
        entries: dict[str, tuple[Location, object]] = {}
        for key_node, value_node in node.value:
            key_mark = key_node.start_mark
            key_loc = _new_location(Location, (self.path, key_mark.line + 1, key_mark.column + 1))
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_loc, "a key must be a plain word, not a list or mapping")
                continue
            if key_node.tag == _YAML + "merge" or (key_node.value == "<<" and not key_node.style):
                self.aliases = True
                continue
            key = key_node.value
            value = self.convert(value_node, depth + 1)
            if key in entries:
                first = entries[key][0]
                self.error(
                    key_loc,
                    f"duplicate key '{key}' (first at line {first.line}); "
                    "YAML would silently keep only the last one: merge them or rename one",
                )
                continue
            entries[key] = (key_loc, value)
        return Map(entries, loc, bool(node.flow_style))

    def _bad_tag(self, node, loc: Location) -> Node:
        tag = node.tag.replace(_YAML, "!!")
        self.error(loc, f"YAML tag {tag} is not allowed; deck-builder files hold only text, lists and mappings")
        return Scalar("", loc, null=True, broken=True)


def load_file(path: Path, shown: str) -> tuple[Node | None, list[Problem]]:
    """A file on disk -> located tree; ``shown`` is the path as problems should print it."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            msg = (f"this file is {size / 1e6:.1f} MB; deck-builder reads files of up to "
                   f"{MAX_FILE_BYTES // 1_000_000} MB (split it, e.g. one company per file)")
            return None, [Problem(Location(shown), "error", msg)]
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(Location(shown), "error", f"cannot read this file: {exc.strerror}")]
    text, problems = decode(data, shown)
    if text is None:
        return None, problems
    return parse(text, shown)
