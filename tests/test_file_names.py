"""File names as the user sees them (issue 18 point 4): a name typed on one system finds the
file another system wrote, whatever form its accents are stored in (macOS writes an accent as a
character of its own, NFD; a keyboard types it as part of the letter, NFC)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from test_errors import CORPUS, company, problem_lines

PNG = (CORPUS / "photo-that-is-a-png-named-jpg" / "media" / "jo-doe.jpg").read_bytes()
NFC = unicodedata.normalize("NFC", "zoë.png")
NFD = unicodedata.normalize("NFD", "zoë.png")


def _photo_workspace(workspace, typed: str, *on_disk: str) -> Path:
    ws = workspace(company(f"people:\n  - name: Zoë Lee\n    role: CEO\n    photo: media/{typed}\n"))
    (ws / "media").mkdir()
    for name in on_disk:
        (ws / "media" / name).write_bytes(PNG)
    return ws


def test_a_name_typed_composed_finds_the_file_macos_wrote(workspace, cli):
    ws = _photo_workspace(workspace, NFC, NFD)
    result = cli("check", ws)
    assert result.exit_code == 0, result.output
    assert problem_lines(result.stderr) == []


def test_a_name_macos_wrote_finds_the_file_typed_composed(workspace, cli):
    ws = _photo_workspace(workspace, NFD, NFC)
    result = cli("check", ws)
    assert result.exit_code == 0, result.output


def test_the_build_uses_the_file_found(workspace, cli):
    ws = _photo_workspace(workspace, NFC, NFD)
    result = cli("build", ws)
    assert result.exit_code == 0, result.output


def test_two_files_whose_names_differ_only_by_it_are_named(workspace, cli):
    ws = _photo_workspace(workspace, NFC, NFD, NFC)
    if len(list((ws / "media").iterdir())) < 2:  # a file system that keeps one of them (macOS)
        return
    result = cli("check", ws)
    assert problem_lines(result.stderr) == [
        f"{ws}/companies/acme.yaml:5:12: warning: photo: 'media/{NFC}' could be either of two files in media/ whose "
        f"names differ only in how an accent is stored ('{NFC}' with it as part of the letter, '{NFD}' with it as a "
        "separate character, as macOS writes names): delete or rename one of them"
    ]
