"""Start-up weight and packaging: what a user gets from `pip install`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

from conftest import REPO


def test_help_does_not_import_heavy_modules():
    code = (
        "import sys\n"
        "from deck_builder.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('genanki', 'markdown_it', 'yaml', 'sqlite3') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "Usage: " in out
    assert "HEAVY []" in out


def test_console_script_runs():
    out = subprocess.run(["deck-builder", "--version"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("deck-builder, version ")


def test_wheel_ships_banks_skeleton_and_stylesheet(tmp_path):
    # Build from a copy: setuptools builds in-tree and would leave build/ in the checkout.
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "test-artifacts", ".deck-builder"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(source)],
        check=True, capture_output=True, text=True,
    )
    (wheel,) = tmp_path.glob("deck_builder-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "deck_builder/banks/second-interview.yaml",
        "deck_builder/cards/card.css",
        "deck_builder/skeleton/deck.yaml",
        "deck_builder/skeleton/companies/example-co.yaml",
        "deck_builder/skeleton/questions/my-questions.yaml",
        "deck_builder/skeleton/media/README.txt",
        "deck_builder/rehearse/studio/static/index.html",
        "deck_builder/rehearse/studio/static/studio.js",
        "deck_builder/rehearse/studio/static/studio.css",
        "deck_builder/rehearse/common-words.txt",  # listen.py steers the recogniser with it
        "deck_builder/push/__init__.py",
        "deck_builder/push/collection.py",
    ):
        assert required in names, required

    # Run the unpacked wheel (a plain, non-editable install) on the example workspace.
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        f"import sys; sys.path.insert(0, {str(site)!r})\n"
        "import deck_builder\n"
        f"assert deck_builder.__file__.startswith({str(site)!r}), deck_builder.__file__\n"
        "from deck_builder.cli import main\n"
        f"main(['build', {str(source / 'decks' / 'example')!r}, '-o', {str(tmp_path / 'x.apkg')!r}])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "x.apkg").is_file()
