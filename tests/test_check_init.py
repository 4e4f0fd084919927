"""deck-builder init (the commented starter workspace), check (coverage, --strict) and --help.

Expected coverage figures are computed from the YAML files themselves (read with PyYAML,
not with deck-builder), so the tests follow the example workspace when it is edited.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import deck_builder.skeleton

REPO = Path(__file__).resolve().parent.parent
BANKS = REPO / "decks" / "banks"
SKELETON = Path(deck_builder.skeleton.__file__).parent


def skeleton_files() -> dict[str, bytes]:
    """Every file of the starter workspace in the source tree: relative path -> bytes."""
    return {
        p.relative_to(SKELETON).as_posix(): p.read_bytes()
        for p in sorted(SKELETON.rglob("*"))
        if p.is_file() and p.name != "__init__.py" and "__pycache__" not in p.parts
    }


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


# -- init -------------------------------------------------------------------------------------

def test_skeleton_is_not_empty():
    files = skeleton_files()
    for rel in ("deck.yaml", "answers.yaml", "stories.yaml"):
        assert rel in files
    assert any(rel.startswith("questions/") for rel in files)
    assert any(rel.startswith("companies/") for rel in files)
    assert any(rel.startswith("media/") for rel in files)


def test_init_creates_every_skeleton_file(tmp_path, cli):
    ws = tmp_path / "prep"
    result = cli("init", ws)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    expected = skeleton_files()
    assert files_under(ws) == set(expected)
    for rel, content in expected.items():
        assert (ws / rel).read_bytes() == content, rel
    listed = [line.strip() for line in result.stdout.splitlines() if line.startswith("  ")]
    schemas = [rel for rel in expected if rel.startswith(".deck-builder/schemas/")]
    assert listed == sorted(set(expected) - set(schemas)) + [
        f".deck-builder/schemas/  ({len(schemas)} schemas: help in your editor as you type)"]
    assert f"deck-builder check {ws}" in result.stdout


def test_init_creates_missing_parent_folders(tmp_path, cli):
    ws = tmp_path / "jobs" / "2026" / "prep"
    result = cli("init", ws)
    assert result.exit_code == 0, result.output
    assert files_under(ws) == set(skeleton_files())


def test_init_result_passes_check_and_builds(tmp_path, cli):
    ws = tmp_path / "prep"
    assert cli("init", ws).exit_code == 0
    checked = cli("check", ws, "--strict")
    assert checked.exit_code == 0, checked.output
    assert checked.stderr == ""
    assert "No errors, 0 warnings;" in checked.stdout

    built = cli("build", ws)
    assert built.exit_code == 0, built.output
    deck = yaml.safe_load((ws / "deck.yaml").read_text(encoding="utf-8"))["deck"]
    package = ws / "build" / f"{deck}.apkg"
    assert package.is_file()
    assert package.read_bytes()[:2] == b"PK"  # a zip, as .apkg files are
    assert f"Built {package}" in built.stdout


def key_lines(text: str) -> list[int]:
    """0-based line numbers of every mapping key in a YAML text, at any depth."""
    found = []

    def walk(node):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                found.append(key.start_mark.line)
                walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)

    walk(yaml.compose(text, Loader=yaml.SafeLoader))
    return found


SKELETON_YAML = sorted(rel for rel in skeleton_files() if rel.endswith(".yaml"))


@pytest.mark.parametrize("rel", SKELETON_YAML)
def test_every_skeleton_key_has_a_comment_above_it(rel):
    text = (SKELETON / rel).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("#"), "a skeleton file opens with a comment saying what it is"
    keys = key_lines(text)
    assert keys, "every skeleton file holds at least one key"
    top_level = [n for n in keys if not lines[n].startswith((" ", "-"))]
    assert top_level
    uncommented = [lines[n] for n in keys if not lines[n - 1].lstrip().startswith("#")]
    assert uncommented == []


def test_skeleton_has_all_yaml_kinds():
    assert {"deck.yaml", "answers.yaml", "stories.yaml"} <= set(SKELETON_YAML)
    assert len(SKELETON_YAML) >= 5


@pytest.mark.parametrize("existing", ["stories.yaml", "companies/example-co.yaml", "media/README.txt"])
def test_init_never_overwrites_and_writes_nothing(tmp_path, cli, existing):
    assert existing in skeleton_files()
    ws = tmp_path / "prep"
    mine = ws / existing
    mine.parent.mkdir(parents=True)
    mine.write_text("my own work\n", encoding="utf-8")

    result = cli("init", ws)

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert result.stderr == (
        f"error: '{ws}' already has {existing}; nothing was written "
        "(init never overwrites: choose a new folder or move those files away)\n"
    )
    assert files_under(ws) == {existing}
    assert mine.read_text(encoding="utf-8") == "my own work\n"
    assert {p.relative_to(ws).as_posix() for p in ws.rglob("*") if p.is_dir()} == (
        {Path(existing).parent.as_posix()} - {"."}
    )


def test_init_names_every_existing_file(tmp_path, cli):
    ws = tmp_path / "prep"
    ws.mkdir()
    (ws / "deck.yaml").write_text("deck: Mine\n", encoding="utf-8")
    (ws / "answers.yaml").write_text("", encoding="utf-8")
    result = cli("init", ws)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: '{ws}' already has answers.yaml, deck.yaml; nothing was written "
        "(init never overwrites: choose a new folder or move those files away)\n"
    )
    assert files_under(ws) == {"deck.yaml", "answers.yaml"}
    assert (ws / "deck.yaml").read_text(encoding="utf-8") == "deck: Mine\n"


def test_init_into_existing_unrelated_folder_keeps_its_files(tmp_path, cli):
    ws = tmp_path / "prep"
    ws.mkdir()
    (ws / "notes.txt").write_text("keep me\n", encoding="utf-8")
    result = cli("init", ws)
    assert result.exit_code == 0, result.output
    assert files_under(ws) == set(skeleton_files()) | {"notes.txt"}
    assert (ws / "notes.txt").read_text(encoding="utf-8") == "keep me\n"


# -- check on the example workspace ----------------------------------------------------------

def load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def expected_coverage(ws: Path) -> tuple[list[str], int]:
    """The coverage lines and note count that check should print, from the files alone."""
    settings = load(ws / "deck.yaml") if (ws / "deck.yaml").exists() else {}
    question_ids = []
    for name in settings.get("banks", ["second-interview"]):
        question_ids += [q["id"] for q in load(BANKS / f"{name}.yaml")["questions"]]
    for bank in sorted((ws / "questions").glob("*.yaml")):
        question_ids += [q["id"] for q in load(bank)["questions"]]
    answers = load(ws / "answers.yaml")
    stories = load(ws / "stories.yaml")

    answered = [q for q in question_ids if q in answers]
    missing = [q for q in question_ids if q not in answers]
    linked = {s for a in answers.values() for s in a.get("stories", [])}
    unused = [s for s in stories if s not in linked]

    lines = ["Coverage", f"  questions  {len(answered)} of {len(question_ids)} have talking points"]
    if missing:
        lines.append(f"             no talking points yet (no card until you add some): {', '.join(missing)}")
    story_line = f"  stories    {len(stories)}"
    if stories:
        story_line += f", unused: {', '.join(unused)}" if unused else ", all linked to an answer"
    lines.append(story_line)
    point_cards = settings.get("point_cards", True)
    # one note per answer, plus one of point clozes when it has two points or more
    notes = len(answered) + len(stories)
    notes += sum(1 for q in answered if point_cards and len(answers[q]["points"]) > 1)
    for path in sorted((ws / "companies").glob("*.yaml")):
        c = load(path)
        counts = [len(c.get(k, [])) for k in ("facts", "products", "people", "tailoring", "questions_to_ask")]
        facts, products, people, tailoring, asks = counts
        lines.append(
            f"  {path.stem:<10} {plural(facts, 'fact')}, {plural(products, 'product')}, "
            f"{plural(people, 'person', 'people')}, {plural(tailoring, 'tailored answer')}, "
            f"{plural(asks, 'question to ask', 'questions to ask')}"
        )
        notes += facts + products + people + tailoring + (1 if asks else 0)
        notes += sum(1 for pts in c.get("tailoring", {}).values() if point_cards and len(pts) > 1)
    return lines, notes


def clean_check_stdout(lines: list[str], notes: int) -> str:
    """What check prints for a workspace without problems: coverage, then the count."""
    return "\n".join(lines) + f"\n\nNo errors, 0 warnings; the deck would have {notes} notes.\n"


def test_check_example_reports_coverage(example, cli):
    result = cli("check", example)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    lines, notes = expected_coverage(example)
    # first-review is the example's deliberately unanswered question.
    assert any(line.endswith(": first-review") for line in lines)
    assert result.stdout == clean_check_stdout(lines, notes)


def test_check_example_company_line_counts_its_facts(example, cli):
    stdout = cli("check", example).stdout
    for path in sorted((example / "companies").glob("*.yaml")):
        facts = len(load(path)["facts"])
        assert re.search(rf"^  {re.escape(path.stem)} +{facts} facts, ", stdout, re.M), stdout


def test_check_lists_unused_stories(example, cli):
    with open(example / "stories.yaml", "a", encoding="utf-8") as fh:
        fh.write("\nnight-shift:\n  title: Covering a night shift\n  result: 0 missed trucks.\n")
    result = cli("check", example)
    assert result.exit_code == 0, result.output
    lines, notes = expected_coverage(example)
    assert "  stories    7, unused: night-shift" in lines
    assert result.stdout == clean_check_stdout(lines, notes)


def test_check_answering_a_question_removes_it_from_the_gaps(example, cli):
    with open(example / "answers.yaml", "a", encoding="utf-8") as fh:
        fh.write("\nfirst-review:\n  points:\n    - Calm under pressure at peak.\n")
    result = cli("check", example)
    assert result.exit_code == 0, result.output
    lines, notes = expected_coverage(example)
    assert "no talking points yet" not in result.stdout
    assert result.stdout == clean_check_stdout(lines, notes)


def test_check_defaults_to_the_current_folder(example, cli, monkeypatch):
    monkeypatch.chdir(example)
    result = cli("check")
    assert result.exit_code == 0, result.output
    assert result.stdout == cli("check", example).stdout


def test_check_workspace_without_companies_says_so(workspace, cli):
    ws = workspace({"answers.yaml": "career-goals:\n  points:\n    - Lead a team.\n"})
    result = cli("check", ws)
    assert result.exit_code == 0, result.output
    assert "  companies  none yet (add one as companies/ID.yaml)" in result.stdout.splitlines()
    assert "  stories    0" in result.stdout.splitlines()


# -- --strict ---------------------------------------------------------------------------------

def test_check_strict_passes_without_warnings(example, cli):
    result = cli("check", "--strict", example)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


@pytest.mark.parametrize(("rel", "warning"), [
    ("questions/extra.yml", "ignored: deck-builder reads only .yaml files; rename it to extra.yaml"),
    ("companies/acme.yml", "ignored: deck-builder reads only .yaml files; rename it to acme.yaml"),
    ("stories.yml", "ignored: deck-builder reads stories.yaml; rename this file"),
])
def test_ignored_yml_file_is_a_warning_and_fails_only_strict(example, cli, rel, warning):
    (example / rel).write_text("bank: Extra\nquestions: []\n", encoding="utf-8")

    relaxed = cli("check", example)
    assert relaxed.exit_code == 0, relaxed.output
    assert relaxed.stderr == f"{example}/{rel}: warning: {warning}\n"
    assert "No errors, 1 warning;" in relaxed.stdout

    strict = cli("check", "--strict", example)
    assert strict.exit_code == 1
    assert "Traceback" not in strict.output
    assert strict.stderr == f"{example}/{rel}: warning: {warning}\n--strict: warnings count as errors.\n"


def test_check_counts_one_note_in_the_singular(workspace, cli):
    ws = workspace({"answers.yaml": "career-goals:\n  points:\n    - Lead a team.\n"})
    result = cli("check", ws)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "No errors, 0 warnings; the deck would have 1 note."


def test_comments_agree_with_check_about_unanswered_questions(tmp_path, cli):
    """An unanswered question makes no note; the starter and example comments must not promise one."""
    ws = tmp_path / "prep"
    assert cli("init", ws).exit_code == 0
    stdout = cli("check", ws).stdout
    assert "no card until you add some" in stdout
    for path in (ws / "answers.yaml", REPO / "decks" / "example" / "answers.yaml"):
        comments = " ".join(
            line.lstrip("# ").strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.lstrip().startswith("#")
        )
        assert not re.search(r"still gets? a card", comments), path


# -- help -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "mentions"), [
    (["--help"], ["Usage:", "init", "check", "build", "--version"]),
    (["-h"], ["Usage:", "init", "check", "build"]),
    (["init", "--help"], ["FOLDER", "Never overwrites"]),
    (["check", "--help"], ["[FOLDER]", "--strict", "FILE:LINE:COL"]),
    (["build", "--help"], ["[FOLDER]", "-o, --output", ".apkg"]),
])
def test_help(cli, args, mentions):
    result = cli(*args)
    assert result.exit_code == 0
    assert result.stderr == ""
    for word in mentions:
        assert word in result.stdout, word


def test_init_without_folder_is_a_usage_error(cli):
    result = cli("init")
    assert result.exit_code == 2
    assert "Missing argument 'FOLDER'" in result.stderr


def test_banks_lists_builtin_banks_with_question_counts(cli):
    result = cli("banks")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "behavioral            20 questions  Behavioural questions",
        "second-interview       8 questions  Second interview",
    ]


def test_behavioral_bank_builds_into_a_deck(workspace, cli):
    ws = workspace({"deck.yaml": "banks: [behavioral]\n", "answers.yaml": "failure:\n  points: [Owned it, Fixed it]\n"})
    assert cli("check", ws).exit_code == 0
    result = cli("build", ws)
    assert result.exit_code == 0, result.output
    assert "(2 notes, 3 cards)" in result.stdout
