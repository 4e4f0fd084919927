"""Help in the editor (issue 9, part 5): the JSON Schemas, checked with a real validator.

One truth: every workspace `check` accepts validates against the schemas (the example, the
starter workspace, generated workspaces, and every workspace a test writes with
conftest.write_files, through an autouse fixture), and every shape error of tests/corpus is
rejected by them. Values are typed as editors type them (YAML 1.2: conftest.load_yaml12).

Which corpus cases count as shape errors: those whose expected lines include a message the
schemas mirror (SHAPE below): an unknown or missing key; a mapping, list or text where another
belongs; an empty list or text where one is needed; a value that is not an id, a locale, a
voice name, a category, true/false or a built-in bank name; a bank listed twice; a control
character in text. The rest are outside what a schema of one file can see: YAML syntax (the
editor's parser reports it), references to other files (question and story ids), duplicate
ids, placeholders, cloze syntax, photo files, file names.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import (
    EXAMPLE,
    REPO,
    checks_clean,
    load_yaml12,
    schema_errors,
    write_files,
)
from hypothesis import given, settings
from jsonschema import Draft7Validator
from test_errors import CORPUS, corpus_workspace
from test_properties import FAST, as_yaml, broken_workspaces, valid_workspaces

from deck_builder.sources import keys
from deck_builder.sources.schema import (
    KINDS,
    SCHEMA_DIR,
    file_schema,
    schema_line,
    shipped_schemas,
    wire_workspace,
)

SHAPE = re.compile(
    r": error: .*(unknown key|missing required key|expected a mapping|expected a list|expected text"
    r"|expected true or false|give at least one|is not a valid id|is not a locale|is not a voice name"
    r"|unknown built-in bank|is listed twice|use a word or two|control character U\+\w+ is not allowed in text)"
)
NOT_ONE_FILE = re.compile(r"company file name|invalid YAML|YAML tag|\(a tag\)|YAML alias|YAML anchor|merge key|not UTF-8|in YAML text")


def _expected(case: str) -> list[str]:
    return (CORPUS / case / "expected.txt").read_text(encoding="utf-8").splitlines()


SHAPE_CASES = sorted(
    d.name for d in CORPUS.iterdir()
    if d.is_dir() and not d.name.startswith("_")
    and any(SHAPE.search(line) and not NOT_ONE_FILE.search(line) for line in _expected(d.name))
    and not any(NOT_ONE_FILE.search(line) for line in _expected(d.name))
)


def test_schemas_are_valid_draft_7():
    for kind in KINDS:
        Draft7Validator.check_schema(file_schema(kind))


def test_shipped_schemas_are_made_from_keys_py():
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "update_schemas.py"), "--check"], cwd=REPO)
    assert proc.returncode == 0, "the shipped schemas are stale: run python scripts/update_schemas.py"


def test_example_matches_the_schemas(example):
    assert checks_clean(example)
    assert schema_errors(example) == []
    assert len(list(example.rglob("*.yaml"))) >= 5


def test_starter_workspace_matches_the_schemas(tmp_path, cli):
    assert cli("init", tmp_path / "ws").exit_code == 0
    assert checks_clean(tmp_path / "ws")
    assert schema_errors(tmp_path / "ws") == []


def test_corpus_has_shape_cases():
    assert len(SHAPE_CASES) >= 25, SHAPE_CASES


@pytest.mark.parametrize("case", SHAPE_CASES)
def test_schemas_reject_each_shape_error_of_the_corpus(tmp_path, case):
    ws = corpus_workspace(case, tmp_path / "ws")
    assert not checks_clean(ws)
    assert schema_errors(ws), f"the schemas accept {case}, which check rejects: {_expected(case)}"


def test_schemas_accept_the_corpus_base():
    assert schema_errors(CORPUS / "_base") == []


# -- values as editors type them: what deck-builder reads as text is text to the schemas too ---

TYPED_AS_NUMBERS_AND_BOOLEANS = {
    "deck.yaml": "deck: 2026\nbanks: []\ntts: ~\npoint_cards: yes\nvoices: [1, Samantha]\n",
    "answers.yaml": "why-us:\n  points: [1999, true, 1.10, 2025-03-01, 0x1F, .inf]\n  notes: 12\n  stories: [2015]\n",
    "stories.yaml": "2015:\n  title: 1999\n  result: 3.5\n  situation: ~\n  task: no\n  action: false\n",
    "questions/mine.yaml": "bank: 2026\nquestions:\n  - id: why-us\n    ask: 42\n    category: 2024\n    why: null\n",
    "companies/acme.yaml": (
        "name: 3M\nrole: ~\nfacts:\n  - q: 1999\n    a: 2015\n    id: 1999\n  - cloze: 'In {{c1::1999}}'\n    source: 7\n"
        "products:\n  - name: 360\n    about: true\nquestions_to_ask:\n  - 1\ntailoring:\n  why-us: [2]\n"
    ),
}


def test_numbers_booleans_and_dates_are_text_to_the_schemas(tmp_path):
    files = dict(TYPED_AS_NUMBERS_AND_BOOLEANS)
    files["stories.yaml"] += "s:\n  title: T\n  result: R\n"
    files["answers.yaml"] = files["answers.yaml"].replace("stories: [2015]", "stories: ['2015']")
    ws = write_files(tmp_path / "ws", files)
    assert checks_clean(ws)
    data = load_yaml12((ws / "answers.yaml").read_bytes())
    assert data["why-us"]["points"][:2] == [1999, True]  # typed as YAML 1.2 types them
    assert schema_errors(ws) == []


@pytest.mark.parametrize(("rel", "text"), [
    ("deck.yaml", "point_cards: maybe\n"),
    ("deck.yaml", "point_cards:\n"),
    ("deck.yaml", "tts: english\n"),
    ("deck.yaml", "voices: ['Sam;antha']\n"),
    ("deck.yaml", "deck: ''\n"),
    ("answers.yaml", "Why Us:\n  points: [x]\n"),
    ("answers.yaml", "career-goals:\n  points: [x]\n  stories: [First Win]\n"),
    ("answers.yaml", "career-goals:\n  points: [x, '  ']\n"),
    ("answers.yaml", "career-goals:\n  points: [x]\n  notes: [a, b]\n"),
    ("questions/mine.yaml", "bank: B\nquestions:\n  - id: a\n    ask: Why?\n    category: 'team  work'\n"),
    ("questions/mine.yaml", "bank: B\nquestions:\n  - id: a\n    ask: ''\n"),
    ("questions/mine.yaml", "bank: B\n"),
    ("companies/acme.yaml", "name: Acme\nfacts:\n  - cloze: '{{c1::x}}'\n    q: Why?\n"),
    ("companies/acme.yaml", "name: Acme\nfacts:\n  - q: Why?\n"),
    ("companies/acme.yaml", "name: Acme\nfacts:\n  - Founded in 2015\n"),
    ("companies/acme.yaml", "name: Acme\nproducts:\n  - name: X\n    about: Y\n    id: X_1\n"),
    ("companies/acme.yaml", "name: Acme\npeople:\n  - name: Jo\n    role: CEO\n    photo: ''\n"),
    ("companies/acme.yaml", "name: Acme\ntailoring:\n  career-goals:\n"),
    ("companies/acme.yaml", "name: Acme\ntailoring: [x]\n"),
    ("companies/acme.yaml", "name: ~\n"),
])
def test_schemas_and_check_both_reject(tmp_path, rel, text):
    ws = write_files(tmp_path / "ws", {"answers.yaml": (CORPUS / "_base" / "answers.yaml").read_text(), rel: text})
    assert not checks_clean(ws)
    assert schema_errors(ws)


# -- generated workspaces ----------------------------------------------------------------------

@settings(max_examples=30, **FAST)
@given(ws=valid_workspaces())
def test_generated_valid_workspaces_match_the_schemas(ws):
    with tempfile.TemporaryDirectory() as tmp:
        root = write_files(Path(tmp) / "ws", {rel: text.encode() for rel, text in as_yaml(ws).items()})
        assert checks_clean(root)
        assert schema_errors(root) == []


@settings(max_examples=60, **FAST)
@given(case=broken_workspaces())
def test_schemas_never_reject_what_check_accepts(case):
    files = case[0]
    with tempfile.TemporaryDirectory() as tmp:
        root = write_files(Path(tmp) / "ws", {r: c.encode() if isinstance(c, str) else c for r, c in files.items()})
        if checks_clean(root):
            assert schema_errors(root) == []


# -- the docs and the table are one ---------------------------------------------------------

def _doc_tables() -> list[dict[str, list[str]]]:
    """docs/format.md's key tables: key -> [required?, type, meaning, default], per table."""
    tables, current = [], None
    for line in (REPO / "docs" / "format.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")] if line.startswith("|") else None
        if cells == ["key", "required?", "type", "meaning", "default"]:
            current = {}
            tables.append(current)
        elif cells and current is not None and len(cells) == 5 and cells[0].startswith("`"):
            current[cells[0].strip("`")] = cells[1:]
        elif not line.startswith("|"):
            current = None
    return tables


DOCUMENTED = [  # each key table of docs/format.md and the records it documents
    (keys.SETTINGS,), (keys.BANK,), (keys.QUESTION,), (keys.ANSWER,), (keys.STORY,), (keys.COMPANY,),
    (keys.FACT, keys.CLOZE_FACT), (keys.PRODUCT,), (keys.PERSON,),
]


@pytest.mark.parametrize("records", DOCUMENTED, ids=lambda rs: "+".join(k.name for r in rs for k in r.keys))
def test_docs_key_table_says_what_keys_py_says(records):
    declared = {k.name: k for r in records for k in r.keys}
    tables = [t for t in _doc_tables() if set(t) == set(declared)]
    assert len(tables) == 1, f"docs/format.md needs one key table with exactly the keys {sorted(declared)}"
    for name, (required, type_, meaning, default) in tables[0].items():
        key = declared[name]
        assert required.startswith("yes") == key.required, name
        assert [type_, meaning, default] == [key.type, key.meaning, key.default], name


# -- wiring ----------------------------------------------------------------------------------

def _first_lines(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8").splitlines()[0]
            for p in sorted(root.rglob("*.yaml")) if SCHEMA_DIR not in p.as_posix()}


def _schema_named(path: Path) -> Path:
    """The schema file a wired file names, resolved as the editors resolve it: from its folder."""
    line = path.read_text(encoding="utf-8-sig").splitlines()[0]
    return (path.parent / line.split("$schema=", 1)[1]).resolve()


def test_init_names_each_files_schema_and_ships_it(tmp_path, cli):
    ws = tmp_path / "ws"
    assert cli("init", ws).exit_code == 0
    lines = _first_lines(ws)
    assert set(lines) == {"deck.yaml", "answers.yaml", "stories.yaml", "questions/my-questions.yaml",
                          "companies/example-co.yaml"}
    for rel, line in lines.items():
        assert line.startswith("# yaml-language-server: $schema="), rel
        named = _schema_named(ws / rel)
        assert named.is_file() and named.parent == (ws / SCHEMA_DIR).resolve(), rel
    assert {p.name: p.read_bytes() for p in (ws / SCHEMA_DIR).iterdir()} == shipped_schemas()
    report = wire_workspace(ws)  # nothing to do: init's lines are the ones wiring writes
    assert report.schemas == report.added == report.corrected == []
    assert sorted(report.already) == sorted(lines)


def test_wiring_adds_one_line_and_keeps_every_byte(tmp_path, cli):
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLE, ws, ignore=shutil.ignore_patterns("build", ".deck-builder"))
    (ws / "stories.yaml").write_bytes(b"\xef\xbb\xbf" + (ws / "stories.yaml").read_bytes().replace(b"\n", b"\r\n"))
    before = {p.relative_to(ws).as_posix(): p.read_bytes() for p in ws.rglob("*") if p.is_file()}
    checked_before = cli("check", ws)

    result = cli("schemas", ws)

    assert result.exit_code == 0, result.output
    wired = ["deck.yaml", "answers.yaml", "stories.yaml", "questions/my-questions.yaml", "companies/northwind.yaml"]
    assert result.stdout.splitlines()[:7] == [
        f"Wrote 5 editor schemas to {ws}/{SCHEMA_DIR}/.",
        "Added the schema line at the top of 5 files:", *(f"  {rel}" for rel in wired)]
    for rel, data in before.items():
        now = (ws / rel).read_bytes()
        if rel not in wired:
            assert now == data, rel
            continue
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        eol = b"\r\n" if b"\r\n" in data else b"\n"
        assert now == bom + schema_line(rel, _kind(rel)).encode() + eol + data[len(bom):], rel
        assert _schema_named(ws / rel) == (ws / SCHEMA_DIR / KINDS[_kind(rel)][0]).resolve()
    checked = cli("check", ws)  # same verdict; every message one line lower
    assert checked.exit_code == checked_before.exit_code == 0
    assert checked.stdout == checked_before.stdout

    again = cli("schemas", ws)
    assert again.stdout.splitlines()[:2] == [
        f"The editor schemas in {ws}/{SCHEMA_DIR}/ are up to date.", f"Already wired: {', '.join(wired)}"]


def _kind(rel: str) -> str:
    from deck_builder.sources.schema import file_kind

    return file_kind(rel)


def test_wiring_corrects_the_line_of_a_moved_file_and_leaves_other_schemas_alone(tmp_path, cli):
    ws = write_files(tmp_path / "ws", {
        "answers.yaml": "# yaml-language-server: $schema=https://example.com/mine.json\ncareer-goals:\n  points: [x]\n",
        "stories.yaml": "# yaml-language-server: $schema=none\n",
        "companies/acme.yaml": "name: Acme  # the company\n",
    })
    assert cli("schemas", ws).exit_code == 0
    (ws / "companies" / "active").mkdir()
    (ws / "companies" / "acme.yaml").rename(ws / "companies" / "active" / "acme.yaml")
    moved = ws / "companies" / "active" / "acme.yaml"

    result = cli("schemas", ws)

    assert result.exit_code == 0, result.output
    assert "Corrected the schema line (the file had moved) of 1 file:\n  companies/active/acme.yaml\n" in result.stdout
    assert "Left as they are (they name another schema): answers.yaml, stories.yaml" in result.stdout
    assert moved.read_text(encoding="utf-8") == (
        "# yaml-language-server: $schema=../../.deck-builder/schemas/company.schema.json\nname: Acme  # the company\n")
    assert _schema_named(moved) == (ws / SCHEMA_DIR / "company.schema.json").resolve()
    assert (ws / "answers.yaml").read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=https://")
    assert (ws / "stories.yaml").read_text(encoding="utf-8") == "# yaml-language-server: $schema=none\n"


def test_wiring_skips_what_it_cannot_edit_safely(tmp_path, cli):
    ws = write_files(tmp_path / "ws", {"answers.yaml": b"career-goals:\n  points: [caf\xe9]\n",
                                       "companies/real.yaml": "name: Real\n"})
    (ws / "companies" / "link.yaml").symlink_to(ws / "companies" / "real.yaml")
    result = cli("schemas", ws)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"warning: {ws}/answers.yaml: not wired: it is not UTF-8 text ('deck-builder check' says where)",
        f"warning: {ws}/companies/link.yaml: not wired: it is a link; run this in the folder of the file it points to",
    ]
    assert (ws / "answers.yaml").read_bytes() == b"career-goals:\n  points: [caf\xe9]\n"
    assert (ws / "companies" / "link.yaml").is_symlink()


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: None, "error: no workspace at '{p}': the folder does not exist (create one with 'deck-builder init {p}')"),
    (lambda p: p.mkdir(), "error: '{p}' has none of deck.yaml, answers.yaml, stories.yaml, questions/ or companies/; "
                          "nothing was written (start a workspace with 'deck-builder init {p}')"),
])
def test_wiring_a_folder_that_is_no_workspace_writes_nothing(tmp_path, cli, make, message):
    folder = tmp_path / "nothing"
    make(folder)
    result = cli("schemas", folder)
    assert result.exit_code == 1
    assert result.stderr == message.format(p=folder) + "\n"
    assert not (folder / ".deck-builder").exists()


def test_build_brings_a_wired_workspaces_schemas_up_to_date(tmp_path, cli):
    ws = write_files(tmp_path / "ws", {"answers.yaml": (CORPUS / "_base" / "answers.yaml").read_text()})
    assert cli("build", ws).exit_code == 0
    assert not (ws / SCHEMA_DIR).exists()  # a workspace that was never wired is left as it is
    assert cli("schemas", ws).exit_code == 0
    stale = ws / SCHEMA_DIR / "company.schema.json"
    stale.write_text("{}", encoding="utf-8")  # as written by an older version
    assert cli("build", ws).exit_code == 0
    assert stale.read_bytes() == shipped_schemas()["company.schema.json"]


def test_wheel_ships_the_schemas_and_init_from_it_writes_them(tmp_path):
    source = tmp_path / "source"

    def ignore(folder, names):  # what test_install leaves out, except the starter's schemas
        keep_schemas = Path(folder).name == "skeleton"
        return {n for n in names if n in (".git", "build", "test-artifacts") or n.endswith(".egg-info")
                or (n == ".deck-builder" and not keep_schemas)}

    shutil.copytree(REPO, source, ignore=ignore)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(source)], check=True, capture_output=True, text=True)
    (wheel,) = tmp_path.glob("deck_builder-*.whl")
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    for name, _ in KINDS.values():
        assert f"deck_builder/skeleton/.deck-builder/schemas/{name}" in names, name
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (f"import sys; sys.path.insert(0, {str(site)!r})\n"
            "import deck_builder\n"
            f"assert deck_builder.__file__.startswith({str(site)!r}), deck_builder.__file__\n"
            "from deck_builder.cli import main\n"
            f"main(['init', {str(tmp_path / 'ws')!r}])\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "ws" / SCHEMA_DIR).iterdir()} == shipped_schemas()


def test_init_replaces_old_schemas_but_never_a_source_file(tmp_path, cli):
    ws = tmp_path / "ws"
    (ws / SCHEMA_DIR).mkdir(parents=True)
    (ws / SCHEMA_DIR / "deck.schema.json").write_text("{}", encoding="utf-8")  # left by an older version
    assert cli("init", ws).exit_code == 0
    assert (ws / SCHEMA_DIR / "deck.schema.json").read_bytes() == shipped_schemas()["deck.schema.json"]
