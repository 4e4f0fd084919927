"""The docs match the tool: docs/commands.md's command reference is the CLI's own --help, every
relative link and #anchor in README.md and docs/*.md leads somewhere, and every command example
names commands, options and scripts that exist."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from conftest import REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
PAGE_IDS = [str(p.relative_to(REPO)) for p in PAGES]

# The README's two set-up commands, word for word: .ci/run and docs/development.md point at them.
SETUP = "python3 -m venv .venv && . .venv/bin/activate && pip install . && deck-builder build decks/example"
TESTS = ". .venv/bin/activate && pip install -e '.[test]' && python -m pytest"


def test_command_reference_matches_help():
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "update_help.py"), "--check"], cwd=REPO)
    assert proc.returncode == 0, "docs/commands.md's command reference is stale: run python scripts/update_help.py"


def test_format_reference_names_every_key():
    from deck_builder.sources.model import (
        Answer,
        Company,
        Fact,
        Person,
        Product,
        Settings,
        Story,
    )

    text = (REPO / "docs" / "format.md").read_text(encoding="utf-8")
    keys = set()
    for cls in (Settings, Answer, Story, Fact, Product, Person, Company):
        keys |= set(cls.__dataclass_fields__)
    keys -= {"loc", "question_id"}
    keys |= {"bank", "questions", "ask", "category", "why", "id"}
    missing = sorted(k for k in keys if f"`{k}`" not in text)
    assert not missing, f"docs/format.md does not document: {missing}"


def test_promises_name_only_tests_and_mutants_that_exist():
    """tests/PROMISES.md maps each promise to its tests and to scripts/mutants.py's mutants."""
    import re

    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from mutants import MUTANTS
    finally:
        sys.path.pop(0)
    text = (REPO / "tests" / "PROMISES.md").read_text(encoding="utf-8")
    named = re.findall(r"`(test_\w+\.py)::(test_\w+)`", text)
    assert len(named) >= 50
    missing = [f"{f}::{t}" for f, t in named
               if not re.search(rf"^def {t}\(", (REPO / "tests" / f).read_text(encoding="utf-8"), re.M)]
    assert not missing, f"tests/PROMISES.md names tests that do not exist: {missing}"
    mutants = {m.name for m in MUTANTS}
    rows = [line for line in text.splitlines() if line.startswith("| ") and line.count(" | ") == 2]
    listed = {name for row in rows for name in re.findall(r"`([a-z0-9-]+)`", row.rsplit(" | ", 1)[1])}
    assert listed == mutants, (sorted(listed - mutants), sorted(mutants - listed))


# -- Markdown, as far as links and examples need it ------------------------------------------------

FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w-]*)")


def blocks_and_prose(text: str) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """A page -> its fenced blocks as (language, lines), and its other lines."""
    blocks, prose, fence, lang, body = [], [], None, "", []
    for line in text.splitlines():
        m = FENCE.match(line)
        if fence is None and m:
            fence, lang, body = m.group(1), m.group(2).lower(), []
        elif fence is not None and line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
            blocks.append((lang, body))
            fence = None
        elif fence is not None:
            body.append(line)
        else:
            prose.append(line)
    return blocks, prose


def without_code_spans(line: str) -> str:
    return re.sub(r"(`+)(.+?)\1", "", line)


def code_spans(lines: list[str]) -> list[str]:
    """Inline code, also when a span is wrapped over two lines."""
    return [" ".join(m.group(2).split()) for m in re.finditer(r"(`+)(.+?)\1", "\n".join(lines), re.DOTALL)]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: the rendered text, lower-cased, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"[`*]", "", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every #anchor a page has: its headings' slugs (a repeated one gets -1, -2 ...) and HTML ids."""
    _, prose = blocks_and_prose(page.read_text(encoding="utf-8"))
    found, seen = set(), {}
    for line in prose:
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            base = slug(m.group(1))
            n = seen.get(base, 0)
            seen[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
        found |= set(re.findall(r"""<a\\s+(?:name|id)=["']([^"']+)["']""", line))
    return found


def broken_links(page: Path) -> list[str]:
    """Relative links and images on PAGE whose file or #anchor does not exist."""
    _, prose = blocks_and_prose(page.read_text(encoding="utf-8"))
    problems = []
    for line in prose:
        for target in re.findall(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", without_code_spans(line)):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # https:, mailto: ...
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            if not dest.exists():
                problems.append(f"{target}: no such file")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                problems.append(f"{target}: no heading #{anchor} in {dest.name}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_every_relative_link_points_at_a_file_and_heading(page):
    assert not broken_links(page)


# -- Command examples ------------------------------------------------------------------------------

SCRIPT = re.compile(r"^python3? ((?:scripts|benchmarks)/\S+\.py)\b")


def example_commands(page: Path) -> list[tuple[str, bool]]:
    """PAGE -> (command, whole) for every deck-builder or python scripts/|benchmarks/ example: each
    command in a sh or console block (console: the lines after "$ "), and each inline code span;
    whole is False for a span that names a command or option without the values it needs
    (`deck-builder init`, `push --prune`, `brief --questions`)."""
    from deck_builder.cli import main

    blocks, prose = blocks_and_prose(page.read_text(encoding="utf-8"))
    lines = []
    for lang, body in blocks:
        if lang in ("sh", "shell", "bash", "console"):
            joined = "\n".join(body).replace("\\\n", " ").splitlines()
            lines += [ln[2:] if lang == "console" else ln for ln in joined
                      if lang != "console" or ln.startswith("$ ")]
    found = []
    for line in lines:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split, lexer.commenters = True, "#"
        command: list[str] = []
        for token in [*lexer, "&&"]:
            if token in ("&&", "||", ";", "|", "&"):
                if command and (command[0] == "deck-builder" or SCRIPT.match(shlex.join(command))):
                    found.append((shlex.join(command), True))
                command = []
            else:
                command.append(token)
    for span in code_spans(prose):
        if "..." in span or "<" in span:  # a placeholder: `deck-builder ...`, `python scripts/...`
            continue
        first = span.split()[0]
        if span.startswith("deck-builder ") or SCRIPT.match(span):
            found.append((span, len(span.split()) > 2))  # `deck-builder init` names the command
        elif first in main.commands and " -" in span:
            found.append((f"deck-builder {span}", False))
    return found


def command_problem(command: str, whole: bool) -> str | None:
    """What is wrong with one example command, or None."""
    from deck_builder.cli import main

    words = shlex.split(command)
    script = SCRIPT.match(command)
    if script:
        path = REPO / script.group(1)
        if not path.is_file():
            return f"{command}: no such script {script.group(1)}"
        source = path.read_text(encoding="utf-8")
        unread = [w for w in words if w.startswith("--") and f'"{w.split("=")[0]}"' not in source
                  and f"'{w.split('=')[0]}'" not in source]
        return f"{command}: {path.name} reads no {', '.join(unread)}" if unread else None
    args = words[1:]
    if not args:
        return None
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            ctx = main.make_context("deck-builder", list(args))
            protected = ctx._protected_args if hasattr(ctx, "_protected_args") else ctx.protected_args  # click 8.2+ / 8.1
            rest = [*protected, *ctx.args]
            if not rest:
                return None
            name, cmd, rest = main.resolve_command(ctx, rest)
            if not whole:  # only the options' names: `push --prune`, `brief --questions`
                names = {opt for p in cmd.params for opt in (*p.opts, *p.secondary_opts)} | {"-h", "--help"}
                unknown = [w for w in rest if w.startswith("-") and w not in names]
                return f"{command}: {name} has no {', '.join(unknown)}" if unknown else None
            cmd.make_context(name, rest, parent=ctx)
    except click.exceptions.Exit:  # --help, --version
        return None
    except click.UsageError as exc:
        return f"{command}: {exc.format_message()}"
    return None


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_every_command_example_names_real_commands_options_and_scripts(page):
    examples = example_commands(page)
    problems = [p for p in (command_problem(c, whole) for c, whole in examples) if p]
    assert not problems


def test_every_option_mentioned_alone_exists():
    """A bare `--option` in the docs belongs to some command or script."""
    from deck_builder.cli import main

    names = {opt for cmd in main.commands.values() for p in cmd.params for opt in (*p.opts, *p.secondary_opts)}
    names |= {"--help", "-h", "--version"}
    sources = "".join(p.read_text(encoding="utf-8") for d in ("scripts", "benchmarks") for p in (REPO / d).glob("*.py"))
    unknown = set()
    for page in PAGES:
        _, prose = blocks_and_prose(page.read_text(encoding="utf-8"))
        for span in code_spans(prose):
            m = re.fullmatch(r"(--[a-z][\w-]*|-[a-zA-Z])(?:[ =][A-Za-z0-9]+)?", span)
            if m and m.group(1) not in names and f'"{m.group(1)}"' not in sources:
                unknown.add(f"{page.name}: {span}")
    assert not unknown, sorted(unknown)


def test_the_checks_find_what_is_broken(tmp_path):
    """The link and example checks are not vacuous: each catches a slip of the kind a move makes."""
    (tmp_path / "other.md").write_text("# Other page\n\n## Push and sync\n\n## Push and sync\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n"
        "[ok](other.md#push-and-sync) [ok](other.md#push-and-sync-1) [ok](#page) [web](https://example.com)\n"
        "[gone](missing.md) [no heading](other.md#push) [here](#nowhere) `[code](not-a-link.md)`\n\n"
        "```sh\n"
        "deck-builder check decks/example --strict && deck-builder chek x\n"
        "python scripts/update_help.py --check\n"
        "python scripts/update_help.py --write\n"
        "python scripts/no_such.py\n"
        "```\n\n"
        "```console\n$ deck-builder mock x --count 0\nBuilt 3 notes\n$ deck-builder push x --prun\n```\n\n"
        "Inline: `deck-builder brief x --format pdf`, `push --yes`, `watch --prune`, `deck-builder --help`.\n",
        encoding="utf-8")
    assert broken_links(page) == ["missing.md: no such file", "other.md#push: no heading #push in other.md",
                                  "#nowhere: no heading #nowhere in page.md"]
    problems = [command_problem(c, whole) for c, whole in example_commands(page)]
    assert problems[0] is None  # check --strict
    assert "No such command 'chek'" in problems[1]
    assert problems[2] is None
    assert problems[3] == "python scripts/update_help.py --write: update_help.py reads no --write"
    assert problems[4] == "python scripts/no_such.py: no such script scripts/no_such.py"
    assert "--count" in problems[5] and "0" in problems[5]
    assert "No such option '--prun'" in problems[6]
    assert "'pdf' is not one of 'html', 'md'" in problems[7]
    assert problems[8] is None  # push --yes
    assert problems[9] == "deck-builder watch --prune: watch has no --prune"
    assert problems[10] is None  # --help
    assert len(problems) == 11


# -- The README itself -----------------------------------------------------------------------------

def test_readme_is_a_short_start_that_links_every_docs_page():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode("utf-8")) <= 12 * 1024, "README.md is for the newcomer: the reference goes in docs/"
    blocks, prose = blocks_and_prose(readme)
    sh = [line for lang, body in blocks if lang == "sh" for line in body]
    assert SETUP in sh and TESTS in sh
    linked = {(REPO / t.partition("#")[0]).resolve() for t in re.findall(r"\]\((docs/[^)#\s]+)", "\n".join(prose))}
    unlinked = [p.name for p in PAGES[1:] if p.resolve() not in linked]
    assert not unlinked, f"README.md links no {unlinked}"
    assert "![" in readme and "docs/cards.png" in readme
