"""Shared test helpers: real workspaces in tmp_path and a real Anki collection."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from deck_builder.cli import main

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "decks" / "example"


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
