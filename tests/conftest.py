"""Shared test helpers: real workspaces in tmp_path and a real Anki collection."""

from __future__ import annotations

import contextlib
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from deck_builder.cli import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "decks" / "example"


@pytest.fixture(autouse=True)
def _own_data_folder_in_tmp(tmp_path_factory, monkeypatch):
    """deck-builder's own data folder (the phone's login and collection, issue 15) lives in a
    folder of the test's own: a push that finds no Anki folder falls back to it, and no test may
    read or write the one in the home folder of whoever runs the tests (nor see another's)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))


@pytest.fixture(autouse=True)
def _no_anki_of_the_user(monkeypatch):
    """AnkiConnect's default address is the user's own Anki: a studio or push a test starts
    without --anki-connect (the studio brings rated cards forward at once) reaches a port where
    nothing listens instead, never the Anki of whoever runs the tests."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("DECK_BUILDER_ANKI_CONNECT", f"http://127.0.0.1:{port}")


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A fresh copy of decks/example."""
    dest = tmp_path / "example"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("build", ".deck-builder"))
    return dest


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write a workspace from {relative path: text}; text is dedented."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    _WRITTEN.append(root)  # checked against the editor schemas when the test ends (see below)
    return root


@pytest.fixture
def workspace(tmp_path: Path):
    """make(files) -> a workspace folder holding those files."""

    def make(files: dict[str, str | bytes], name: str = "ws") -> Path:
        return write_files(tmp_path / name, files)

    return make


@pytest.fixture
def cli():
    """run(*args) -> click Result, with stdout and stderr kept apart."""
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return run


class AnkiCollection:
    """A fresh collection of the real Anki engine, importing packages as a user would."""

    def __init__(self, path: Path):
        from anki.collection import Collection

        self.col = Collection(str(path))

    def import_package(self, apkg: Path, **options):
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        resp = self.col.import_anki_package(
            ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions(**options))
        )
        self.col.models._clear_cache()
        return resp.log

    def notes(self, search: str = "tag:deck-builder"):
        return [self.col.get_note(nid) for nid in self.col.find_notes(search)]

    def note_by_guid(self, guid: str):
        for nid in self.col.find_notes(""):
            note = self.col.get_note(nid)
            if note.guid == guid:
                return note
        return None

    def snapshot(self) -> dict[str, tuple[int, list[int]]]:
        """GUID -> (note id, sorted card ids) for every note in the collection."""
        out = {}
        for nid in self.col.find_notes(""):
            note = self.col.get_note(nid)
            out[note.guid] = (note.id, sorted(c.id for c in note.cards()))
        return out

    def review(self, card_id: int) -> None:
        """Answer this card GOOD with the v3 scheduler, as a user studying it would."""
        from anki.scheduler.v3 import CardAnswer

        card = self.col.get_card(card_id)
        states = self.col._backend.get_scheduling_states(card_id)
        card.start_timer()
        self.col.sched.answer_card(self.col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD))

    def close(self):
        self.col.close()


@pytest.fixture
def anki(tmp_path: Path):
    (tmp_path / "anki").mkdir()
    col = AnkiCollection(tmp_path / "anki" / "collection.anki2")
    yield col
    col.close()


# -- a closed Anki: a real base folder, a profile and its collection -----------------------------

import importlib.util  # noqa: E402

MINE = "My own note, not from deck-builder"

NEEDS_AQT = pytest.mark.skipif(importlib.util.find_spec("aqt") is None,
                               reason="making prefs21.db as Anki does needs aqt: pip install -e '.[test]'")


@pytest.fixture
def profile(tmp_path):
    """A closed Anki: (base folder, the profile's collection path)."""
    from anki_desktop import make_base, own_collection

    base = tmp_path / "Anki2"
    make_base(base, ("User 1",))
    own_collection(base / "User 1" / "collection.anki2", MINE)
    return base, base / "User 1" / "collection.anki2"


def closed(base: Path, *more: str) -> list[str]:
    """push's options for a closed Anki in BASE: nothing listens where AnkiConnect would."""
    from anki_desktop import free_port

    return ["--anki-connect", f"http://127.0.0.1:{free_port()}", "--base", str(base), *more]


class Col:
    """The profile's collection, opened by the test the way Anki would open it."""

    def __init__(self, path: Path):
        from anki.collection import Collection

        self.col = Collection(str(path))

    def __enter__(self):
        return self.col

    def __exit__(self, *exc):
        self.col.close()


def contents(path: Path) -> dict[str, tuple]:
    """GUID -> (note id, modification time, fields, sorted card ids) of every note in the collection."""
    with Col(path) as col:
        return {n.guid: (n.id, n.mod, tuple(n.fields), sorted(c.id for c in n.cards()))
                for n in (col.get_note(i) for i in col.find_notes(""))}


def restore(backup: Path, into: Path) -> dict[str, tuple]:
    """Restore a backup as Anki's Open Backup does (its backend's import_collection_package)."""
    from anki._backend import RustBackend

    RustBackend().import_collection_package(col_path=str(into), backup_path=str(backup),
                                           media_folder=str(into.with_suffix(".media")),
                                           media_db=str(into.with_suffix(".mdb")))
    return contents(into)



@contextlib.contextmanager
def held_open(collection: Path):
    """COLLECTION held open by another process, as Anki desktop holds it (locked), until the block ends."""
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from anki.collection import Collection; "
         f"c = Collection({str(collection)!r}); c.db.scalar('select count() from notes'); print('open', flush=True); "
         "sys.stdin.readline(); c.close()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "open\n"
        yield
    finally:
        holder.communicate("\n", timeout=60)

# -- the editor schemas accept every workspace that `check` accepts ---------------------------

import re  # noqa: E402

import yaml  # noqa: E402

_WRITTEN: list[Path] = []  # workspaces write_files wrote during the current test


class Yaml12Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # the parser deck-builder reads with
    """Values typed as the YAML language server types them: the YAML 1.2 core schema
    (1999 is a number, true a boolean, yes and 2025-03-01 text), not PyYAML's YAML 1.1."""

    yaml_implicit_resolvers: dict = {}

    def construct_mapping(self, node, deep=False):
        # keys as written: a JSON object's keys are text
        return {k.value if isinstance(k, yaml.ScalarNode) else self.construct_object(k, deep):
                self.construct_object(v, deep=deep) for k, v in node.value}


for _tag, _pattern, _first in [
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     list("-+.0123456789")),
]:
    Yaml12Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), _first)


def _yaml12_int(loader, node):
    v = loader.construct_scalar(node)
    return int(v[2:], 8) if v.startswith("0o") else int(v[2:], 16) if v.startswith("0x") else int(v)


def _yaml12_float(loader, node):
    v = loader.construct_scalar(node).lower()
    return float(v.replace(".inf", "inf").replace(".nan", "nan"))


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _yaml12_int)
Yaml12Loader.add_constructor("tag:yaml.org,2002:float", _yaml12_float)
Yaml12Loader.add_constructor("tag:yaml.org,2002:bool", lambda loader, node: loader.construct_scalar(node).lower() == "true")
# YAML 1.2's core schema has no timestamp: an explicit !!timestamp is text to the language server
Yaml12Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def load_yaml12(data: bytes):
    return yaml.load(data.decode("utf-8-sig"), Loader=Yaml12Loader)


_VALIDATORS: dict = {}


def schema_errors(root: Path) -> list[str]:
    """Every place where the editor schemas reject a file of the workspace ROOT."""
    from jsonschema import Draft7Validator

    from deck_builder.sources.schema import file_kind, file_schema, workspace_files

    out = []
    for rel in workspace_files(root):
        kind = file_kind(rel)
        if kind not in _VALIDATORS:
            schema = file_schema(kind)
            Draft7Validator.check_schema(schema)
            _VALIDATORS[kind] = Draft7Validator(schema)
        data = load_yaml12((root / rel).read_bytes())
        for error in _VALIDATORS[kind].iter_errors(data):
            where = "/".join(str(p) for p in error.absolute_path)
            out.append(f"{rel}: {where or '(the file)'}: {error.message}")
    return out


def checks_clean(root: Path) -> bool:
    """Whether `deck-builder check` finds no error in ROOT."""
    from deck_builder.sources.problems import ProblemsError, UserError
    from deck_builder.sources.workspace import load_workspace

    try:
        load_workspace(root)
    except (ProblemsError, UserError):
        return False
    return True


@pytest.fixture(autouse=True)
def _schemas_accept_what_check_accepts():
    """Every workspace a test wrote with write_files and that `check` accepts, as it is when the
    test ends, is valid for the editor schemas too (issue 9: one truth for both)."""
    start = len(_WRITTEN)
    yield
    roots = list(dict.fromkeys(_WRITTEN[start:]))
    del _WRITTEN[start:]
    for root in roots:
        if root.is_dir() and checks_clean(root):
            errors = schema_errors(root)
            assert not errors, f"check accepts {root}, but the editor schemas reject it:\n" + "\n".join(errors)
