"""Promises about the sources that must outlive a rewrite (issue 17): Markdown parsed by another
parser is never reused, no text YAML reads as a comment is lost without a warning in any
scalar style, and rename detection never pairs a new item that has no evidence of its own.

Everything runs for real: builds in fresh processes against a copy of the installed parser
(markdown-it and what it depends on) whose version string is changed as an upgrade changes
it, `check` and `build` through the command line, and the build state as the file on disk.
Nothing here names deck-builder's caches or signatures, so the tests hold wherever they end up.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, write_files
from test_errors import ANSWER, problem_lines


# -- cached Markdown and the parser's version ---------------------------------------------------

def _runtime_requirements(dist: str) -> list[str]:
    """The packages DIST needs at run time (no extras), as importable module names."""
    names = []
    for req in importlib.metadata.requires(dist) or ():
        if "extra ==" in req:
            continue
        name = re.match(r"[A-Za-z0-9_.-]+", req).group().lower().replace("-", "_")
        names.append(name)
    return names


# markdown-it and every package it needs to parse: a new version of any may parse differently.
PARSER_PACKAGES = ["markdown_it"] + _runtime_requirements("markdown-it-py")
TEXT = "Cut **costs** by 20%"  # Markdown: goes through the parser (plain text would not)
PARSED = "Cut <strong>costs</strong> by 20%"
STALE = "Cut <em>an older parser's</em> costs"


def _copy_packages(site: Path) -> None:
    """Copies of the installed parser packages in SITE, their files' times kept (copy2)."""
    for name in PARSER_PACKAGES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.submodule_search_locations, name
        shutil.copytree(next(iter(spec.submodule_search_locations)), site / name,
                        ignore=shutil.ignore_patterns("__pycache__"))


def _build(ws: Path, site: Path) -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(REPO)]), PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONSTARTUP", None)
    proc = subprocess.run([sys.executable, "-m", "deck_builder", "build", str(ws), "-o", str(ws.parent / "out.apkg")],
                          capture_output=True, text=True, env=env, cwd=ws.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    # the build used the copies, not the installed packages
    where = subprocess.run([sys.executable, "-c", "import sys, markdown_it, mdurl; "
                            "print(markdown_it.__file__); print(mdurl.__file__)"],
                           capture_output=True, text=True, env=env, check=True).stdout.split()
    assert all(Path(w).is_relative_to(site) for w in where), where


def _state(ws: Path) -> dict:
    return json.loads((ws / ".deck-builder" / "state.json").read_text(encoding="utf-8"))


def _points_fields(ws: Path) -> list[str]:
    """The fields the last build gave the key points' note, as the build state records them."""
    [record] = [r for r in _state(ws)["notes"].values() if r["kind"] == "points"]
    return record["fields"]


def _poison_the_cache(ws: Path) -> None:
    """Hand the next build a cache holding another parser's HTML for TEXT (as an older one gave)."""
    path = ws / ".deck-builder" / "state.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    hits = [k for k in data.get("markdown", {}) if k[1:] == TEXT]
    assert hits, f"the build state keeps no parsed HTML for {TEXT!r}: {data.get('markdown')}"
    for k in hits:
        data["markdown"][k] = STALE
    path.write_text(json.dumps(data), encoding="utf-8")


def _new_version(init: Path) -> None:
    """An upgrade of the package: another __version__, the file's size and times unchanged (as
    an install that keeps the files' times, or one at the same second, leaves it)."""
    st = init.stat()
    text = init.read_text(encoding="utf-8")
    m = re.search(r"""__version__\s*=\s*["']([^"']+)["']""", text)
    assert m, f"{init} has no __version__"
    old = m.group(1)
    new = old[:-1] + ("9" if old[-1] != "9" else "8")  # the same length
    init.write_text(text[:m.start(1)] + new + text[m.end(1):], encoding="utf-8")
    os.utime(init, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert init.stat().st_size == st.st_size


@pytest.mark.parametrize("package", PARSER_PACKAGES)
def test_markdown_cached_by_another_version_of_the_parser_is_parsed_again(tmp_path, package):
    site = tmp_path / "site"
    _copy_packages(site)
    ws = write_files(tmp_path / "ws", {"answers.yaml": f"career-goals:\n  points:\n    - {TEXT}\n    - Lead a team.\n"})
    _build(ws, site)
    assert PARSED in " ".join(_points_fields(ws))

    # The test can see a reused cache: with the same parser, the cached HTML is what the card gets.
    _poison_the_cache(ws)
    _build(ws, site)
    assert STALE in " ".join(_points_fields(ws)), "the cache is not used at all: this test would prove nothing"

    # A new version of the parser (or of what it depends on) parses every text again.
    _poison_the_cache(ws)
    _new_version(site / package / "__init__.py")
    _build(ws, site)
    fields = " ".join(_points_fields(ws))
    assert STALE not in fields and PARSED in fields, f"the Markdown {package} parsed before was reused: {fields}"


# -- comment-like text in every scalar style ------------------------------------------------

def _answers(cli, workspace, body: str, command: str = "check"):
    """`COMMAND` on a workspace whose answers.yaml is BODY -> (result, workspace)."""
    ws = workspace({"answers.yaml": body})
    result = cli(command, ws)
    assert "Traceback" not in result.output
    return result, ws


LOST = [
    pytest.param(  # the ' #' on the last line of wrapped plain text
        "career-goals:\n  points:\n    - Cut costs by 20%\n      and more #1 priority for the board\n",
        ["answers.yaml:4:16: warning: points item: the words '#1 priority for the board' are left out: YAML reads ' #' "
         "and what follows as a comment; to keep them, put the whole text in quotes: \"Cut costs by 20% and more #1 "
         "priority for the board\" (a note to yourself goes on a line of its own)"],
        id="plain text wrapped over two lines"),
    pytest.param(
        "career-goals:\n  points:\n    - Lead a team.\n  notes:\n    Text on the next line #1 priority\n",
        ["answers.yaml:5:27: warning: notes: the words '#1 priority' are left out: YAML reads ' #' and what follows as "
         "a comment; to keep them, put the whole text in quotes: \"Text on the next line #1 priority\" (a note to "
         "yourself goes on a line of its own)"],
        id="plain text on the line under its key"),
    pytest.param(
        "career-goals:\n  points:\n    - \"Cut costs by 20%\" #1 priority for the board\n",
        ["answers.yaml:3:26: warning: points item: the words '#1 priority for the board' after the closing quote are "
         "left out: YAML reads ' #' and what follows as a comment; to keep them, put them inside the quotes: "
         "\"Cut costs by 20% #1 priority for the board\" (a note to yourself goes on a line of its own)"],
        id="after double quotes"),
    pytest.param(
        "career-goals:\n  points:\n    - Lead a team.\n  notes: 'Cut costs' #1 priority\n",
        ["answers.yaml:4:22: warning: notes: the words '#1 priority' after the closing quote are left out: YAML reads "
         "' #' and what follows as a comment; to keep them, put them inside the quotes: \"Cut costs #1 priority\" (a "
         "note to yourself goes on a line of its own)"],
        id="after single quotes"),
    pytest.param(
        "career-goals:\n  points:\n    - Lead a team.\n  notes: \"Cut costs #1\n    for the board\" #2 of three\n",
        ["answers.yaml:5:20: warning: notes: the words '#2 of three' after the closing quote are left out: YAML reads "
         "' #' and what follows as a comment; to keep them, put them inside the quotes: \"Cut costs #1 for the board #2 "
         "of three\" (a note to yourself goes on a line of its own)"],
        id="after quotes wrapped over two lines"),
    pytest.param(
        "career-goals:\n  points:\n    - Lead a team.\n  notes: | #1 priority\n    Cut costs.\n",
        ["answers.yaml:4:12: warning: notes: the words '#1 priority' after '|' are left out: YAML reads ' #' and what "
         "follows as a comment; to keep them, put them on the next line, indented like the text under it (a note to "
         "yourself goes on a line of its own)"],
        id="on the line of a block's |"),
    pytest.param(
        "career-goals:\n  points:\n    - Lead a team.\n  notes: >- #1 priority\n    Cut costs.\n",
        ["answers.yaml:4:13: warning: notes: the words '#1 priority' after '>-' are left out: YAML reads ' #' and what "
         "follows as a comment; to keep them, put them on the next line, indented like the text under it (a note to "
         "yourself goes on a line of its own)"],
        id="on the line of a folded block's >-"),
    pytest.param(
        "career-goals:\n  points: [Cut costs,\n    Grow #1 priority\n    ]\n",
        ["answers.yaml:3:10: warning: points item: the words '#1 priority' are left out: YAML reads ' #' and what "
         "follows as a comment; to keep them, put the whole text in quotes: \"Grow #1 priority\" (a note to yourself "
         "goes on a line of its own)"],
        id="after an item of a list in brackets"),
    pytest.param(
        "career-goals:\n  points: [Cut costs, #1 priority\n    Grow]\n",
        ["answers.yaml:2:23: warning: the words '#1 priority' are left out: YAML reads ' #' and what follows as a "
         "comment, inside [ ] and { } too; to keep them, put them in quotes: \"#1 priority\" (a note to yourself goes "
         "on a line of its own)"],
        id="after a comma in brackets"),
    pytest.param(
        "career-goals:\n  points: [ #1 priority\n    Grow]\n",
        ["answers.yaml:2:13: warning: the words '#1 priority' are left out: YAML reads ' #' and what follows as a "
         "comment, inside [ ] and { } too; to keep them, put them in quotes: \"#1 priority\" (a note to yourself goes "
         "on a line of its own)"],
        id="after an opening bracket"),
    pytest.param(
        "career-goals:\n  points: [Cut costs, Grow] #1 priority\n",
        ["answers.yaml:2:29: warning: the words '#1 priority' after ']' are left out: YAML reads ' #' and what follows "
         "as a comment; to keep them, put them in quotes inside the brackets: \"#1 priority\" (a note to yourself goes "
         "on a line of its own)"],
        id="after a closing bracket"),
    pytest.param(
        "career-goals:\n  points: [Lead a team.]\n  notes: {a: b} #1 priority\n",
        None,  # an error (notes must be text); what matters is that the dropped words are named too
        id="after a closing brace"),
]


@pytest.mark.parametrize(("body", "warnings"), LOST)
def test_text_yaml_reads_as_a_comment_is_never_lost_without_a_warning(cli, workspace, body, warnings):
    result, ws = _answers(cli, workspace, body)
    lines = problem_lines(result.stderr)
    if warnings is None:
        assert any("'#1 priority'" in line and ": warning: " in line and "after '}'" in line for line in lines), lines
        return
    assert result.exit_code == 0, result.output
    assert lines == [f"{ws}/{w}" for w in warnings]
    built = cli("build", ws)  # build says it too
    assert [f"{ws}/{w}" for w in warnings] == problem_lines(built.stderr)


def test_a_comment_cutting_wrapped_text_is_an_error_that_names_it(cli, workspace):
    result, ws = _answers(cli, workspace, "career-goals:\n  points:\n    - Cut costs by 20% #1 priority\n"
                                          "      for the board\n")
    assert result.exit_code == 1
    [line] = problem_lines(result.stderr)
    assert line.startswith(f"{ws}/answers.yaml:4:7: error: ")
    assert "(the ' #' on line 3 starts a comment, which hides the rest of that line from YAML: put that text in quotes)" in line


KEPT = [
    pytest.param("  notes: \"Cut costs #1 priority\"\n", "Cut costs #1 priority", id="double quotes"),
    pytest.param("  notes: 'It''s my #1 priority'\n", "It's my #1 priority", id="single quotes"),
    pytest.param("  notes: \"Cut costs #1\n    priority\"\n", "Cut costs #1 priority", id="double quotes over two lines"),
    pytest.param("  notes: |\n    Cut costs #1 priority\n    # A heading\n    and more\n", "Cut costs #1 priority",
                 id="literal block"),
    pytest.param("  notes: >-\n    Cut costs #1 priority\n    #2 is growth\n", "Cut costs #1 priority #2 is growth",
                 id="folded block"),
    pytest.param("  notes: |  # line breaks kept\n    Cut costs #1 priority\n", "Cut costs #1 priority",
                 id="a block with a note to self after |"),
    pytest.param("  notes: \"Cut costs #1 priority\"  # a note to self\n", "Cut costs #1 priority",
                 id="quotes with a note to self after them"),
]


@pytest.mark.parametrize(("notes", "kept"), KEPT)
def test_a_hash_yaml_keeps_reaches_the_card_and_a_note_to_self_is_no_warning(cli, workspace, notes, kept):
    result, ws = _answers(cli, workspace, "career-goals:\n  points:\n    - Lead a team.\n" + notes, "build")
    assert result.exit_code == 0, result.output
    assert problem_lines(result.stderr) == []
    state = json.loads((ws / ".deck-builder" / "state.json").read_text(encoding="utf-8"))
    [answer] = [r for r in state["notes"].values() if r["kind"] == "answer"]
    assert kept in answer["fields"][4].replace("\n", " "), answer["fields"]


def test_a_hash_in_quotes_inside_brackets_reaches_the_card(cli, workspace):
    result, ws = _answers(cli, workspace, "career-goals:\n  points: [\"Cut costs #1\", 'Grow #2']  # two\n", "build")
    assert result.exit_code == 0, result.output
    assert problem_lines(result.stderr) == []
    state = json.loads((ws / ".deck-builder" / "state.json").read_text(encoding="utf-8"))
    [points] = [r for r in state["notes"].values() if r["kind"] == "points"]
    assert "<li>{{c1::Cut costs #1}}</li><li>{{c2::Grow #2}}</li>" in points["fields"][0], points["fields"]


def test_notes_to_self_in_brackets_are_no_warning(cli, workspace):
    result, ws = _answers(cli, workspace, "career-goals:\n  points: [Cut costs,  # the main one #1\n"
                                          "    # Grow is #2\n    Grow,\n    ]  # two\n", "check")
    assert result.exit_code == 0, result.output
    assert problem_lines(result.stderr) == []


# -- renames: no evidence, no pairing -------------------------------------------------------

def _renamed_after(cli, workspace, before: str, after: str):
    ws = workspace({"answers.yaml": ANSWER, "companies/acme.yaml": "name: Acme\n" + before})
    assert cli("build", ws).exit_code == 0
    (ws / "companies" / "acme.yaml").write_text("name: Acme\n" + after, encoding="utf-8")
    return cli("build", ws).stdout, cli("diff", ws).stdout


@pytest.mark.parametrize(("before", "after"), [
    pytest.param("people:\n  - name: Dana Whitfield\n    role: Head of Operations\n",
                 "people:\n  - name: Dana Whitefield\n    role: Head of Operations\n",
                 id="a person with no notes and no photo, a name alike"),
    pytest.param("people:\n  - name: Dana Whitfield\n    role: Head of Operations\n",
                 "people:\n  - name: Dana Whitefield\n    role: Head of Operations\n    notes: Met at the fair.\n",
                 id="the new one has notes, the old one none"),
    pytest.param("people:\n  - name: Dana Whitfield\n    role: Head of Operations\n    notes: Met at the fair.\n",
                 "people:\n  - name: Dana Whitefield\n    role: Head of Operations\n",
                 id="the old one had notes, the new one none"),
    pytest.param("facts:\n  - q: How many depots does Acme run in Europe?\n    a: 38 depots, mostly in Germany\n",
                 "facts:\n  - q: How many depots does Acme run in the EU?\n    a: 41 depots, mostly in Poland\n",
                 id="a fact with no source, a question alike, another answer"),
    pytest.param("facts:\n  - cloze: Acme runs {{c1::38}} depots in Europe, mostly in Germany.\n",
                 "facts:\n  - cloze: Acme runs {{c1::41}} depots in the EU, mostly in Poland.\n",
                 id="a cloze fact with no source, its text alike"),
])
def test_a_new_item_whose_evidence_is_empty_is_never_paired_with_a_removed_one(cli, workspace, before, after):
    built, diff = _renamed_after(cli, workspace, before, after)
    assert "Renamed?" not in built and "looks renamed" not in built
    assert "looks renamed" not in diff


@pytest.mark.parametrize(("before", "after"), [
    pytest.param("people:\n  - name: Dana Whitfield\n    role: Head of Operations\n    notes: Met at the fair.\n",
                 "people:\n  - name: Dana Whitefield\n    role: Head of Operations\n    notes: Met at the fair.\n",
                 id="a person whose notes match"),
    pytest.param("facts:\n  - q: How many depots does Acme run in Europe?\n    a: 38 depots, mostly in Germany\n",
                 "facts:\n  - q: How many depots does Acme run in the EU?\n    a: 38 depots, mostly in Germany\n",
                 id="a fact whose answer matches"),
])
def test_an_item_with_evidence_of_its_own_is_still_paired(cli, workspace, before, after):
    built, _ = _renamed_after(cli, workspace, before, after)
    assert "looks renamed" in built, built
