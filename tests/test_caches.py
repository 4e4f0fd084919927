"""What a build keeps for the next one besides the notes: the HTML of the user's Markdown
(in the build state). It may make a rebuild faster, never different."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

CACHE = Path(".deck-builder") / "state.json"


def notes(apkg: Path, tmp: Path) -> dict[str, str]:
    """GUID -> fields, as the package holds them."""
    with zipfile.ZipFile(apkg) as z:
        db = Path(z.extract("collection.anki2", tmp / f"x-{apkg.stem}"))
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT guid, flds FROM notes"))
    finally:
        conn.close()


def build(folder: Path, out: Path) -> subprocess.CompletedProcess:
    """A build as its own process, telling (on stderr) whether it imported the Markdown parser."""
    code = ("import sys, atexit; atexit.register(lambda: print('PARSER' if 'markdown_it' in sys.modules else "
            "'NO PARSER', file=sys.stderr)); from deck_builder.cli import main; main()")
    return subprocess.run([sys.executable, "-c", code, "build", str(folder), "-o", str(out)],
                          capture_output=True, text=True)


def test_a_rebuild_takes_unchanged_markdown_from_the_cache_and_builds_the_same_notes(example, tmp_path):
    first = build(example, tmp_path / "first.apkg")
    assert first.returncode == 0, first.stderr
    assert "PARSER" in first.stderr.splitlines()
    cache = json.loads((example / CACHE).read_text(encoding="utf-8"))
    assert any("<strong>" in html for html in cache["markdown"].values())

    again = build(example, tmp_path / "again.apkg")
    assert again.returncode == 0, again.stderr
    assert again.stderr.splitlines()[-1] == "NO PARSER"  # nothing new to parse
    assert notes(tmp_path / "again.apkg", tmp_path) == notes(tmp_path / "first.apkg", tmp_path)

    # A new text with markup is parsed; the cache then holds exactly this build's texts.
    answers = example / "answers.yaml"
    answers.write_text(answers.read_text(encoding="utf-8").replace("12 years in parcel operations",
                                                                   "12 years in *parcel* operations"), encoding="utf-8")
    edited = build(example, tmp_path / "edited.apkg")
    assert "PARSER" in edited.stderr.splitlines()
    html = json.loads((example / CACHE).read_text(encoding="utf-8"))["markdown"]
    assert any("<em>parcel</em>" in v for v in html.values())
    assert not any(key.endswith("12 years in parcel operations") for key in html)


def test_the_cache_never_makes_a_build_differ_from_a_cold_one(example, tmp_path):
    assert build(example, tmp_path / "warm.apkg").returncode == 0
    path = example / CACHE
    data = json.loads(path.read_text(encoding="utf-8"))
    key = next(k for k, v in data["markdown"].items() if "<strong>" in v)

    # Another renderer's cache (an upgrade of deck-builder or markdown-it) is not used.
    data["markdown"][key] = "<p>stale</p>\n"
    data["renderer"] = "another version"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert build(example, tmp_path / "other.apkg").returncode == 0
    fields = notes(tmp_path / "other.apkg", tmp_path)
    assert not any("stale" in f for f in fields.values())

    # A damaged cache is no cache (and the notes are kept); all give the same notes.
    data = json.loads(path.read_text(encoding="utf-8"))
    data["markdown"] = {key: 12}
    path.write_text(json.dumps(data), encoding="utf-8")
    damaged = build(example, tmp_path / "damaged.apkg")
    assert damaged.returncode == 0 and "warning" not in damaged.stderr, damaged.stderr
    assert "PARSER" in damaged.stderr.splitlines()
    path.unlink()
    cold = build(example, tmp_path / "cold.apkg")
    assert "PARSER" in cold.stderr.splitlines()
    assert notes(tmp_path / "damaged.apkg", tmp_path) == notes(tmp_path / "cold.apkg", tmp_path) == fields


def test_diff_reads_the_cache_but_never_writes_it(example, tmp_path, cli):
    assert cli("build", example, "-o", tmp_path / "d.apkg").exit_code == 0
    before = (example / CACHE).read_bytes()
    answers = example / "answers.yaml"
    answers.write_text(answers.read_text(encoding="utf-8").replace("12 years", "**12** years"), encoding="utf-8")
    result = cli("diff", example)
    assert result.exit_code == 1 and "2 changed" in result.output, result.output  # 1: there are changes
    assert (example / CACHE).read_bytes() == before


def test_a_placeholder_written_as_an_entity_is_filled_as_before():
    # The shortcut for texts without placeholders must not catch one that Markdown makes of
    # an entity or a link: &#123;company&#125; was always filled.
    from deck_builder.cards import render

    values = {"company": "Northwind", "role": "Director"}
    assert render.inline("Why &#123;company&#125;?", values) == "Why Northwind?"
    assert render.block("Why &lbrace;company&rbrace; now", values) == "Why Northwind now"
    assert render.inline("[site](https://x.com/&#123;company&#125;)", values) == '<a href="https://x.com/Northwind">site</a>'
