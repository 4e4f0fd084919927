"""The baseline: a plain genanki script writing the same notes as deck-builder.

    python benchmarks/baseline.py NOTES.json OUT.apkg

NOTES.json holds the notes exactly as deck-builder rendered them (fields, tags, GUIDs,
decks) and its note types; `export_notes` writes it. This script is what someone would
write by hand with genanki: models, notes, decks, write_to_file. The benchmarks run it as
its own process, beside `deck-builder build`, so neither pays for the other's memory;
build_command, baseline_command and timed (timed_cpu) are how the benchmarks run and time each side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def export_notes(plan, path: Path) -> int:
    """deck-builder's plan -> NOTES.json for this script; returns the number of notes."""
    from deck_builder.cards.notetypes import note_types, stylesheet

    types = {key: {"id": t.id, "name": t.name, "kind": t.kind, "fields": list(t.fields),
                   "templates": [[x.name, x.front, x.back] for x in t.templates]}
             for key, t in note_types().items()}
    notes = [[n.note_type, n.deck, n.guid, list(n.fields), list(n.tags)] for n in plan.notes if not n.tombstone]
    path.write_text(json.dumps({"css": stylesheet(), "types": types, "notes": notes}), encoding="utf-8")
    return len(notes)


def build_command(workspace: Path, out: Path) -> list[str]:
    """`deck-builder build WORKSPACE -o OUT` as a new Python process."""
    return [sys.executable, "-m", "deck_builder", "build", str(workspace), "-o", str(out)]


def baseline_command(notes_file: Path, out: Path) -> list[str]:
    """This script as a new Python process."""
    return [sys.executable, str(HERE / "baseline.py"), str(notes_file), str(out)]


# Each side runs as a user's install runs: from compiled bytecode. pip compiles a package's
# modules when it installs them; an editable install compiles on first import, unless
# PYTHONDONTWRITEBYTECODE is set (as on some machines), which would make every run of ours
# compile its sources again while genanki's site-packages copy is compiled already.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str]) -> float:
    """Seconds one run of CMD takes, start to exit."""
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=ENV)
    return time.perf_counter() - t0


def timed_cpu(cmd: list[str]) -> tuple[float, float]:
    """timed(CMD), and the CPU seconds it used (user + system), which other processes on a
    busy machine change far less than the time it takes."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return wall, usage.ru_utime + usage.ru_stime


_PEAK = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def peak_rss_mb(cmd: list[str]) -> float:
    """The peak resident memory of one run of CMD, in MB (its own, from a process that waits
    for it alone: getrusage's largest child)."""
    out = subprocess.run([sys.executable, "-c", _PEAK, *cmd], check=True, capture_output=True, text=True, env=ENV)
    return int(out.stdout) / 1024  # ru_maxrss is in kilobytes on Linux


def warm(*cmds: list[str]) -> None:
    """One run of each, untimed: bytecode compiled, files in the page cache."""
    for cmd in cmds:
        subprocess.run(cmd, check=True, capture_output=True, env=ENV)


def main(notes_file: str, out: str) -> None:
    import tempfile

    import genanki

    # genanki.Package.write_to_file leaves its scratch database in the temporary folder:
    # give it one that is removed afterwards, so the benchmark leaves nothing behind.
    with tempfile.TemporaryDirectory() as scratch:
        tempfile.tempdir = scratch
        write(genanki, notes_file, out)


def write(genanki, notes_file: str, out: str) -> None:

    data = json.loads(Path(notes_file).read_text(encoding="utf-8"))
    models = {key: genanki.Model(t["id"], t["name"], fields=[{"name": f} for f in t["fields"]],
                                 templates=[{"name": n, "qfmt": q, "afmt": a} for n, q, a in t["templates"]],
                                 css=data["css"], model_type=t["kind"])
              for key, t in data["types"].items()}
    decks: dict[str, genanki.Deck] = {}
    for note_type, deck_name, guid, fields, tags in data["notes"]:
        deck = decks.get(deck_name)
        if deck is None:
            deck = decks[deck_name] = genanki.Deck((1 << 30) + len(decks), deck_name)  # 1 is Anki's Default
        deck.add_note(genanki.Note(model=models[note_type], fields=fields, tags=tags, guid=guid))
    genanki.Package(list(decks.values())).write_to_file(out)


if __name__ == "__main__":
    main(*sys.argv[1:3])
