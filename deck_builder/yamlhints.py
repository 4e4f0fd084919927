"""The YAML slips people make, explained in plain words on the line where they are.

People paste from Word, LinkedIn and web pages: curly quotes, non-breaking spaces, bullets,
full-width colons, Markdown (`*italics*`, `# headings`). YAML gives some of those characters a
meaning (a '*' starts an alias, '&' an anchor, '!' a tag, ' #' a comment) and its parser reports
the rest in its own terms ("simple key", "block mapping", sometimes a line late). Each
message here names what the user typed, with the character's U+ code and name when it is
invisible or a look-alike, and the fix in one sentence. None rests on a parser term alone.
"""

from __future__ import annotations

import re

from .problems import Location, Problem
from .textrules import char_name

# Characters that look like a space or a colon but are not one to YAML.
ODD_SPACES = "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u202f\u205f\u3000\ufeff"
LOOKALIKE_COLONS = "\uff1a\ufe55\ufe13\u2236\ua789\u02d0\u0589\u05c3"
CURLY_QUOTES = "\u201c\u201d\u201e\u201f\u2018\u2019\u201a\u201b\u00ab\u00bb\u2039\u203a\u300c\u300d"

# Only where a key stands (not after '- ': a list item is text, and CJK text uses '：').
_LOOKALIKE_KEY = re.compile(r"^[ ]*(?:- +)?([A-Za-z0-9_-]+)[ ]*([" + LOOKALIKE_COLONS + r"])")
_TRAILING_COMMENT = re.compile(r"[ \t]+#(.*)")
_KEY_PREFIX = re.compile(r"^([ ]*(?:- +)?)(?:([A-Za-z0-9_-]+):[ ]+)?")


def quoted(text: str) -> str:
    """TEXT as a YAML quoted value the user can paste back."""
    if '"' not in text and "\\" not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def comment_lines(text: str) -> dict[int, str]:
    """Line index -> line, for the lines that hold a '#' (where a comment can cut text short)."""
    return {i: line for i, line in enumerate(text.split("\n")) if "#" in line}


def trailing_comment(line: str, col: int, path: str, lineno: int) -> tuple[Location, str] | None:
    """What YAML dropped as a comment right after unquoted text ending at COL, with where; None
    when there is none, or when it is written as a comment is (two spaces, '#', a space: "  # note")
    rather than as text would be ("#1 priority", "#hashtag", "20% # of")."""
    m = _TRAILING_COMMENT.match(line, col)
    if m is None:
        return None
    gap = len(line[m.start():]) - len(line[m.start():].lstrip(" \t"))
    if gap >= 2 and m.group(1)[:1] in (" ", "\t", ""):
        return None
    return Location(path, lineno, m.start() + gap + 1), "#" + m.group(1).rstrip()


def comment_message(what: str, text: str, comment: str) -> str:
    """A comment that cut a text value short (a warning: the YAML is valid)."""
    if text:
        whole = f"{text} {comment}"
        return (f"{what}: the words '{comment}' are left out: YAML reads ' #' and what follows as a comment; "
                f"to keep them, put the whole text in quotes: {quoted(whole)} (a note to yourself goes on a line of its own)")
    return (f"{what}: YAML reads '{comment}' as a comment, so this is empty; if it is your text, "
            f"put it in quotes: {quoted(comment)}")


def curly_hint(text: str) -> str:
    """A note when TEXT starts with a typographic quote (Word's AutoFormat): YAML keeps it as text."""
    if text[:1] and text[0] in CURLY_QUOTES:
        return (f" (it starts with {char_name(text[0])}, which YAML does not count as a quote: "
                "type straight quotes \" instead)")
    return ""


def tag_message(tag: str, event) -> str:
    value = getattr(event, "value", None)
    if tag.startswith("!!") or value is None:
        return f"'{tag}' marks a YAML type (a tag), which deck-builder files do not use: delete it (they hold only text, lists and mappings)"
    whole = f"{tag} {value}".strip()
    return (f"text that starts with '!' must be in quotes: YAML reads '{tag}' as a type (a tag) and drops it; "
            f"write {quoted(whole)}")


def alias_message(name: str) -> str:
    return (f"'*{name}' at the start of a value is a YAML alias (a copy of another value), which deck-builder "
            "does not use: write the value out in full; if it is your text (Markdown *italics*), put the whole text in quotes")


def anchor_message(name: str) -> str:
    return (f"'&{name}' at the start of a value is a YAML anchor (a label for copying it), and YAML drops it from "
            f"your text: if '&{name}' is part of the text, put the whole text in quotes")


MERGE_MESSAGE = "'<<' is YAML's merge key (it copies another mapping), which deck-builder does not use: write the keys out"


def _indent_slip(line: str) -> tuple[int, str] | None:
    """The first odd character in a line's indentation (before its first visible character)."""
    for i, c in enumerate(line):
        if c == " ":
            continue
        if c in ODD_SPACES:
            return i, c
        return None
    return None


def indent_message(c: str) -> str:
    if c == "\t":
        return "this line is indented with a tab, and YAML needs spaces: replace the tab with spaces"
    return (f"this line is indented with {char_name(c)}, which YAML does not count as a space "
            "(it comes with text pasted from Word or web pages): retype the indentation with ordinary spaces")


def line_slips(text: str, path: str) -> list[Problem]:
    """Look-alike colons where a key stands, in a file YAML could not read: the likely cause."""
    if not any(c in text for c in LOOKALIKE_COLONS):
        return []
    out = []
    for i, line in enumerate(text.split("\n")):
        m = _LOOKALIKE_KEY.match(line)
        if m:
            out.append(Problem(Location(path, i + 1, m.start(2) + 1), "error", lookalike_message(m)))
    return out


def lookalike_message(m: re.Match) -> str:
    return (f"after '{m.group(1)}' is {char_name(m.group(2))}, not the ':' YAML needs after a key: "
            "retype it as ':' (if it is text, put the text in quotes)")


def lookalike_hint(text: str) -> str:
    """For text where a mapping belongs: a key written with a look-alike colon, if that is why."""
    if not any(c in text for c in LOOKALIKE_COLONS):
        return ""
    for line in text.split("\n"):
        m = _LOOKALIKE_KEY.match(line)
        if m:
            return f"; {lookalike_message(m)}"
    return ""


def odd_key_problem(key: str, loc: Location) -> Problem | None:
    """A key that begins with a non-breaking or other odd space: the line's indentation was pasted."""
    if key[:1] and key[0] in ODD_SPACES:
        return Problem(loc, "error", indent_message(key[0]))
    return None


def syntax_problem(exc, text: str, path: str) -> Problem:
    """A YAML parser error -> one problem in the user's terms, on the line where the slip is."""
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    pm, cm = exc.problem_mark, exc.context_mark
    lines = text.split("\n")

    def at(mark) -> Location:
        return Location(path, mark.line + 1, mark.column + 1) if mark is not None else Location(path)

    def line_of(mark) -> str:
        return lines[mark.line] if mark is not None and mark.line < len(lines) else ""

    # An odd space in the indentation anywhere from the context line to the failing line is the cause.
    first = min(m.line for m in (pm, cm) if m is not None) if (pm or cm) else 0
    last = pm.line if pm is not None else first
    for n in range(first, min(last, len(lines) - 1) + 1):
        slip = _indent_slip(lines[n])
        if slip:
            return Problem(Location(path, n + 1, slip[0] + 1), "error", indent_message(slip[1]))

    def value_after(mark) -> str:
        """The text from MARK to the end of its line."""
        return line_of(mark)[mark.column:].strip()

    if "end of stream" in problem and "quoted scalar" in context and cm is not None:
        q = line_of(cm)[cm.column : cm.column + 1] or '"'
        curly = [c for c in text[_index(lines, cm) + 1 :] if c in CURLY_QUOTES][:1]
        hint = (f" (the text seems to end with {char_name(curly[0])}, which does not close it: "
                f"type a straight {q})") if curly else ""
        return Problem(at(cm), "error", f"this quote ({q}) is never closed, so YAML reads the rest of the file as "
                       f"one text: add the closing {q} where the text ends{hint}")
    if "quoted scalar" in context and ("escape" in problem or "hexdecimal" in problem) and cm is not None:
        line = line_of(pm)
        slash = line.rfind("\\", 0, pm.column + 1)
        where = Location(path, pm.line + 1, slash + 1) if slash >= 0 else at(pm)
        return Problem(where, "error", "between double quotes a backslash starts a code such as \\n: write \\\\ for a "
                       "backslash, or put the text in single quotes instead")
    if "quoted scalar" in context:
        return Problem(at(cm), "error", f"this quoted text could not be read ({problem}): check that its quotes match")
    for scanning, char, what in (("an alias", "*", "a copy of another value (an alias)"),
                                 ("an anchor", "&", "a label (an anchor)"),
                                 ("a tag", "!", "a type (a tag)")):
        if context == f"while scanning {scanning}" and cm is not None:
            return Problem(at(cm), "error", f"text that starts with '{char}' must be in quotes: YAML reads a '{char}' "
                           f"there as {what}; write {quoted(value_after(cm))}")
    if problem == "found character that cannot start any token" and pm is not None:
        c = line_of(pm)[pm.column : pm.column + 1]
        if c == "\t":
            return Problem(at(pm), "error", indent_message("\t"))
        if c in ("@", "`", "%"):
            return Problem(at(pm), "error", f"text that starts with '{c}' must be in quotes (YAML keeps '{c}' "
                           f"for itself there): write {quoted(value_after(pm))}")
        return Problem(at(pm), "error", f"YAML cannot start a value with {char_name(c) if c else 'this character'}: "
                       "put the whole text in quotes")
    if problem.startswith("mapping values are not allowed") and pm is not None:
        line = line_of(pm)
        prefix = _KEY_PREFIX.match(line)
        dash = "- " if "-" in prefix.group(1) else ""
        # In a list item the whole item is the text; after a key, the value is.
        key = f"{prefix.group(2)}: " if prefix.group(2) and not dash else ""
        rest = line[len(prefix.group(1)) + len(key):].strip() if not key else line[prefix.end():].strip()
        before = line[:pm.column].split(": ")[-1].split()[-1:] or [""]
        return Problem(at(pm), "error", f"a ': ' inside text makes YAML read '{before[0]}:' as a key: put the whole "
                       f"text in quotes, like {dash}{key}{quoted(rest)}{curly_hint(rest)}")
    start = _value_start(line_of(pm)) if pm is not None else ""
    if start[:1] in ("*", "&", "!") and problem.startswith(("did not find expected", "expected <block end>")):
        what = {"*": "a copy of another value (an alias)", "&": "a label (an anchor)", "!": "a type (a tag)"}[start[0]]
        return Problem(Location(path, pm.line + 1, len(line_of(pm)) - len(start) + 1), "error",
                       f"text that starts with '{start[0]}' must be in quotes: YAML reads a '{start[0]}' there as "
                       f"{what}; write {quoted(start)}")
    if "simple key" in context and cm is not None:
        line = line_of(cm).strip()
        return Problem(at(cm), "error", _not_key_value(line))
    if problem == "did not find expected key" and pm is not None:
        for n in range(pm.line - 1, -1, -1):
            if not lines[n].strip():
                continue
            if lines[n].lstrip().startswith("#"):
                heading = lines[n].strip()
                return Problem(Location(path, n + 1, len(lines[n]) - len(lines[n].lstrip()) + 1), "error",
                               f"'{heading}' is a comment to YAML (a line starting with '#'; a Markdown heading?), "
                               "and it cut the text above short: to keep it, write the text as a block, 'notes: |' "
                               "with every line indented under it")
            break
        return Problem(at(pm), "error", "this line is not indented like the keys around it: line it up with the "
                       "key it belongs under (two spaces more than its parent)")
    if problem == "did not find expected '-' indicator" and pm is not None:
        line = line_of(pm)
        if pm.column > len(line) - len(line.lstrip()):  # something after a value on the same line
            return Problem(at(pm), "error", "there is more text after the end of this value (after a closing quote?): "
                           "put the whole text inside the quotes")
        return Problem(at(pm), "error", "this line is at the indentation of the list items above but does not start "
                       "with '- ': make it a list item, or line a key up with the key that holds the list")
    if problem.startswith("did not find expected comment or line break") and "block scalar" in context:
        return Problem(at(cm), "error", "text that starts with '|' or '>' must be in quotes: YAML reads them as the "
                       f"start of a block of lines; write {quoted(value_after(cm))}")
    if problem.startswith("did not find expected ','") or "flow" in context:
        if pm is not None and _starts_with_bracket(lines, pm.line):
            return Problem(at(pm), "error", "text that starts with '{' or '[' must be in quotes, like \"{company} is growing\"")
        opener = _unclosed_bracket(text, _index(lines, pm)) if pm is not None else None
        where = _location_of(text, path, opener) if opener is not None else at(cm or pm)
        return Problem(where, "error", "a '[' or '{' here is never closed: close it, or, if it is text, "
                       "put the whole text in quotes")
    if "another document" in problem:
        return Problem(at(pm), "error", "a second YAML document starts here ('---'); deck-builder reads one per file: "
                       "delete the line, or move what follows into a file of its own")
    if "document start" in problem:
        return Problem(at(pm), "error", "the file ends here for YAML ('...' or '---' above ends it): delete that line "
                       "so the rest is read")
    detail = problem + (f", {context}" if context else "")
    return Problem(at(pm or cm), "error", f"YAML could not read this line ({detail}): check its indentation and quotes")


def _value_start(line: str) -> str:
    """A line's value: what follows its indentation, '- ' and 'key: '."""
    prefix = _KEY_PREFIX.match(line)
    return line[prefix.end():].strip()


def _unclosed_bracket(text: str, end: int) -> int | None:
    """Where the last '[' or '{' still open at END was written (quotes and comments skipped)."""
    stack: list[int] = []
    quote = None
    i = 0
    while i < min(end, len(text)):
        c = text[i]
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'" and (i == 0 or text[i - 1] in " [{,:\n"):
            quote = c
        elif c == "#" and (i == 0 or text[i - 1] in " \n"):
            i = text.find("\n", i)
            if i < 0:
                break
            continue
        elif c in "[{":
            stack.append(i)
        elif c in "]}" and stack:
            stack.pop()
        i += 1
    return stack[-1] if stack else None


def _location_of(text: str, path: str, index: int) -> Location:
    before = text[:index]
    return Location(path, before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1)


def _index(lines: list[str], mark) -> int:
    return sum(len(line) + 1 for line in lines[: mark.line]) + mark.column


def _starts_with_bracket(lines: list[str], line: int) -> bool:
    if line >= len(lines):
        return False
    value = lines[line].strip()
    if value.startswith("- "):
        value = value[2:].lstrip()
    elif ": " in value:
        value = value.split(": ", 1)[1].lstrip()
    return value.startswith(("{", "[")) and not value.rstrip().endswith(("}", "]"))


_BULLET = re.compile(r"^([\u2022\u2023\u25e6\u2043\u2219\u25aa\u25cf\u00b7\u2013\u2014*+]|\d{1,2}[.)])\s")


def bullet_hint(text: str) -> str:
    """When a text is a pasted list ('• a', '1) a', '-a'): how to write a YAML list instead."""
    m = _BULLET.match(text)
    if m:
        mark = m.group(1)
        shown = char_name(mark) if len(mark) == 1 and not mark.isascii() else f"'{mark}'"
        return f"; its lines start with {shown}: start each item with '- ' on a line of its own instead"
    if text.startswith("-") and not text.startswith("- "):
        return "; a list item needs a space after '-': write '- ' at the start of each item"
    return ""


def _not_key_value(line: str) -> str:
    """Why a line is neither 'key: value' nor a list item."""
    if re.match(r"^-\S", line):
        return "a list item needs a space after '-': write '- ' at the start of this line"
    m = re.match(r"^([A-Za-z0-9_-]+):(\S+)", line)
    if m:
        return f"put a space after the ':' in '{m.group(1)}:{m.group(2)}': YAML needs 'key: value'"
    if _BULLET.match(line):
        return f"start list items with '- ', not '{_BULLET.match(line).group(1)}'"
    return ("this line is neither 'key: value' nor a list item ('- text'): if it continues the text above, "
            "indent it further than that key; if it is a key, add ': ' after it")
