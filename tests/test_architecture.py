"""The layout shows the pipeline, and the layers hold (issue 17).

`lint-imports` checks the contracts in pyproject.toml: each stage imports only from the
stages below it (sources -> cards -> apkg -> build -> rehearse -> report -> push -> watch ->
cli), and no two parts of a stage import each other in a circle.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LINT = shutil.which("lint-imports") or "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([LINT, "--config", str(root / "pyproject.toml"), "--no-cache"], cwd=root,
                          env=env, capture_output=True, text=True, timeout=300)


def test_every_import_points_down_the_pipeline():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout, result.stdout


def copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "deck_builder", tmp_path / "deck_builder",
                    ignore=shutil.ignore_patterns("__pycache__", "static", "skeleton"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_an_import_pointing_up_the_pipeline_fails(tmp_path):
    root = copy_of_the_package(tmp_path)
    problems = root / "deck_builder" / "sources" / "problems.py"
    problems.write_text(problems.read_text(encoding="utf-8") + "\nfrom ..cards import render  # noqa\n",
                        encoding="utf-8")
    result = lint_imports(root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "deck_builder.sources.problems -> deck_builder.cards.render" in result.stdout, result.stdout
    assert "BROKEN" in result.stdout


def test_a_circle_between_two_parts_of_a_stage_fails(tmp_path):
    root = copy_of_the_package(tmp_path)
    # the interrupts module and the CLI once imported each other; so would any two stages
    interrupts = root / "deck_builder" / "interrupts.py"
    interrupts.write_text(interrupts.read_text(encoding="utf-8") + "\nfrom . import cli  # noqa\n",
                          encoding="utf-8")
    result = lint_imports(root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "deck_builder.interrupts -> deck_builder.cli" in result.stdout, result.stdout


def test_the_package_imports_from_the_copy_in_these_tests(tmp_path):
    """The two tests above check a copy: make sure Python takes the copy, not the install."""
    root = copy_of_the_package(tmp_path)
    out = subprocess.run([sys.executable, "-c", "import deck_builder; print(deck_builder.__file__)"], cwd=root,
                         env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == str(root / "deck_builder" / "__init__.py"), out


# -- no hidden state: what a build remembers is an object its owner passes down ------------------

MUTATORS = {"append", "extend", "insert", "update", "add", "clear", "pop", "popitem", "setdefault",
            "remove", "discard", "__setitem__", "sort"}


def hidden_state(source: str, name: str) -> list[str]:
    """Module-level state in SOURCE: `global` statements, memoising decorators, module-level
    mutable containers under a variable's name, and any module-level container changed later."""
    import ast

    tree = ast.parse(source)
    found = []
    containers = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        value = getattr(node, "value", None)
        mutable = isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)) or (
            isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id in ("dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque"))
        for t in targets:
            if isinstance(t, ast.Name):
                if mutable:
                    containers.add(t.id)
                    if not t.id.isupper() and not t.id.lstrip("_").isupper():
                        found.append(f"{name}:{node.lineno}: module-level container {t.id}")
                elif value is None or (isinstance(value, ast.Constant) and value.value is None):
                    found.append(f"{name}:{node.lineno}: {t.id} starts empty at module level (filled later?)")
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            found.append(f"{name}:{node.lineno}: global {', '.join(node.names)}")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for d in node.decorator_list:
                text = ast.unparse(d)
                if "cache" in text and "cached_property" not in text:  # an object's own is fine
                    found.append(f"{name}:{node.lineno}: @{text} on {node.name}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
            target = node.func.value
            if isinstance(target, ast.Name) and target.id in containers:
                found.append(f"{name}:{node.lineno}: {target.id}.{node.func.attr}(...) changes a module-level container")
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            for t in (node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]):
                if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id in containers:
                    found.append(f"{name}:{node.lineno}: {t.value.id}[...] changed")
    return found


def test_no_module_keeps_state_between_calls():
    found = []
    for path in sorted((REPO / "deck_builder").rglob("*.py")):
        found += hidden_state(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))
    assert not found, "\n".join(found)


def test_the_hidden_state_check_finds_each_kind_it_looks_for():
    source = '''
import functools
_kept = None
cache = {}
TABLE = {}
def keep():
    global _kept
    _kept = {}
@functools.lru_cache(maxsize=None)
def memo(x):
    TABLE[x] = 1
    TABLE.update(y=2)
    return x
'''
    found = hidden_state(source, "m.py")
    assert sorted(f.split(": ", 1)[1] for f in found) == sorted([
        "_kept starts empty at module level (filled later?)", "module-level container cache",
        "global _kept", "@functools.lru_cache(maxsize=None) on memo", "TABLE[...] changed",
        "TABLE.update(...) changes a module-level container"]), found
