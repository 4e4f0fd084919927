"""The parser's event stream -> a located tree (yamltree.parse reads a file with it when the
file is not the plain YAML yamltree reads by lines; only this module imports PyYAML).

PyYAML's constructors lose positions, silently keep the last of two duplicate keys and drop
what YAML reads as syntax (a trailing ``#`` comment, an ``&anchor``, a ``!tag``), so the tree
is built straight from the parser's event stream (safe: nothing is constructed). The events
carry every mark, anchor, tag and style, so one pass can say what YAML would have dropped.
Building from events is also about twice as fast as composing nodes and converting them.
"""

from __future__ import annotations

import re

import yaml

from . import yamlhints
from .problems import Location, Problem
from .yamlnodes import MAX_DEPTH, NULLS, Map, Node, Scalar, Seq, new_location

try:  # the C parser is several times faster; fall back to pure Python where libyaml is absent
    from yaml import CBaseLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import BaseLoader as _Loader  # type: ignore[assignment]
# Only the parser is used (events), so no value is ever typed: "1999" and "yes" stay text.

_YAML = "tag:yaml.org,2002:"
_BLOCK_HEADER = re.compile(r"[|>][-+0-9]*")
_PLAIN_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_SEQ_TAGS = {None, "!", _YAML + "seq"}
_MAP_TAGS = {None, "!", _YAML + "map"}
_NULL_TAG = _YAML + "null"
_ScalarEvent = yaml.ScalarEvent
_SequenceEndEvent = yaml.SequenceEndEvent
_MappingEndEvent = yaml.MappingEndEvent
_MERGE_TAG = _YAML + "merge"


class Builder:
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
        return new_location(Location, (self.path, mark.line + 1, mark.column + 1))

    def node(self, event, depth: int) -> Node:
        mark = event.start_mark
        loc = new_location(Location, (self.path, mark.line + 1, mark.column + 1))
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
            loc = new_location(Location, (self.path, mark.line + 1, mark.column + 1))
        return Scalar(value, loc, (not style and value in NULLS) or null_tag, style or None,
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
            key_loc = new_location(Location, (path, mark.line + 1, mark.column + 1))
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
