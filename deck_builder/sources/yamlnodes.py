"""The located tree a YAML file is read into (yamltree.py): every value knows its FILE:LINE:COL."""

from __future__ import annotations

from dataclasses import dataclass, field

from .problems import Location

MAX_DEPTH = 50
NULLS = ("", "~", "null", "Null", "NULL")  # what YAML reads as nothing, written without quotes
new_location = tuple.__new__  # Location(...) without NamedTuple's Python-level __new__ (once per value)


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
