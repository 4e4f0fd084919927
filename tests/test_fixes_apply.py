"""Every concrete fix a message proposes works when applied literally (issue 18 point 1).

For every case in tests/corpus whose message proposes replacement text (a quoted value to
write, an id to retype, a key it meant, a character to retype, indentation to retype), the
fix is applied mechanically, as a user following the message word for word would, and
`check` runs again: the result must be clean, or fail only at a later, different place.
"""

from __future__ import annotations

import re

import pytest
from test_errors import CASES, CORPUS, corpus_workspace, problem_lines

_QUOTED = r"(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*')"
# "write lines 4-5 as: notes: "...", the text of several lines on one
_LINES = re.compile(r"write lines (\d+)-(\d+) as: ((?:- )?(?:[A-Za-z0-9_-]+: )?" + _QUOTED + ")")
# "like notes: "...", "write it as: - "...", "put the whole text in quotes: "..."", "write "..."
_VALUE = re.compile(r"(?:, like |write it as: |write |in quotes: |inside the quotes: )"
                    r"((?:- )?(?:[A-Za-z0-9_-]+: )?" + _QUOTED + ")(?! at the start)")
_RETYPE = re.compile(r"'([^']+)'(?: in the workspace)? (?:\(it )?holds .*?retype it as '([^']+)'")
_WRITE_AS = re.compile(r"'([^']+)' is not a locale; write it as (\S+)$")
_DELETE_CHAR = re.compile(r"^control character U\+([0-9A-F]{4}) is not allowed in YAML text; delete it")
_DELETE_LINE = "a second YAML document starts here ('---'); deck-builder reads one per file: delete the line"
_DOUBLE_BACKSLASH = "between double quotes a backslash starts a code such as \\n: write \\\\ for "
_DASH_SPACE = "a list item needs a space after '-': write '- ' at the start of each item"
_MEANT = re.compile(r"'([^']+)' \(did you mean '([^']+)'\?\)")
_MEANT_BRACES = re.compile(r"(\{[^}]+\}) \(did you mean (\{[^}]+\})\?")
_SPACE_AFTER_COLON = re.compile(r"put a space after the ':' in '([^']+)'")
_INDENT = ("replace the tab with spaces", "retype the indentation with ordinary spaces")
_RETYPE_CHAR = re.compile(r"is (?:.+?) \(U\+([0-9A-F]{4,6})[^)]*\), (?:not the '.' YAML needs|which YAML does not count as a space, so).*"
                          r"retype it as (?:'(.)'|an ordinary (space))")
_REPLACE_CHAR = re.compile(r"\(U\+([0-9A-F]{4,6})[^)]*\).*: replace it with a (space)$")
_LINE = re.compile(r"^\{ws\}/(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): (?P<message>.*)$")


def _value_start(line: str, col: int, text: str) -> int:
    """Where on LINE the value that TEXT (unquoted) replaces starts: where the rest of the line
    reads as TEXT, else at the column the message points to."""
    starts = {col - 1}
    m = re.match(r"^([ ]*(?:- +)?)(?:([^:\s][^:]*):[ ]+)?", line)
    starts.update(i for i in (len(m.group(1)), m.end()) if i is not None)
    for start in sorted(starts):
        if line[start:].strip() == text:
            return start
    return col - 1


def _unquote(value: str) -> str:
    if value.startswith('"'):
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value[1:-1].replace("''", "'")


def apply_fix(lines: list[str], line: int, col: int, message: str) -> tuple[list[str], int] | None:
    """LINES with the fix MESSAGE proposes for LINE:COL applied word for word, and the last line
    it changed; None when the message proposes no replacement text."""
    n = line - 1
    here = lines[n]
    if m := _LINES.search(message):
        first, last, repl = int(m.group(1)) - 1, int(m.group(2)) - 1, m.group(3)
        indent = len(lines[first]) - len(lines[first].lstrip(" "))
        return lines[:first] + [" " * indent + repl] + lines[last + 1:], first + 1
    if m := _VALUE.search(message):
        repl = m.group(1)
        prefix = re.match(r"^((?:- )?(?:[A-Za-z0-9_-]+: )?)", repl).group(1)
        if prefix:  # it starts where the line's dash or key does
            start = len(here) - len(here.lstrip(" "))
        else:
            start = _value_start(here, col, _unquote(repl))
        return lines[:n] + [here[:start] + repl] + lines[n + 1:], line
    for pattern in (_RETYPE, _MEANT, _MEANT_BRACES):
        if m := pattern.search(message):
            wrong, right = m.group(1), m.group(2)
            assert wrong in here, f"'{wrong}' is not on line {line}: {here!r}"
            return lines[:n] + [here.replace(wrong, right, 1)] + lines[n + 1:], line
    if m := _WRITE_AS.search(message):
        return lines[:n] + [here.replace(m.group(1), m.group(2), 1)] + lines[n + 1:], line
    if m := _DELETE_CHAR.search(message):
        assert here[col - 1] == chr(int(m.group(1), 16))
        return lines[:n] + [here[:col - 1] + here[col:]] + lines[n + 1:], line
    if message.startswith(_DELETE_LINE):
        return lines[:n] + lines[n + 1:], line - 1
    if message.startswith(_DOUBLE_BACKSLASH):
        assert here[col - 1] == "\\"
        if "for each backslash" in message:  # every one from here to the closing quote
            end = here.index('"', col)
            return lines[:n] + [here[:col - 1] + here[col - 1:end].replace("\\", "\\\\") + here[end:]] + lines[n + 1:], line
        return lines[:n] + [here[:col - 1] + "\\" + here[col - 1:]] + lines[n + 1:], line
    if _DASH_SPACE in message:  # every item of the text, from its first line on
        out = list(lines)
        for k in range(n, len(lines)):
            body = lines[k].lstrip(" ")
            if not body.startswith("-") or body.startswith("- "):
                break
            out[k] = lines[k][: len(lines[k]) - len(body)] + "- " + body[1:]
        return out, line
    if m := _SPACE_AFTER_COLON.search(message):
        wrong = m.group(1)
        return lines[:n] + [here.replace(wrong, wrong.replace(":", ": ", 1), 1)] + lines[n + 1:], line
    if m := _RETYPE_CHAR.search(message) or _REPLACE_CHAR.search(message):
        assert here[col - 1] == chr(int(m.group(1), 16)), (here, col)
        right = " " if m.group(m.lastindex) == "space" else m.group(2)
        return lines[:n] + [here[:col - 1] + right + here[col:]] + lines[n + 1:], line
    if any(words in message for words in _INDENT):
        body = here.lstrip(" \t\u00a0\u202f\u3000\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a")
        indent = here[: len(here) - len(body)]
        width = re.search(r"\((\d+) spaces in all\)", message)
        spaces = int(width.group(1)) if width else len(indent)
        return lines[:n] + [" " * spaces + body] + lines[n + 1:], line
    return None


def proposes(message: str) -> bool:
    """Whether MESSAGE proposes replacement text that apply_fix can apply."""
    # (not "'!!python/...' ...: delete it": what follows such a tag is not the user's text)
    patterns = (_LINES, _VALUE, _RETYPE, _MEANT, _MEANT_BRACES, _SPACE_AFTER_COLON, _RETYPE_CHAR, _REPLACE_CHAR,
                _WRITE_AS, _DELETE_CHAR)
    return (any(p.search(message) for p in patterns) or any(words in message for words in _INDENT)
            or message.startswith((_DELETE_LINE, _DOUBLE_BACKSLASH)) or _DASH_SPACE in message)


def _fixes(case: str) -> list[tuple[int, dict]]:
    expected = (CORPUS / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    out = []
    for i, text in enumerate(expected):
        m = _LINE.match(text)
        if m is not None and proposes(m["message"]):
            out.append((i, m.groupdict()))
    return out


FIXES = [(case, i) for case in CASES for i, _ in _fixes(case)]


def test_the_corpus_has_fixes_to_apply():
    assert len(FIXES) >= 25


@pytest.mark.parametrize("case, index", FIXES)
def test_a_proposed_fix_applied_literally_works(tmp_path, cli, case, index):
    ws = corpus_workspace(case, tmp_path / "ws")
    found = dict(_fixes(case))[index]
    path = ws / found["file"]
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    fixed = apply_fix(lines, int(found["line"]), int(found["col"]), found["message"].replace("{ws}", str(ws)))
    assert fixed is not None
    new_lines, last = fixed
    path.write_text("\n".join(new_lines), encoding="utf-8")
    result = cli("check", ws)
    assert "Traceback" not in result.output
    shown = f"{ws}/{found['file']}:"
    others = {line.replace("{ws}", str(ws)) for line in
              (CORPUS / case / "expected.txt").read_text(encoding="utf-8").splitlines()}
    for problem in problem_lines(result.stderr):
        if not problem.startswith(shown) or problem in others:  # another slip of the case, still there
            continue
        where = problem[len(shown):].split(":")
        located = where[0].isdigit()  # "FILE: error: ..." is about the whole file: before any line
        at, at_col = (int(where[0]), int(where[1])) if located else (0, 0)
        later = at > last or (at == last == int(found["line"]) and at_col > int(found["col"]))
        if ": error: " in problem or at == int(found["line"]):
            assert later, (f"after applying the fix of {case} ({found['message']!r}), "
                               f"a problem at or before the fixed line:\n{problem}\n--- file:\n" + "\n".join(new_lines))
