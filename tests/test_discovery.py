"""Which files a workspace is made of: subfolders are read, files the system makes are ignored,
and every other file that looks like a source but is not read gets a warning with the fix."""

from __future__ import annotations

import shutil
import zipfile

import pytest
from test_errors import ANSWER, assert_clean_failure, problem_lines

from deck_builder.build import build_deck

ACME = "name: Acme\nfacts:\n  - q: When was Acme founded?\n    a: In 1999.\n    source: acme.example\n"


def labels(ws) -> set[str]:
    return {n.label for n in build_deck(str(ws)).plan.notes}


def test_a_company_file_in_a_subfolder_is_read_with_its_file_name_as_id(workspace, cli):
    ws = workspace({"answers.yaml": ANSWER, "companies/active/acme.yaml": ACME,
                    "companies/applied/2026/globex.yaml": ACME.replace("Acme", "Globex")})
    result = cli("check", ws)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "  acme       1 fact," in result.stdout and "  globex     1 fact," in result.stdout
    assert {"acme/fact/when-was-acme-founded", "globex/fact/when-was-globex-founded"} <= labels(ws)


def test_moving_a_company_file_into_a_subfolder_keeps_its_notes(workspace, tmp_path):
    ws = workspace({"answers.yaml": ANSWER, "companies/acme.yaml": ACME})
    before = {n.guid for n in build_deck(str(ws), tmp_path / "a.apkg").plan.notes}
    (ws / "companies" / "active").mkdir()
    shutil.move(ws / "companies" / "acme.yaml", ws / "companies" / "active" / "acme.yaml")
    plan = build_deck(str(ws), tmp_path / "a.apkg").plan
    assert {n.guid for n in plan.notes} == before
    assert not plan.anything_changed


def test_a_question_bank_in_a_subfolder_is_read(workspace, cli):
    ws = workspace({
        "questions/tech/mine.yaml": "bank: Mine\nquestions:\n  - id: system-design\n    ask: Design a depot.\n",
        "answers.yaml": "system-design:\n  points:\n    - Start from the volumes.\n",
    })
    result = cli("check", ws)
    assert result.exit_code == 0, result.output
    assert "answer/system-design" in labels(ws)


def test_two_company_files_with_one_name_in_different_folders_name_both(workspace, cli):
    ws = workspace({"answers.yaml": ANSWER, "companies/active/acme.yaml": ACME, "companies/applied/acme.yaml": ACME})
    result = cli("check", ws)
    assert_clean_failure(result)
    assert problem_lines(result.stderr) == [
        f"{ws}/companies/applied/acme.yaml: error: two company files are named acme.yaml: "
        f"{ws}/companies/active/acme.yaml and this one; the file name is the company's id, so rename one of them"]


def test_a_capitalised_companies_folder_is_read(workspace, cli):
    ws = workspace({"answers.yaml": ANSWER, "Companies/acme.yaml": ACME})
    assert "acme/fact/when-was-acme-founded" in labels(ws)


APPLE_DOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x02\x00\x00\x00\t\x00\x00\x002\xff\xff"


@pytest.mark.parametrize("rel", [
    "._answers.yaml", "companies/._acme.yaml", "questions/._mine.yaml", "companies/active/._acme.yaml",
    ".DS_Store", "companies/.DS_Store", "Thumbs.db", "media/Thumbs.db", "desktop.ini", "companies/desktop.ini",
    "~$answers.yaml", "companies/~$acme.yaml", "answers.yaml~", "companies/acme.yaml.swp",
    "companies/.acme.yaml.swp", "companies/#acme.yaml#", "companies/.#acme.yaml", "companies/acme.yaml.bak",
    "companies/4913", "companies/acme.yaml___jb_tmp___",
])
def test_files_the_system_or_an_editor_makes_are_ignored_anywhere(workspace, cli, rel):
    ws = workspace({"answers.yaml": ANSWER, "companies/acme.yaml": ACME, rel: APPLE_DOUBLE})
    result = cli("check", "--strict", ws)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_a_zip_from_a_mac_builds_like_the_original(workspace, tmp_path, cli):
    """Zips made by macOS carry __MACOSX/ and ._ files beside every file."""
    ws = workspace({"answers.yaml": ANSWER, "companies/acme.yaml": ACME})
    archive = tmp_path / "prep.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in ws.rglob("*"):
            if path.is_file():
                rel = path.relative_to(ws.parent).as_posix()
                z.write(path, rel)
                z.writestr(f"{path.parent.relative_to(ws.parent).as_posix()}/._{path.name}", APPLE_DOUBLE)
                z.writestr(f"__MACOSX/{rel}", APPLE_DOUBLE)
    out = tmp_path / "unzipped"
    zipfile.ZipFile(archive).extractall(out)
    result = cli("check", "--strict", out / "ws")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("rel", "warning"), [
    ("acme.yaml", "this looks like a company file, but company files are read only from companies/: "
                  "move it to companies/acme.yaml"),
    ("mine.yaml", "this looks like a question bank, but banks are read only from questions/: move it to questions/mine.yaml"),
    ("notes.yaml", "ignored: deck-builder reads deck.yaml, answers.yaml, stories.yaml and the files in questions/ "
                   "and companies/; move it there if it belongs to the deck"),
    ("answer.yaml", "ignored: deck-builder reads answers.yaml; rename this file if it is meant to be that"),
    ("Answers.yaml", "ignored: rename it to answers.yaml (lowercase)"),
    ("answers.yml", "ignored: deck-builder reads answers.yaml; rename this file"),
    ("company", "this folder is not read: deck-builder reads companies/; rename the folder to companies"),
    ("compnies", "this folder is not read: deck-builder reads companies/; rename the folder to companies"),
    ("question", "this folder is not read: deck-builder reads questions/; rename the folder to questions"),
    ("research/acme.yaml", "ignored: deck-builder does not read files in research/; question banks go in questions/ "
                           "and company files in companies/"),
    ("companies/old/acme-2025.yml", "ignored: deck-builder reads only .yaml files; rename it to acme-2025.yaml"),
    ("companies/globex.YAML", "ignored: rename it to globex.yaml (lowercase .yaml)"),
])
def test_a_file_that_looks_like_a_source_but_is_not_read_is_a_warning(workspace, cli, rel, warning):
    body = {"mine.yaml": "bank: Mine\nquestions: []\n", "notes.yaml": "todo: call Dana\n",
            "answer.yaml": ANSWER}.get(rel, ACME.replace("Acme", "Globex"))
    files = {"answers.yaml": ANSWER}
    if "." in rel.rsplit("/", 1)[-1]:
        files[rel] = body
    else:  # a folder with a company file in it
        files[f"{rel}/globex.yaml"] = body
    ws = workspace(files)
    result = cli("check", ws)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"{ws}/{rel}: warning: {warning}\n"


def test_an_empty_folder_says_it_holds_no_workspace(tmp_path, cli):
    empty = tmp_path / "prep"
    empty.mkdir()
    for command in ("check", "build", "diff", "preview"):
        result = cli(command, empty)
        assert result.exit_code in (1, 2), command
        assert result.stderr == (f"error: no workspace in '{empty}': it has no deck.yaml, answers.yaml, stories.yaml, "
                                 f"questions/ or companies/ (start one with 'deck-builder init {empty}')\n"), command
        assert "previous package" not in result.output


def test_a_folder_holding_a_workspace_points_at_it(tmp_path, cli, workspace):
    ws = workspace({"answers.yaml": ANSWER}, name="outer/my-prep")
    result = cli("check", ws.parent)
    assert result.exit_code == 1
    assert result.stderr == (f"error: no workspace in '{ws.parent}': it has no deck.yaml, answers.yaml, stories.yaml, "
                             f"questions/ or companies/; '{ws}' looks like one: run the command on that folder\n")


def test_a_first_failed_build_does_not_mention_a_previous_package(workspace, cli):
    ws = workspace({"answers.yaml": "career-goals:\n  points: Lead a team.\n"})
    result = cli("build", ws)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "1 error, 0 warnings; nothing was built."
    assert cli("build", workspace({"answers.yaml": ANSWER}, name="ok")).exit_code == 0


# -- photos are checked by what they hold ---------------------------------------------------------

def test_a_photo_large_enough_to_slow_phone_syncs_is_a_warning_with_its_size(workspace, cli):
    ws = workspace({"answers.yaml": ANSWER,
                    "companies/acme.yaml": "name: Acme\npeople:\n  - name: Jo Doe\n    role: CEO\n    photo: media/jo.jpg\n",
                    "media/jo.jpg": b"\xff\xd8\xff\xe0" + bytes(2_400_000)})
    result = cli("check", ws)
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"{ws}/companies/acme.yaml:5:12: warning: photo: 'media/jo.jpg' is 2.4 MB, and every phone that syncs the deck "
        "downloads it: a picture 400 pixels wide (under 200 KB) is plenty for a card; make it smaller\n")
    build = cli("build", ws)
    assert build.exit_code == 0 and "is 2.4 MB" in build.stderr  # build says it too


@pytest.mark.parametrize(("name", "content"), [
    ("jo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), ("jo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
    ("jo.JPEG", b"\xff\xd8\xff\xdb"), ("jo.gif", b"GIF89a\x01\x00"), ("jo.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 "),
    ("jo.svg", b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- by hand -->\n<svg xmlns="http://www.w3.org/2000/svg"/>'),
])
def test_every_picture_kind_anki_shows_passes_by_its_content(workspace, cli, name, content):
    ws = workspace({"answers.yaml": ANSWER,
                    "companies/acme.yaml": f"name: Acme\npeople:\n  - name: Jo Doe\n    role: CEO\n    photo: media/{name}\n",
                    f"media/{name}": content})
    result = cli("check", "--strict", ws)
    assert result.exit_code == 0, result.output


# -- what the review found: limits, hidden endings, unreadable folders, links ------------------

def test_thousands_of_other_files_never_stop_companies_from_being_read(workspace, cli):
    files = {"answers.yaml": ANSWER, "companies/acme.yaml": ACME}
    files.update({f"Photos/IMG_{n:04}.jpg": b"\xff\xd8\xff" for n in range(5100)})  # sorts before companies/
    ws = workspace(files)
    result = cli("check", ws)
    assert result.exit_code == 0, result.output
    assert "  acme       1 fact," in result.stdout
    assert result.stderr == (f"{ws}/Photos: warning: stopped looking for stray YAML files after 5000 files outside "
                             "questions/ and companies/ (those two are always read in full)\n")


@pytest.mark.parametrize(("rel", "warning"), [
    ("answers.yaml.txt", "ignored: rename it to answers.yaml (Windows hides the '.txt' at the end unless file "
                         "name extensions are shown)"),
    ("companies/globex.yaml.txt", "ignored: rename it to globex.yaml (Windows hides the '.txt' at the end unless "
                                  "file name extensions are shown)"),
    ("companies/globex.txt", "ignored: deck-builder reads only .yaml files here; if it is a company file, save it "
                             "as plain text named globex.yaml"),
    ("companies/globex.yaml ", "ignored: rename it to globex.yaml (the name ends in a space)"),
])
def test_a_source_with_a_hidden_or_stray_ending_is_a_warning(workspace, cli, rel, warning):
    ws = workspace({"answers.yaml": ANSWER, "companies/acme.yaml": ACME, rel: ACME.replace("Acme", "Globex")})
    result = cli("check", ws)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"{ws}/{rel}: warning: {warning}\n"


def test_links_that_loop_are_read_once(workspace, cli):
    import os

    ws = workspace({"answers.yaml": ANSWER, "companies/acme.yaml": ACME})
    os.symlink("..", ws / "companies" / "loop")
    os.symlink(".", ws / "companies" / "self")
    (ws / "company").mkdir()
    os.symlink("..", ws / "company" / "up")
    result = cli("check", ws)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"{ws}/companies/loop: warning: this folder is a link to a folder that is read already, so it is skipped",
        f"{ws}/companies/self: warning: this folder is a link to a folder that is read already, so it is skipped",
        f"{ws}/company/up: warning: this folder is a link to a folder that is read already, so it is skipped",
    ]


def test_a_company_folder_linked_from_outside_is_an_error(workspace, cli, tmp_path):
    import os

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "globex.yaml").write_text(ACME)
    ws = workspace({"answers.yaml": ANSWER, "companies/acme.yaml": ACME})
    os.symlink(outside, ws / "companies" / "shared")
    result = cli("check", ws)
    assert_clean_failure(result)
    assert problem_lines(result.stderr) == [
        f"{ws}/companies/shared: error: this folder is a link to a folder outside the workspace, so its files are "
        "not read; copy them into the workspace (deck-builder reads nothing outside it)"]
