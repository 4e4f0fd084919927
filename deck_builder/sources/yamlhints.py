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

from .keys import ALL_KEYS as KNOWN_KEYS
from .problems import Location, Problem
from .textrules import LINE_SEPARATORS, char_name, lookalikes_of

# Characters that look like a space, a colon or a quote but are not one to YAML.
ODD_SPACES = lookalikes_of(" ") + lookalikes_of("")
LOOKALIKE_COLONS = lookalikes_of(":")
CURLY_QUOTES = lookalikes_of('"') + lookalikes_of("'")

# Only where a key stands (not after '- ': a list item is text, and CJK text uses '：').
_LOOKALIKE_KEY = re.compile(r"^[ ]*(?:- +)?([A-Za-z0-9_-]+)[ ]*([" + LOOKALIKE_COLONS + r"])")
_TRAILING_COMMENT = re.compile(r"[ \t]+#(.*)")
_KEY_PREFIX = re.compile(r"^([ ]*(?:- +)?)(?:([A-Za-z0-9_-]+):[ ]+)?")


def quoted(text: str) -> str:
    """TEXT as a YAML quoted value the user can paste back (a long one shortened: it is on its line)."""
    if len(text) > 120:
        text = text[:60] + "…" + text[-20:]
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


def comment_message(what: str, text: str, comment: str, after: str | None = None) -> str:
    """A comment that cut a text value short (a warning: the YAML is valid). AFTER: what the
    comment follows when not the text itself: a closing quote, or a block's header ('|', '>-')."""
    if after and after in "'\"":
        whole = f"{text} {comment}" if text else comment
        return (f"{what}: the words '{comment}' after the closing quote are left out: YAML reads ' #' and what "
                f"follows as a comment; to keep them, put them inside the quotes: {quoted(whole)} "
                "(a note to yourself goes on a line of its own)")
    if after:
        return (f"{what}: the words '{comment}' after '{after}' are left out: YAML reads ' #' and what follows as a "
                "comment; to keep them, put them on the next line, indented like the text under it "
                "(a note to yourself goes on a line of its own)")
    if text:
        whole = f"{text} {comment}"
        return (f"{what}: the words '{comment}' are left out: YAML reads ' #' and what follows as a comment; "
                f"to keep them, put the whole text in quotes: {quoted(whole)} (a note to yourself goes on a line of its own)")
    return (f"{what}: YAML reads '{comment}' as a comment, so this is empty; if it is your text, "
            f"put it in quotes: {quoted(comment)}")


def flow_comment_message(comment: str, bracket: str | None = None) -> str:
    """A comment inside a list in brackets or a mapping in braces (not right after a text), or
    right after its closing BRACKET: its words are lost (a warning: the YAML is valid)."""
    if bracket:
        return (f"the words '{comment}' after '{bracket}' are left out: YAML reads ' #' and what follows as a "
                f"comment; to keep them, put them in quotes inside the brackets: {quoted(comment)} "
                "(a note to yourself goes on a line of its own)")
    return (f"the words '{comment}' are left out: YAML reads ' #' and what follows as a comment, inside [ ] and "
            f"{{ }} too; to keep them, put them in quotes: {quoted(comment)} (a note to yourself goes on a line of its own)")


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


def indent_slip(line: str) -> tuple[int, str] | None:
    """The first odd character in a line's indentation (before its first visible character)."""
    for i, c in enumerate(line):
        if c == " ":
            continue
        if c in ODD_SPACES:
            return i, c
        return None
    return None


def wanted_indent(lines: list[str], n: int) -> int:
    """How many spaces line N (indented with a tab) needs: two more than a key above that opens
    a block, as much as the item or key above otherwise (lines above with a tab count as fixed)."""
    chain = [n]  # the line, and the tab-indented lines above it whose indentation it rests on
    k = n - 1
    while k >= 0:
        prev = lines[k]
        if prev.strip() and not prev.lstrip().startswith("#"):
            if indent_slip(prev) is None:
                break
            chain.append(k)
        k -= 1
    width = len(lines[k]) - len(lines[k].lstrip(" ")) if k >= 0 else 0
    above = lines[k].strip() if k >= 0 else ""
    for line_no in reversed(chain):
        body = lines[line_no].strip(" \t" + ODD_SPACES)
        if above:
            opens = above.endswith(":") or re.search(r":[ ]+[|>][-+0-9]*$", above) is not None
            if opens or (above.startswith("- ") and ":" in above and not body.startswith("- ")):
                width += 2 if not (opens and above.startswith("- ")) else 4
        if line_no == n:
            return width
        above = body
    return width


def indent_message(c: str, width: int | None = None) -> str:
    if c == "\t":
        spaces = f" ({width} spaces in all)" if width else ""
        return f"this line is indented with a tab, and YAML needs spaces: replace the tab with spaces{spaces}"
    return (f"this line is indented with {char_name(c)}, which YAML does not count as a space "
            "(it comes with text pasted from Word or web pages): retype the indentation with ordinary spaces")


def separator_message(c: str) -> str:
    return (f"this line ends in {char_name(c)}, which comes with text pasted from LinkedIn or Word, and YAML reads "
            "it as the end of the line, so the rest starts a line of its own: replace it with a space")


def separated_lines(text: str, path: str) -> tuple[str, list[Problem]]:
    """Every line separator (U+2028, U+2029, U+0085) as a problem on the line it ends (editors and
    YAML count it as a line end), and TEXT with each one an ordinary line break, the rest of the
    line indented as more of its text, so that the lines after it are read and counted as before."""
    out: list[str] = []
    problems = []
    lineno, start = 1, 0
    for m in _LINE_ENDS.finditer(text):
        c = m.group()
        if c == "\n":
            out.append(text[start:m.end()])
        else:
            line = text[start:m.start()]
            problems.append(Problem(Location(path, lineno, len(line) + 1), "error", separator_message(c)))
            prefix = _KEY_PREFIX.match(line)
            indent = len(line) - len(line.lstrip(" "))
            out.append(line + "\n" + " " * max(prefix.end(), indent + 2))
        lineno, start = lineno + 1, m.end()
    out.append(text[start:])
    return "".join(out), problems


_LINE_ENDS = re.compile("[\n" + LINE_SEPARATORS + "]")


_ODD_AFTER_KEY = re.compile(r"^[ ]*(?:- +)?([A-Za-z0-9_-]+):([" + ODD_SPACES.replace("\t", "") + r"])")


def line_slips(text: str, path: str) -> list[Problem]:
    """Look-alike colons where a key stands, and a look-alike space after a key's ':', in a file
    YAML could not read: the likely cause."""
    colons = any(c in text for c in LOOKALIKE_COLONS)
    spaces = any(c in text for c in ODD_SPACES if c != "\t")
    if not colons and not spaces:
        return []
    out = []
    for i, line in enumerate(text.split("\n")):
        m = _LOOKALIKE_KEY.match(line) if colons else None
        if m:
            out.append(Problem(Location(path, i + 1, m.start(2) + 1), "error", lookalike_message(m)))
        m = _ODD_AFTER_KEY.match(line) if spaces else None
        if m:
            out.append(Problem(Location(path, i + 1, m.start(2) + 1), "error",
                               f"after '{m.group(1)}:' is {char_name(m.group(2))}, which YAML does not count as a "
                               "space, so this is no 'key: value': retype it as an ordinary space"))
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


class _Slip:
    """A parser error and the text around it, as the rules below read them."""

    def __init__(self, exc, text: str, path: str):
        self.problem = (exc.problem or "").strip()
        self.context = (exc.context or "").strip()
        self.pm, self.cm = exc.problem_mark, exc.context_mark
        self.text, self.path = text, path
        self.lines = text.split("\n")

    def at(self, mark) -> Location:
        return Location(self.path, mark.line + 1, mark.column + 1) if mark is not None else Location(self.path)

    def line_of(self, mark) -> str:
        return self.lines[mark.line] if mark is not None and mark.line < len(self.lines) else ""

    def after(self, mark) -> str:
        """The text from MARK to the end of its line."""
        return self.line_of(mark)[mark.column:].strip()

    def error(self, loc: Location, message: str) -> Problem:
        return Problem(loc, "error", message)


# Each rule looks at a parser error and returns the problem in the user's words, or None. They
# are tried in order, most specific first; every one has a case in tests/corpus.

def _odd_indentation(s: _Slip):
    """An odd space in the indentation anywhere from the context line to the failing line."""
    marks = [m for m in (s.pm, s.cm) if m is not None]
    first = min(m.line for m in marks) if marks else 0
    last = s.pm.line if s.pm is not None else first
    for n in range(first, min(last, len(s.lines) - 1) + 1):
        slip = indent_slip(s.lines[n])
        if slip:
            return s.error(Location(s.path, n + 1, slip[0] + 1), indent_message(slip[1], wanted_indent(s.lines, n)))
    return None


_DASH_ODD = re.compile(r"^[ ]*-([" + ODD_SPACES.replace("\t", "") + "])")


def dash_message(c: str) -> str:
    return (f"after '-' is {char_name(c)}, which YAML does not count as a space, so this line is not a list item: "
            "retype it as an ordinary space")


def _odd_space_after_dash(s: _Slip):
    """'-' and a non-breaking space: the line is no list item to YAML."""
    marks = [m for m in (s.pm, s.cm) if m is not None]
    if not marks:
        return None
    for n in range(min(m.line for m in marks), min(max(m.line for m in marks), len(s.lines) - 1) + 1):
        m = _DASH_ODD.match(s.lines[n])
        if m:
            return s.error(Location(s.path, n + 1, m.start(1) + 1), dash_message(m.group(1)))
    return None


def _unclosed_quote(s: _Slip):
    if "end of stream" not in s.problem or "quoted scalar" not in s.context or s.cm is None:
        return None
    q = s.line_of(s.cm)[s.cm.column : s.cm.column + 1] or '"'
    curly = [c for c in s.text[_index(s.lines, s.cm) + 1 :] if c in CURLY_QUOTES][:1]
    hint = (f" (the text seems to end with {char_name(curly[0])}, which does not close it: "
            f"type a straight {q})") if curly else ""
    return s.error(s.at(s.cm), f"this quote ({q}) is never closed, so YAML reads the rest of the file as one text: "
                   f"add the closing {q} where the text ends{hint}")


def _backslash_in_quotes(s: _Slip):
    if "quoted scalar" not in s.context or s.cm is None:
        return None
    if "escape" in s.problem or "hexdecimal" in s.problem:
        line = s.line_of(s.pm)
        slash = line.rfind("\\", 0, s.pm.column + 1)
        where = Location(s.path, s.pm.line + 1, slash + 1) if slash >= 0 else s.at(s.pm)
        rest = line[slash:] if slash >= 0 else ""
        close = re.search(r'(?<!\\)"', rest)
        lone = _lone_backslashes(rest[: close.start()] if close else rest)
        each = f"each backslash (this text has {lone} that start no code)" if lone > 1 else "a backslash"
        return s.error(where, f"between double quotes a backslash starts a code such as \\n: write \\\\ for {each}, "
                       "or put the text in single quotes instead")
    return s.error(s.at(s.cm), f"this quoted text could not be read ({s.problem}): check that its quotes match")


_ESCAPES = set('0abt\tnvfre "/\\N_LPxuU')  # what may follow a backslash between double quotes


def _lone_backslashes(text: str) -> int:
    """How many backslashes in TEXT (inside double quotes) start none of YAML's codes."""
    count, i = 0, 0
    while True:
        i = text.find("\\", i)
        if i < 0:
            return count
        code = text[i + 1:i + 2]
        digits = {"x": 2, "u": 4, "U": 8}.get(code, 0)
        hex_ok = all(c in "0123456789abcdefABCDEF" for c in text[i + 2:i + 2 + digits]) and len(text) >= i + 2 + digits
        if code not in _ESCAPES or not hex_ok:
            count += 1
        i += 2


_SIGILS = {"*": "a copy of another value (an alias)", "&": "a label (an anchor)", "!": "a type (a tag)"}


def _yaml_sigil(s: _Slip):
    """Text starting with * & or !, which YAML reads as an alias, an anchor or a tag."""
    for scanning, char in (("an alias", "*"), ("an anchor", "&"), ("a tag", "!")):
        if s.context == f"while scanning {scanning}" and s.cm is not None:
            return s.error(s.at(s.cm), f"text that starts with '{char}' must be in quotes: YAML reads a '{char}' "
                           f"there as {_SIGILS[char]}; write {quoted(s.after(s.cm))}")
    start = _value_start(s.line_of(s.pm)) if s.pm is not None else ""
    if start[:1] in _SIGILS and s.problem.startswith(("did not find expected", "expected <block end>")):
        line = s.line_of(s.pm)
        return s.error(Location(s.path, s.pm.line + 1, len(line) - len(line.lstrip()) + line.lstrip().index(start) + 1),
                       f"text that starts with '{start[0]}' must be in quotes: YAML reads a '{start[0]}' there as "
                       f"{_SIGILS[start[0]]}; write {quoted(start)}")
    return None


def _reserved_character(s: _Slip):
    if s.problem != "found character that cannot start any token" or s.pm is None:
        return None
    c = s.line_of(s.pm)[s.pm.column : s.pm.column + 1]
    if c == "\t":
        return s.error(s.at(s.pm), indent_message("\t", wanted_indent(s.lines, s.pm.line)))
    if c in ("@", "`", "%"):
        return s.error(s.at(s.pm), f"text that starts with '{c}' must be in quotes (YAML keeps '{c}' for itself "
                       f"there): write {quoted(s.after(s.pm))}")
    return s.error(s.at(s.pm), f"YAML cannot start a value with {char_name(c) if c else 'this character'}: "
                   "put the whole text in quotes")


def _bracket_at_start(s: _Slip):
    """Text starting with { or [ (a placeholder, a [Draft] tag), which YAML reads as a list or mapping."""
    for mark in (s.pm, s.cm):
        if mark is not None and _starts_with_bracket(s.lines, mark.line):
            line = s.lines[mark.line]
            col = len(line) - len(_value_start(line)) if _value_start(line) else mark.column
            return s.error(Location(s.path, mark.line + 1, col + 1),
                           "text that starts with '{' or '[' must be in quotes, like \"{company} is growing\"")
    return None


def _quote_inside_quotes(s: _Slip):
    """'I'm a leader': the apostrophe ends the text, and YAML finds more after it."""
    if s.pm is None or not s.problem.startswith(("did not find expected", "expected <block end>")):
        return None
    value = _value_start(s.line_of(s.pm))
    if value[:1] not in ("'", '"') or s.pm.column <= len(s.line_of(s.pm)) - len(value):
        return None
    line = s.line_of(s.pm)
    end = line.rfind(value[0], 0, s.pm.column)  # the quote that ended it
    where = Location(s.path, s.pm.line + 1, end + 1) if end > len(line) - len(value) else s.at(s.pm)
    if value[0] == "'":
        return s.error(where, "the text ends at its second ' (an apostrophe?), and YAML finds more after it: "
                       f"inside single quotes write an apostrophe twice ({_doubled(value)}), or use double quotes")
    return s.error(where, "the text ends at its second \", and YAML finds more after it: put the whole text "
                   "inside the quotes (a \" that belongs to it is written \\\"), or use single quotes around it")


def _doubled(value: str) -> str:
    inner = value[1:-1] if value.endswith("'") and len(value) > 1 else value[1:]
    return "'" + inner.replace("'", "''") + "'"


def _colon_in_text(s: _Slip):
    if not s.problem.startswith("mapping values are not allowed") or s.pm is None:
        return None
    line = s.line_of(s.pm)
    indent = len(line) - len(line.lstrip())
    above = next((s.lines[n] for n in range(s.pm.line - 1, -1, -1) if s.lines[n].strip()), "")
    m_here, m_above = _KEY_PREFIX.match(line), _KEY_PREFIX.match(above)
    if (line.rstrip().endswith(":") and s.pm.column == len(line.rstrip()) - 1 and m_here.end() < s.pm.column
            and (m_here.group(2) or "-" in m_here.group(1))):  # after 'key: ' or '- ': a text
        return _colon_at_end(s, line, m_here)
    # where each key starts ('- q:' and 'a:' under it start at the same column)
    key_col, above_key_col = len(m_here.group(1)), len(m_above.group(1))
    if (m_here.group(2) in KNOWN_KEYS and m_above.group(2) and key_col > above_key_col
            and not line.lstrip().startswith("- ")):
        return s.error(Location(s.path, s.pm.line + 1, indent + 1),
                       f"this line is indented further than '{m_above.group(2)}:' above, so YAML reads it as more of "
                       f"that text: line '{m_here.group(2)}:' up with '{m_above.group(2)}:'")
    dash = "- " if "-" in m_here.group(1) else ""
    # A known key keeps its place ("- q: ..." is a fact's question); after another word the whole item is the text.
    key = f"{m_here.group(2)}: " if m_here.group(2) and (not dash or m_here.group(2) in KNOWN_KEYS) else ""
    rest = line[m_here.end():].strip() if key else line[len(m_here.group(1)):].strip()
    before = line[:s.pm.column].split(": ")[-1].split()[-1:] or [""]
    return s.error(s.at(s.pm), f"a ': ' inside text makes YAML read '{before[0]}:' as a key: put the whole text in "
                   f"quotes, like {dash}{key}{quoted(rest)}{curly_hint(rest)}")


def _colon_at_end(s: _Slip, line: str, prefix: re.Match) -> Problem:
    """'a: Their mission, from the website:' and an indented line under it: the ':' ending the
    text makes a key of it. The fix quotes the whole text, its indented lines too."""
    n = s.pm.line
    key_col = len(prefix.group(1))
    parts = [line[prefix.end():].strip()]
    last = n
    for k in range(n + 1, len(s.lines)):
        nxt = s.lines[k]
        if not nxt.strip() or nxt.lstrip().startswith("#") or len(nxt) - len(nxt.lstrip(" ")) <= key_col:
            break
        parts.append(nxt.strip())
        last = k
    before = line[:s.pm.column].split()[-1:] or [""]
    start = f"a ':' at the end of a text makes YAML read '{before[0]}:' as a key"
    dash = "- " if "-" in prefix.group(1) else ""
    key = f"{prefix.group(2)}: " if prefix.group(2) else ""
    whole = " ".join(parts)
    if last == n:
        return s.error(s.at(s.pm), f"{start}: put the whole text in quotes, like {dash}{key}{quoted(whole)}")
    lines = f"lines {n + 1}-{last + 1}"
    if len(whole) > 120:  # too long to retype on one line: a block keeps its lines
        return s.error(s.at(s.pm), f"{start} and the indented lines under it as its value: write the text as a block, "
                       f"'{key or dash}|' on line {n + 1} with every line of the text ({lines}) indented under it")
    return s.error(s.at(s.pm), f"{start} and the indented line{'s' if last > n + 1 else ''} under it as its value: "
                   f"put the whole text in quotes; write {lines} as: {dash}{key}{quoted(whole)}")


def _list_on_the_key_line(s: _Slip):
    if "block sequence entries are not allowed" not in s.problem or s.pm is None:
        return None
    key = _KEY_PREFIX.match(s.line_of(s.pm)).group(2) or "its key"
    return s.error(s.at(s.pm), f"a list cannot start on the same line as its key: put '{s.after(s.pm)}' on a line "
                   f"of its own under '{key}:', indented")


def _not_key_value_line(s: _Slip):
    if "simple key" not in s.context or s.cm is None:
        return None
    return s.error(s.at(s.cm), _not_key_value(s.line_of(s.cm).strip()))


def _misplaced_line(s: _Slip):
    if s.pm is None:
        return None
    if s.problem == "did not find expected key":
        for n in range(s.pm.line - 1, -1, -1):
            if not s.lines[n].strip():
                continue
            if s.lines[n].lstrip().startswith("#"):
                heading = s.lines[n].strip()
                return s.error(Location(s.path, n + 1, len(s.lines[n]) - len(s.lines[n].lstrip()) + 1),
                               f"'{heading}' is a comment to YAML (a line starting with '#'; a Markdown heading?), "
                               "and it cut the text above short: to keep it, write the text as a block, 'notes: |' "
                               "with every line indented under it")
            break
        return s.error(s.at(s.pm), "this line is not indented like the keys around it: line it up with the "
                       "key it belongs under (two spaces more than its parent)")
    if s.problem == "did not find expected '-' indicator":
        line = s.line_of(s.pm)
        if s.pm.column > len(line) - len(line.lstrip()):  # something after a value on the same line
            return s.error(s.at(s.pm), "there is more text after the end of this value (after a closing quote?): "
                           "put the whole text inside the quotes")
        return s.error(s.at(s.pm), "this line is at the indentation of the list items above but does not start "
                       "with '- ': make it a list item, or line a key up with the key that holds the list")
    return None


def _block_marker(s: _Slip):
    if s.problem.startswith("did not find expected comment or line break") and "block scalar" in s.context:
        return s.error(s.at(s.cm), "text that starts with '|' or '>' must be in quotes: YAML reads them as the "
                       f"start of a block of lines; write {quoted(s.after(s.cm))}")
    return None


def _unclosed_bracket_rule(s: _Slip):
    if not (s.problem.startswith("did not find expected ','") or "flow" in s.context):
        return None
    opener = _unclosed_bracket(s.text, _index(s.lines, s.pm)) if s.pm is not None else None
    where = _location_of(s.text, s.path, opener) if opener is not None else s.at(s.cm or s.pm)
    return s.error(where, "a '[' or '{' here is never closed: close it, or, if it is text, put the whole text in quotes")


def _document_markers(s: _Slip):
    if "another document" in s.problem:
        return s.error(s.at(s.pm), "a second YAML document starts here ('---'); deck-builder reads one per file: "
                       "delete the line, or move what follows into a file of its own")
    line = s.line_of(s.pm).strip() if s.pm is not None else ""
    if "document start" in s.problem or line in ("...", "---") or (s.pm is not None and s.pm.line >= len(s.lines) - 1
                                                                   and s.text.strip() in ("...", "---")):
        return s.error(s.at(s.pm), "a line of only '...' or '---' is a YAML document marker, and the rest is not "
                       "read: delete that line")
    return None


_RULES = (_odd_indentation, _odd_space_after_dash, _unclosed_quote, _backslash_in_quotes, _yaml_sigil, _reserved_character,
          _bracket_at_start, _quote_inside_quotes, _colon_in_text, _list_on_the_key_line, _not_key_value_line,
          _block_marker, _unclosed_bracket_rule, _document_markers, _misplaced_line)


def syntax_problem(exc, text: str, path: str) -> Problem:
    """A YAML parser error -> one problem in the user's terms, on the line where the slip is."""
    s = _Slip(exc, text, path)
    found = next((p for rule in _RULES if (p := rule(s)) is not None), None)
    if found is None:
        detail = s.problem + (f", {s.context}" if s.context else "")
        found = s.error(s.at(s.pm or s.cm), f"YAML could not read this line ({detail}): check its indentation and quotes")
    return _with_comment_hint(found, s)


def _with_comment_hint(found: Problem, s: _Slip) -> Problem:
    """A ' #' on the lines of the slip hid the rest of its line from YAML: often the real cause."""
    marks = [m for m in (s.pm, s.cm) if m is not None]
    for n in sorted({m.line for m in marks}):
        line = s.lines[n] if n < len(s.lines) else ""
        m = re.search(r"[ \t]#", _without_quotes(line))
        if m and line[: m.start()].strip() and not line.lstrip().startswith("#"):
            return Problem(found.location, found.severity, found.message + f" (the ' #' on line {n + 1} starts a "
                           "comment, which hides the rest of that line from YAML: put that text in quotes)")
    return found


def _without_quotes(line: str) -> str:
    """LINE with quoted text blanked out, keeping every offset."""
    return re.sub(r"\"[^\"]*\"|'[^']*'", lambda m: " " * len(m.group(0)), line)


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
    """Whether the line's value is text that starts with a closed {…} or […] and goes on after it,
    like "{company} is growing" or "[Draft] report shipped"."""
    if line >= len(lines):
        return False
    value = _value_start(lines[line]) if not lines[line].lstrip().startswith(("{", "[")) else lines[line].strip()
    if not value.startswith(("{", "[")):
        return False
    close = "}" if value[0] == "{" else "]"
    end = value.find(close)
    return 0 < end < len(value.rstrip()) - 1


# A line that starts a Markdown list item (or a pasted bullet)
LIST_ITEM = re.compile(r"^(?:[-*+\u2022]|\d{1,2}[.)])[ \t]+\S")
_BULLET = re.compile(r"^([\u2022\u2023\u25e6\u2043\u2219\u25aa\u25cf\u00b7\u2013\u2014*+]|\d{1,2}[.)])\s")


def bullet_hint(text: str) -> str:
    """When a text is a pasted list ('• a', '1) a', '-a'): how to write a YAML list instead."""
    m = _BULLET.match(text)
    if m:
        mark = m.group(1)
        shown = char_name(mark) if len(mark) == 1 and not mark.isascii() else f"'{mark}'"
        return f"; its lines start with {shown}: start each item with '- ' on a line of its own instead"
    if text[:1] == "-" and text[1:2] and text[1] in ODD_SPACES and text[1] != "\t":
        return f"; {dash_message(text[1])}"
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
