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
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_YAML = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_SEQ_TAG = _YAML + "seq"
_MAP_TAG = _YAML + "map"


@dataclass(slots=True)
class Scalar:
    """Text exactly as written in the file (``1999`` stays "1999"); ``null`` for ``~`` or nothing."""

    value: str
    loc: Location
    null: bool = False
    style: str | None = None
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
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        bad = data[exc.start : exc.start + 1].hex()
        msg = f"this file is not UTF-8 text (byte 0x{bad}); save it with UTF-8 encoding"
        return None, [Problem(Location(path, line, col), "error", msg)]


def parse(text: str, path: str) -> tuple[Node | None, list[Problem]]:
    """YAML text -> located tree (an empty file is an empty mapping) and the problems found."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or "").strip()
        hint = _FRIENDLIER.get(problem)
        msg = f"invalid YAML: {problem}" + (f" ({hint})" if hint else "")
        if exc.context and exc.context_mark and exc.context_mark is not mark:
            msg += f", {exc.context.strip()} at line {exc.context_mark.line + 1}"
        loc = _loc(path, mark) if mark else Location(path)
        return None, [Problem(loc, "error", msg)]
    except yaml.YAMLError as exc:
        return None, [Problem(Location(path), "error", f"invalid YAML: {exc}")]
    if root is None:
        return Map({}, Location(path, 1, 1)), []
    converter = _Converter(path)
    tree = converter.convert(root)
    return tree, converter.problems


class _Converter:
    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []
        self.seen: set[int] = set()
        self.reported_alias: set[int] = set()

    def error(self, loc: Location, message: str) -> None:
        self.problems.append(Problem(loc, "error", message))

    def convert(self, node) -> Node:
        loc = _loc(self.path, node.start_mark)
        if id(node) in self.seen:
            # yaml.compose shares one node between an anchor and its aliases: a revisit is an
            # alias. Refusing them also defuses "billion laughs" expansion.
            if id(node) not in self.reported_alias:
                self.reported_alias.add(id(node))
                self.error(loc, "anchors and aliases (&name, *name, <<) are not supported; write the value out")
            return Scalar("", loc, null=True)
        self.seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if node.tag not in _PLAIN_TAGS:
                return self._bad_tag(node, loc)
            null = node.tag == _YAML + "null" and not node.style
            return Scalar(node.value, loc, null=null, style=node.style or None)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                return self._bad_tag(node, loc)
            return Seq([self.convert(item) for item in node.value], loc, bool(node.flow_style))
        if node.tag != _MAP_TAG:
            return self._bad_tag(node, loc)
        entries: dict[str, tuple[Location, object]] = {}
        for key_node, value_node in node.value:
            key_loc = _loc(self.path, key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_loc, "a key must be a plain word, not a list or mapping")
                continue
            if key_node.tag == _YAML + "merge":
                self.error(key_loc, "anchors and aliases (&name, *name, <<) are not supported; write the value out")
                continue
            key = key_node.value
            value = self.convert(value_node)
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
        return Scalar("", loc, null=True)


def load_file(path: Path, shown: str) -> tuple[Node | None, list[Problem]]:
    """A file on disk -> located tree; ``shown`` is the path as problems should print it."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(Location(shown), "error", f"cannot read this file: {exc.strerror}")]
    text, problems = decode(data, shown)
    if text is None:
        return None, problems
    return parse(text, shown)
