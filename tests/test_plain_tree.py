"""yamltree.plain_tree, the line reader for plain block YAML, makes exactly the tree the
parser's events make (yamlevents.Builder), or leaves the file to the parser.

Every file it reads must come out the same, down to each value's line and column, style,
null and one-line flags; every file it cannot vouch for must be refused (None), and then
parse() reads it with the parser as before."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deck_builder.sources import yamlevents
from deck_builder.sources.yamltree import Map, Scalar, Seq, parse, plain_tree

REPO = Path(__file__).resolve().parent.parent


def parser_tree(text: str, path: str = "f.yaml"):
    """What the parser's events make of TEXT: (tree, problems), or the error it raises."""
    builder = yamlevents.Builder(text, path)
    try:
        root = builder.build()
    except yaml.YAMLError as exc:
        return ("not YAML", type(exc).__name__)
    return root, builder.problems + builder.syntax_problems()


def same_or_refused(text: str, path: str = "f.yaml") -> bool:
    """Whether plain_tree read TEXT (and asserts it read it as the parser does)."""
    tree = plain_tree(text, path)
    if tree is None:
        return False
    assert parser_tree(text, path) == (tree, []), text
    assert parse(text, path) == (tree, [])
    return True


PLAIN = {
    "answers": """
        q0:
          points:
          - Point 0 of answer 0, short and specific.
          - Point 1, with {company} and a **bold** word.
          stories:
          - s0
        q1:
          notes: It is 7, up 3% on last year (R&D!).
    """,
    "indented list": """
        facts:
          - q: What is it?
            a: It is {{c1::4}} sites and {{c2::12}} depots.
            id: f1
          - cloze: a:b and http://example.com/x
    """,
    "nothing and nulls": """
        a:
        b: ~
        c: null
        d:
          e:
        f:   
    """,
    "one line mapping in a list": """
        - name: Ana
        - name: Bo
          role: CTO
        - just text
        - -5
    """,
    "text with odd characters": "title: Café \u200bzero width and  spaces   \nnbsp:  x\n",
    "keys": "on: yes\nx.y-z_1: 1999\n_k: v\n",
    "indented file": "  a: 1\n  b:\n  - x\n",
    "windows of blank lines": "\n\n\na: 1\n\n\n   \nb: 2\n\n",
    "empty list and mapping": "banks: []\nmore: {}\nitems:\n- []\n- {}\n- a: []\n",
}


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_plain_files_are_read_as_the_parser_reads_them(name):
    text = textwrap.dedent(PLAIN[name]).lstrip("\n")
    assert same_or_refused(text), "plain YAML should not need the parser"


NOT_PLAIN = {
    "comment": "a: 1 # one\n",
    "text over two lines": "a: one\n  two\n",
    "text on the line under its key": "a:\n  one\n",
    "repeated key": "a: 1\na: 2\n",
    "quotes": "a: 'one'\n",
    "double quotes": 'a: "one"\n',
    "block": "a: |\n  one\n",
    "flow": "a: [1, 2]\n",
    "text after brackets": "a: []x\n",
    "colon in text": "a: b: c\n",
    "text ending in a colon": "a: b:\n",
    "tab": "a:\t1\n",
    "anchor": "a: &x 1\n",
    "alias": "a: *x\n",
    "tag": "a: !!str 1\n",
    "document marker": "---\na: 1\n",
    "byte order mark inside": "a: 1\n\ufeffb: 2\n",
    "control character": "a: \x07\n",
    "line separator": "a: one\u2028two\n",
    "empty item": "- \n- x\n",
    "nested items on one line": "- - x\n",
    "list at the mapping's indent": "a: 1\n- x\n",
    "bad indent": "a:\n    b: 1\n  c: 2\n",
    "key with a space": "a b: 1\n",
    "odd space before a key": "\u00a0a: 1\n",
    "only text": "hello\n",
    "empty": "",
    "only blank lines": "\n  \n",
    "too deep": "".join("  " * k + "a:\n" for k in range(45)) + "  " * 45 + "b: x\n",
}


@pytest.mark.parametrize("name", sorted(NOT_PLAIN))
def test_anything_else_is_left_to_the_parser(name):
    assert plain_tree(NOT_PLAIN[name], "f.yaml") is None


def test_a_generated_workspace_is_read_by_lines(tmp_path):
    """The shapes benchmarks/scale.py writes (what yaml.safe_dump writes) are plain."""
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from scale import make_workspace
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    make_workspace(tmp_path / "ws", 600)
    read = {f.name: same_or_refused(f.read_text(), str(f)) for f in (tmp_path / "ws").rglob("*.yaml")}
    assert read == {"deck.yaml": True, "answers.yaml": True, "stories.yaml": True, "scale.yaml": True, "co0.yaml": True}


def test_every_yaml_file_of_the_repository_reads_the_same():
    read = 0
    for f in sorted(REPO.glob("**/*.yaml")):
        try:
            text = f.read_text(encoding="utf-8").replace("\r\n", "\n")
        except UnicodeDecodeError:
            continue
        read += same_or_refused(text, str(f))
    assert read >= 20  # most of the test corpus is plain


KEYS = st.sampled_from(["a", "b", "q0", "id", "x.y", "k-1", "_z", "on", "null", "a b", "\u00a0a"])
TEXTS = st.sampled_from([
    "text", "two words", "-5", "-", "- x", "~", "null", "Null", "x:", "a: b", "a:b", "::", "{company}", "[x]",
    "x]", "'q'", "it's", '"q"', "*b*", "&a", "!t", "|", ">", "%", "@", "`", "?x", ":x", "a ", "  ", "é",
    "\u00a0x", "x\u200b", "---", "...", "http://x", "a,b", "{{c1::x}}", "1999", "yes", "a #b", "a#b", "",
    "[]", "{}", "[] ", "[ ]", "[]x",
])


@st.composite
def lines(draw):
    indent = " " * draw(st.sampled_from([0, 0, 1, 2, 2, 3, 4, 4, 6]))
    kind = draw(st.integers(0, 9))
    if kind < 4:
        return f"{indent}{draw(KEYS)}:" + draw(st.sampled_from(["", " ", "  "])) + draw(TEXTS)
    if kind < 7:
        item = draw(st.one_of(TEXTS, st.builds(lambda k, t: f"{k}: {t}", KEYS, TEXTS), KEYS.map(lambda k: k + ":")))
        return f"{indent}- {item}"
    if kind < 8:
        return indent + draw(TEXTS)
    return "" if kind < 9 else indent + "-"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines(), min_size=1, max_size=8))
def test_any_file_it_reads_it_reads_as_the_parser_does(rows):
    same_or_refused("\n".join(rows))


def test_one_line_mapping_flag_follows_the_parser():
    tree = plain_tree("- a: 1\n- b:\n    c: 2\n", "f.yaml")
    assert isinstance(tree, Seq)
    first, second = tree.items
    assert first.oneline and not second.oneline
    assert isinstance(second.entries["b"][1], Map)
    assert tree == parser_tree("- a: 1\n- b:\n    c: 2\n")[0]
    assert isinstance(first.entries["a"][1], Scalar) and first.entries["a"][1].loc.col == 6


_IMPORTED = ("import sys; from deck_builder.build import build_deck; build_deck(sys.argv[1], sys.argv[2]); "
             "print([m for m in ('yaml', 'asyncio') if m in sys.modules])")


@pytest.mark.parametrize("comment, imported", [("", "[]"), ("  # a note to self", "['yaml']")])
def test_a_build_of_plain_files_needs_no_pyyaml(tmp_path, comment, imported):
    """A workspace of plain YAML is built without importing PyYAML (nor asyncio, genanki's
    cached-property would): one comment, and the file is read by the parser."""
    import os
    import subprocess
    import sys

    ws = tmp_path / "ws"
    (ws / "questions").mkdir(parents=True)
    (ws / "deck.yaml").write_text("deck: Plain\nbanks: []\n")
    (ws / "questions" / "mine.yaml").write_text("bank: Mine\nquestions:\n- id: q1\n  ask: Why us?\n")
    (ws / "answers.yaml").write_text(f"q1:\n  points:\n  - Growth{comment}\n  - Team\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", _IMPORTED, str(ws), str(tmp_path / "out.apkg")], env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == imported
    assert (tmp_path / "out.apkg").stat().st_size > 0


_STAND_IN = """
import sys, threading
from deck_builder.apkg import package
stand_in = package._yaml_stand_in()
sys.modules["yaml"] = stand_in  # as while genanki is imported: another thread imports yaml then
import yaml as grabbed
assert grabbed is stand_in
print(grabbed.safe_load("a: [1, 2]"), grabbed.CSafeLoader is sys.modules["yaml"].CSafeLoader,
      sys.modules["yaml"] is not stand_in)
import genanki
print(genanki.model.yaml.full_load("- x") if hasattr(genanki.model, "yaml") else "no yaml in genanki")
"""


def test_a_module_that_took_the_yaml_stand_in_gets_pyyaml_itself():
    """While genanki is imported, yaml is a stand-in (package._genanki): whoever imports yaml in
    that moment (another thread) keeps it, and must get PyYAML's own functions and classes."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", _STAND_IN], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["{'a': [1, 2]} True True", "['x']"]
