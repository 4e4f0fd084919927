"""Hostile input and interruptions: clear errors, bounded memory, nothing lost."""

from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

from deck_builder import interrupts
from deck_builder.apkg.state import state_path
from deck_builder.build import build_deck

ANSWER = "career-goals:\n  points: [Lead a network]\n"


def test_bank_linked_from_outside_the_workspace_is_refused(workspace, tmp_path, cli):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("bank: X\nquestions:\n  - id: x\n    ask: Why?\n")
    ws = workspace({"answers.yaml": ANSWER})
    (ws / "questions").mkdir()
    (ws / "questions" / "linked.yaml").symlink_to(outside)
    result = cli("check", ws)
    assert result.exit_code == 1
    assert (f"{ws}/questions/linked.yaml: error: this file is a link to a file outside the workspace; copy the "
            "file itself into the workspace (deck-builder reads nothing outside it)") in result.stderr


def test_huge_file_is_refused_before_reading(workspace, cli):
    ws = workspace({"answers.yaml": ANSWER, "stories.yaml": "# " + "x" * 11_000_000 + "\n"})
    result = cli("check", ws)
    assert result.exit_code == 1
    assert f"{ws}/stories.yaml: error: this file is 11.0 MB; deck-builder reads files of up to 10 MB" in result.stderr


def test_billion_laughs_is_refused_with_bounded_memory(workspace, cli):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    ws = workspace({"answers.yaml": ANSWER, "stories.yaml": "\n".join(lines) + "\n"})
    tracemalloc.start()
    result = cli("check", ws)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.exit_code == 1
    assert f"{ws}/stories.yaml:2:8: error: '*a' at the start of a value is a YAML alias" in result.stderr
    assert peak < 50_000_000  # 9**9 expanded strings would need gigabytes


@pytest.mark.parametrize("content", ["", "# only a comment\n", "---\n"])
def test_empty_company_file_says_what_is_missing(workspace, cli, content):
    ws = workspace({"answers.yaml": ANSWER, "companies/acme.yaml": content})
    result = cli("check", ws)
    assert result.exit_code == 1
    assert (f"{ws}/companies/acme.yaml:1:1: error: company: this file is empty (or holds only comments), and a "
            "company file needs at least a name: start it with its name, like name: \"Acme\"") in result.stderr


def test_unwritable_output_keeps_sources_and_previous_package(example, cli, tmp_path):
    good = tmp_path / "deck.apkg"
    assert cli("build", example, "-o", good).exit_code == 0
    before = {p: p.read_bytes() for p in example.rglob("*") if p.is_file()}
    package = good.read_bytes()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    result = cli("build", example, "-o", blocker / "deck.apkg")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot write {blocker / 'deck.apkg'}: ")
    assert {p: p.read_bytes() for p in example.rglob("*") if p.is_file()} == before  # state untouched too
    assert good.read_bytes() == package


def test_state_from_an_older_version_is_set_aside_with_a_warning(example, cli):
    cli("build", example)
    path = state_path(example)
    path.write_text(json.dumps({"format": 0, "notes": {}}))
    result = cli("build", example)
    assert result.exit_code == 0
    assert "warning: the build state could not be read (format 0, expected 1)" in result.stderr
    assert "every note counts as changed once" in result.stderr
    assert "First build here" in result.stdout


def big_workspace(root: Path) -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from rebuild import make_workspace
    finally:
        sys.path.pop(0)
    make_workspace(root, questions=400, stories=100, companies=8)


# How CPython itself reports a Ctrl-C that reaches it before our entry point (__main__.run) can
# catch it: while it is still starting (its site module, its standard streams, runpy), ...
CPYTHON_STARTING = ("Fatal Python error: init_", "Could not import runpy module")
# ... and one that lands in a finalizer of its import machinery (a weakref callback of an import
# lock) then: printed and dropped, and the command goes on (from run() on, it is sent again).
DROPPED_BY_CPYTHON = re.compile(r'Exception ignored in: .*\nTraceback \(most recent call last\):\n'
                                r'(?:  File "<frozen [^"]+>", line \d+, in .+\n)+KeyboardInterrupt: ?\n')
FRAME = re.compile(r'^  File "(.+)", line \d+, in (.+)$', re.M)


def before_our_code(err: str) -> bool:
    """ERR is CPython's own report of a Ctrl-C that came before any function of ours ran: a fatal
    start-up error, or a KeyboardInterrupt traceback through CPython's start-up and nothing of ours
    but the module-level code of the entry point (deck_builder/__main__.py importing interrupts.py)."""
    if err.startswith(CPYTHON_STARTING):
        return True
    if not (err.startswith("Traceback (most recent call last):\n") and err.endswith("\nKeyboardInterrupt\n")):
        return False
    module_level = {"<module>"} | {name for name, value in vars(interrupts).items()
                                   if isinstance(value, type) and value.__module__ == interrupts.__name__}
    return all("deck_builder" not in Path(file).parts
               or (Path(file).parts[-2:] in (("deck_builder", "__main__.py"), ("deck_builder", "interrupts.py"))
                   and function in module_level)
               for file, function in FRAME.findall(err))


@contextlib.contextmanager
def children_get(sig: int):
    """Children start with SIG as a terminal gives it to them, even when this test run was started
    in the background, where the shell ignores SIGINT (and children inherit an ignored signal)."""
    ignored = sig != signal.SIGKILL and signal.getsignal(sig) == signal.SIG_IGN
    if ignored:
        signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL)
    try:
        yield
    finally:
        if ignored:
            signal.signal(sig, signal.SIG_IGN)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"])
def test_interrupted_build_leaves_old_or_new_package_never_a_truncated_one(tmp_path, sig):
    ws = tmp_path / "ws"
    big_workspace(ws)
    out = tmp_path / "deck.apkg"
    cmd = [sys.executable, "-m", "deck_builder", "build", str(ws), "-o", str(out)]
    started = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True)
    took = time.monotonic() - started
    answers = ws / "answers.yaml"
    edits = 0

    def build() -> tuple[subprocess.Popen, bytes, float]:
        nonlocal edits
        edits += 1
        old = out.read_bytes()
        answers.write_text(answers.read_text().replace("a short and specific claim", f"edit {edits}", 1))
        started = time.monotonic()
        with children_get(sig):
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return proc, old, started

    # Signals spread over the whole build, start-up to the final rename, wherever this machine is.
    interrupted = 0
    for fraction in (0.15, 0.3, 0.45, 0.6, 0.7, 0.8, 0.9, 0.97):
        for _ in range(4):
            proc, old, started = build()
            try:
                proc.wait(timeout=took * fraction)
            except subprocess.TimeoutExpired:
                proc.send_signal(sig)
                break
            # The build was done before its signal: the machine is less busy than when it was timed.
            # Time it again and aim anew, so that each signal lands in a build that is running.
            took = time.monotonic() - started
            _, err = proc.communicate()
            assert (proc.returncode, err) == (0, ""), err
            with zipfile.ZipFile(out) as z:
                assert z.testzip() is None and out.read_bytes() != old
        else:
            continue
        _, err = proc.communicate(timeout=60)
        if sig == signal.SIGINT and before_our_code(err):
            # The signal reached Python while it was still starting, before any code of ours could
            # catch it: CPython reports it itself. Nothing was touched.
            assert proc.returncode in (1, -sig), err
            assert out.read_bytes() == old
            assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
            continue
        dropped = sig == signal.SIGINT and DROPPED_BY_CPYTHON.match(err)
        if dropped:  # before our code: the build went on as if not interrupted
            err = err[dropped.end():]
            assert proc.returncode == 0, err
        assert "Traceback" not in err
        data = out.read_bytes()
        if data != old:  # the new package, complete
            with zipfile.ZipFile(out) as z:
                assert z.testzip() is None and "collection.anki2" in z.namelist()
        else:
            assert zipfile.is_zipfile(out)
        if proc.returncode == -sig or (proc.returncode == 1 and "Aborted!" in err):
            interrupted += 1
            continue  # SIGKILL, or a signal before the build command started (Python's or click's default)
        # Ctrl-C: 130, or death by SIGINT (CPython's own convention after a caught Ctrl-C under -m);
        # SIGTERM: always 143, never a death by a signal that was not sent.
        assert proc.returncode in {signal.SIGINT: (0, 130, -2), signal.SIGTERM: (0, 143), signal.SIGKILL: (0,)}[sig], err
        if proc.returncode != 0:
            interrupted += 1
            assert err.strip() in ("Interrupted; the previous package (if any) is unchanged.",
                                   "Interrupted while starting; nothing was changed."), err
        assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert interrupted >= 3  # most signals land before the build ends: this test tests interrupts


def test_sigterm_inside_generated_code_exits_143(tmp_path):
    """SIGTERM landing in code compiled from a string (dataclasses, namedtuples) under python -m:
    CPython would turn a KeyboardInterrupt there into a death by SIGINT after our clean exit."""
    (tmp_path / "victim.py").write_text(
        "from deck_builder.interrupts import interruptible\n"
        "with interruptible('nothing was written'):\n"
        "    exec('import os, signal, time\\nos.kill(os.getpid(), signal.SIGTERM)\\ntime.sleep(5)')\n"
    )
    proc = subprocess.run([sys.executable, "-m", "victim"], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert (proc.returncode, proc.stderr) == (143, "\nInterrupted; nothing was written.\n")


def test_ctrl_c_while_a_class_is_created_is_an_interrupt_too(tmp_path):
    """Python 3.11 wraps an exception raised in __set_name__ (functools.cached_property, used
    by modules the build imports) in a RuntimeError: still an interrupt, not a traceback."""
    (tmp_path / "victim.py").write_text(
        "import os, signal, time\n"
        "from deck_builder.interrupts import interruptible\n"
        "class Slow:\n"
        "    def __set_name__(self, owner, name):\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        time.sleep(5)\n"
        "with interruptible('nothing was written'):\n"
        "    class Built:\n"
        "        part = Slow()\n"
    )
    proc = subprocess.run([sys.executable, "-m", "victim"], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert (proc.returncode, proc.stderr) == (130, "\nInterrupted; nothing was written.\n")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupt_landing_in_a_finalizer_is_not_lost(tmp_path, sig):
    """CPython prints an exception raised in a finalizer (a __del__, or a weakref callback of its
    import machinery, which runs at every import) as "Exception ignored" and drops it: the Ctrl-C
    would be lost and the command would go on."""
    (tmp_path / "victim.py").write_text(
        "import os, signal, time\n"
        "from deck_builder.interrupts import interruptible\n"
        "class Finalized:\n"
        "    def __del__(self):\n"
        f"        os.kill(os.getpid(), {int(sig)})\n"
        "        time.sleep(5)\n"
        "with interruptible('nothing was written'):\n"
        "    Finalized()\n"
        "    time.sleep(5)\n"
    )
    proc = subprocess.run([sys.executable, "-m", "victim"], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert (proc.returncode, proc.stderr) == ({signal.SIGINT: 130, signal.SIGTERM: 143}[sig],
                                              "\nInterrupted; nothing was written.\n")


def test_ctrl_c_while_click_reads_the_command_line_is_an_interrupt_too(tmp_path):
    """click reads sys.argv before its own handling of Ctrl-C begins: the entry point handles a
    Ctrl-C there as one while starting, not with a traceback."""
    (tmp_path / "victim.py").write_text(
        "import os, signal, sys, time\n"
        "import deck_builder.cli\n"
        "from deck_builder.__main__ import run\n"
        "class Argv(list):\n"
        "    def __getitem__(self, index):\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        time.sleep(5)\n"
        "sys.argv = Argv(['deck-builder', '--version'])\n"
        "run()\n"
    )
    proc = subprocess.run([sys.executable, "-m", "victim"], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert (proc.returncode, proc.stderr) == (130, "\nInterrupted while starting; nothing was changed.\n")


def test_the_installed_command_starts_through_the_interrupt_guard():
    """Ctrl-C while the command is still importing gets the same clean exit as python -m."""
    from importlib.metadata import entry_points

    (command,) = [e for e in entry_points(group="console_scripts") if e.name == "deck-builder"]
    assert command.value == "deck_builder.__main__:run"


def test_temporary_files_of_killed_builds_are_removed_and_those_of_running_ones_kept(workspace):
    """A build killed outright (SIGKILL, power loss) leaves its .NAME.PID.tmp files: the
    next build removes them beside the package and beside the state, whatever the deck's name."""
    ws = workspace({"deck.yaml": "deck: Prep [2026]\n", "answers.yaml": ANSWER})
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (ws / "build").mkdir()
        (ws / ".deck-builder").mkdir()
        stale = [ws / "build" / f".Prep [2026].apkg.{dead}.tmp", ws / ".deck-builder" / f".state.json.{dead}.tmp"]
        running = [ws / "build" / f".Prep [2026].apkg.{alive.pid}.tmp", ws / ".deck-builder" / f".state.json.{alive.pid}.tmp"]
        for path in stale + running:
            path.write_bytes(b"half a file")
        build_deck(str(ws))
        assert sorted(p.name for p in (ws / "build").iterdir()) == [running[0].name, "Prep [2026].apkg"]
        assert sorted(p.name for p in (ws / ".deck-builder").iterdir()) == [running[1].name, "state.json"]
    finally:
        alive.kill()
        alive.wait()


def test_ctrl_c_inside_a_weakref_callback_still_interrupts(tmp_path):
    """Python cannot raise a KeyboardInterrupt out of a weakref callback (the import system
    runs one after every import): it prints "Exception ignored" and goes on. The interrupt
    must still end the command cleanly."""
    (tmp_path / "victim.py").write_text(
        "import os, signal, time, weakref\n"
        "from deck_builder.interrupts import interruptible\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal\n"
        "class Item:\n"
        "    pass\n"
        "def callback(ref):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    for _ in range(10**8):  # the KeyboardInterrupt is raised here, inside the callback\n"
        "        pass\n"
        "item = Item()\n"
        "ref = weakref.ref(item, callback)\n"
        "with interruptible('nothing was written'):\n"
        "    del item\n"
        "    time.sleep(5)\n"
    )
    proc = subprocess.run([sys.executable, "-m", "victim"], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert (proc.returncode, proc.stderr) == (130, "\nInterrupted; nothing was written.\n")
