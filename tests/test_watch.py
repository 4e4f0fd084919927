"""deck-builder watch as a real subprocess: rebuild on save, keep the last good deck, stop cleanly."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

WAIT = 20  # seconds: a bound, not a speed target


class Watcher:
    def __init__(self, folder: Path, out: Path, *options: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "deck_builder", "watch", str(folder), "-o", str(out), *options],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, wait: float = WAIT) -> str:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} within {wait}s; got {self.seen}")


@contextmanager
def watching(folder: Path, out: Path, *options: str):
    """A watch process, once it watches; stopped with Ctrl-C afterwards."""
    w = Watcher(folder, out, *options)
    try:
        w.wait_for("Watching")
        yield w
    finally:
        w.proc.send_signal(signal.SIGINT)
        w.proc.wait(timeout=WAIT)


def test_watch_rebuilds_keeps_last_good_deck_and_stops_cleanly(example, tmp_path):
    out = tmp_path / "out" / "deck.apkg"
    w = Watcher(example, out)
    try:
        w.wait_for("built: ")
        w.wait_for("Watching")
        assert out.is_file()

        answers = example / "answers.yaml"
        text = answers.read_text(encoding="utf-8")
        answers.write_text(text.replace("12 years in parcel operations", "Twelve years in parcel operations"),
                           encoding="utf-8")
        (example / ".answers.yaml.swp").write_text("editor swap file")  # ignored
        line = w.wait_for("answers.yaml: ")
        assert "0 added, 2 changed, 0 removed" in line and str(out) in line
        good = out.read_bytes()

        stories = example / "stories.yaml"
        stories.write_text(stories.read_text(encoding="utf-8") + "\nbroken: [\n", encoding="utf-8")
        w.wait_for(f"{stories}:")  # the error, FILE:LINE:COL
        line = w.wait_for("stories.yaml: ")
        assert "kept the last good deck" in line
        assert out.read_bytes() == good

        stories.write_text(stories.read_text(encoding="utf-8").replace("\nbroken: [\n", "\n"), encoding="utf-8")
        assert "nothing changed" in w.wait_for("stories.yaml: ")
    finally:
        w.proc.send_signal(signal.SIGINT)
        try:
            code = w.proc.wait(timeout=WAIT)
        finally:
            if w.proc.poll() is None:
                w.proc.kill()
    time.sleep(0.2)
    rest = []
    while not w.lines.empty():
        rest.append(w.lines.get())
    assert code == 0
    assert "Stopped." in rest
    assert not any("Traceback" in line for line in w.seen + rest)


def test_several_quick_saves_give_one_build(example, tmp_path):
    """Saves closer together than watch's quiet period (QUIET_MS) are one build, of the last one.

    On a busy machine this test's own saves may come further apart than that: each gap of a
    quiet period or more may rightly start a build of its own, so the test counts them. The
    wait ends on an event, not a sleep: a save of another file once the first build is printed
    (watch handles changes in order, so every build of the burst is printed before that one's)."""
    from deck_builder.watch import QUIET_MS

    out = tmp_path / "deck.apkg"
    answers, stories = example / "answers.yaml", example / "stories.yaml"
    text = answers.read_text(encoding="utf-8")
    with watching(example, out) as w:
        saved = []
        for i in range(5):
            answers.write_text(text + f"\n# save {i}\n", encoding="utf-8")
            saved.append(time.monotonic())
        w.wait_for("answers.yaml: ")
        stories.write_text(stories.read_text(encoding="utf-8") + "\n# the end\n", encoding="utf-8")
        w.wait_for("stories.yaml")
    apart = sum(b - a >= 0.8 * QUIET_MS / 1000 for a, b in zip(saved, saved[1:]))
    builds = [line for line in w.seen if "answers.yaml" in line and " -> " in line]
    assert 1 <= len(builds) <= 1 + apart, (builds, [round(b - a, 3) for a, b in zip(saved, saved[1:])])


def test_watch_on_a_missing_folder_is_a_clear_error(tmp_path, cli):
    result = cli("watch", tmp_path / "nope")
    assert result.exit_code == 1
    # worded as check and build word it
    assert result.stderr == cli("check", tmp_path / "nope").stderr == (
        f"error: no workspace at '{tmp_path / 'nope'}': the folder does not exist "
        f"(create one with 'deck-builder init {tmp_path / 'nope'}')\n")
    assert "built:" not in result.stdout


def test_watch_says_each_new_warning_once(example, tmp_path):
    out = tmp_path / "deck.apkg"
    with watching(example, out) as w:
        answers = example / "answers.yaml"
        text = answers.read_text(encoding="utf-8")
        answers.write_text(text.replace('- "12 years in parcel operations, from shift lead to regional operations manager."',
                                        "- 12 years #1 in parcel operations", 1), encoding="utf-8")
        warning = w.wait_for("warning: points item: the words '#1 in parcel operations")
        assert warning.startswith(f"{answers}:")
        w.wait_for("answers.yaml: ")
        answers.write_text(answers.read_text(encoding="utf-8") + "\n# a comment on its own line\n", encoding="utf-8")
        w.wait_for("answers.yaml: ")
        time.sleep(0.5)
        later = []
        while not w.lines.empty():
            later.append(w.lines.get())
        assert not any("warning:" in line for line in later)  # said once, not on every save


def _package_text(out: Path) -> str:
    import sqlite3
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(out) as z:
        db = Path(z.extract("collection.anki2", tmp))
        conn = sqlite3.connect(db)
        try:
            return "\n".join(row[0] for row in conn.execute("SELECT flds FROM notes"))
        finally:
            conn.close()


def test_a_save_of_the_same_size_within_the_same_time_is_rebuilt(example, tmp_path):
    # watch keeps each file's tree, and what a bank or the stories gave, in memory: an edit
    # that keeps the file's size and modification time must still reach the deck.
    out = tmp_path / "deck.apkg"
    edits = [("answers.yaml", "12 years in parcel operations", "13 years in parcel operations"),
             ("questions/my-questions.yaml", "They want proof", "They need proof"),
             ("stories.yaml", "Recovering a failing peak season", "Recovering a failing peak period")]
    with watching(example, out) as w:
        for rel, old, new in edits:
            assert len(old.encode()) == len(new.encode())
            path = example / rel
            before = path.stat()
            path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
            os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
            assert path.stat().st_size == before.st_size
            line = w.wait_for(f"{Path(rel).name}: ")
            assert "changed" in line and "nothing changed" not in line, line
            text = _package_text(out)
            assert new in text and old not in text


def test_watch_reads_a_build_state_replaced_behind_its_back(example, tmp_path):
    # The state is kept in memory too; a state file deleted (or written by another build)
    # while watch runs is read again, never overwritten with what watch remembered.
    out = tmp_path / "deck.apkg"
    with watching(example, out) as w:
        first = next(line for line in w.seen if "built: " in line)
        state = example / ".deck-builder" / "state.json"
        state.unlink()
        answers = example / "answers.yaml"
        answers.write_text(answers.read_text(encoding="utf-8").replace("12 years", "Twelve years"), encoding="utf-8")
        line = w.wait_for("answers.yaml: ")
        assert line.split(": ", 1)[1].split(" -> ")[0] == first.split(": ", 1)[1].split(" -> ")[0]  # "N notes": all new
        assert state.is_file()

        result = subprocess.run([sys.executable, "-m", "deck_builder", "build", str(example), "-o", str(out)],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        answers.write_text(answers.read_text(encoding="utf-8").replace("Twelve years", "12 years"), encoding="utf-8")
        assert "0 added, 2 changed, 0 removed" in w.wait_for("answers.yaml: ")


def test_watch_notices_what_a_company_file_depends_on(example, tmp_path):
    # A company's result is kept while its file is unchanged, but it also depends on its
    # photos and on the questions it tailors: those changes must reach the deck or the errors.
    out = tmp_path / "deck.apkg"
    with watching(example, out) as w:
        photo = example / "media" / "dana-okafor.svg"
        before = photo.stat()
        photo.write_text(photo.read_text(encoding="utf-8").replace("#2a7f62", "#2a7f63"), encoding="utf-8")
        os.utime(photo, ns=(before.st_atime_ns, before.st_mtime_ns))
        line = w.wait_for("dana-okafor.svg: ")
        assert "0 added, 1 changed, 0 removed" in line, line

        # A web page saved under the photo's name, of the same size and time: an error.
        size, stamp = photo.stat().st_size, photo.stat().st_mtime_ns
        page = b"<!DOCTYPE html><html><body>not a picture</body></html>"
        photo.write_bytes(page + b" " * (size - len(page)))
        os.utime(photo, ns=(stamp, stamp))
        assert "web page" in w.wait_for("northwind.yaml:")  # FILE:LINE:COL: error: ... is a web page
        assert "kept the last good deck" in w.wait_for("dana-okafor.svg: ")

        photo.write_bytes(b"")
        w.wait_for("northwind.yaml:")  # the error: FILE:LINE:COL, the photo is empty
        assert "kept the last good deck" in w.wait_for("dana-okafor.svg: ")
        photo.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>\n', encoding="utf-8")
        assert "1 changed" in w.wait_for("dana-okafor.svg: ")

        bank = example / "questions" / "my-questions.yaml"
        bank.write_text(bank.read_text(encoding="utf-8").replace("id: why-this-company", "id: why-this-firm"),
                        encoding="utf-8")
        tailoring = w.wait_for("northwind.yaml:")
        assert "tailoring: no question has the id 'why-this-company'" in tailoring, tailoring


def test_watch_gives_the_problems_and_state_a_cold_build_gives(example, tmp_path):
    # A question declared but broken is a question all the same for a company's tailoring,
    # and the Markdown the state keeps is every text's, also of notes watch did not derive again.
    import json
    import shutil

    out = tmp_path / "deck.apkg"
    with watching(example, out) as w:
        answers = example / "answers.yaml"
        for n in range(2):  # saves that change nothing: the stories and company are reused
            answers.write_text(answers.read_text(encoding="utf-8") + f"\n# save {n}\n", encoding="utf-8")
            assert "nothing changed" in w.wait_for("answers.yaml: ")
        cold = tmp_path / "cold"
        shutil.copytree(example, cold)
        built = subprocess.run([sys.executable, "-m", "deck_builder", "build", str(cold), "-o", str(tmp_path / "c.apkg")],
                               capture_output=True, text=True)
        assert built.returncode == 0, built.stderr
        state = lambda root: json.loads((root / ".deck-builder" / "state.json").read_text(encoding="utf-8"))  # noqa: E731
        assert state(example)["markdown"] == state(cold)["markdown"] != {}

        bank = example / "questions" / "my-questions.yaml"
        company = example / "companies" / "northwind.yaml"
        bank.write_text(bank.read_text(encoding="utf-8") + "\n  - id: broken-q\n    why: no ask\n", encoding="utf-8")
        company.write_text(company.read_text(encoding="utf-8").replace(
            "tailoring:\n", "tailoring:\n  broken-q:\n    - a point\n", 1), encoding="utf-8")
        summary = w.wait_for("kept the last good deck")
        errors = [line for line in w.seen if ": error: " in line]
        assert any("missing required key 'ask'" in line for line in errors), w.seen
        assert not any("broken-q" in line and "tailoring" in line for line in errors), errors
        assert "1 error" in summary, summary
