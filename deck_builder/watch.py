"""deck-builder watch: build, then rebuild whenever a source file changes."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from .sources.problems import ProblemsError, UserError, plural
from .sources.validate import PHOTO_TYPES
from .sources.workspace import STATE_DIR, check_folder, is_system_file

QUIET_MS = 50  # a burst of saves ends after this long without a change (watchfiles' own default)


def is_source(path: Path, root: Path, output: Path | None) -> bool:
    """Whether a change to this path should trigger a rebuild."""
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    if output is not None and path.resolve() == output.resolve():
        return False
    parts = rel.parts
    if not parts or parts[0] in ("build", STATE_DIR) or any(p.startswith(".") for p in parts):
        return False
    name = parts[-1]
    if is_system_file(name):  # editors save through temporary files; the system adds its own
        return False
    # photos may live anywhere in the workspace, not only in media/
    return name.endswith((".yaml", ".yml")) or parts[0] == "media" or name.lower().endswith(PHOTO_TYPES)


def first_push(folder: str, push) -> str:
    """The deck-builder push command that reaches the collection and server watch --push does."""
    import shlex

    words = ["deck-builder", "push", folder, "--sync"]
    if push.own:
        words.append("--own-collection")
    for option, value in (("--base", push.base), ("--profile", push.profile), ("--sync-url", push.sync_url)):
        if value:
            words += [option, str(value)]
    return " ".join(shlex.quote(w) for w in words)


def watch_workspace(folder: str, output: str | None, echo: Callable[[str, bool], None], push=None) -> None:
    """Build now, then after every burst of saves; returns on Ctrl-C (KeyboardInterrupt).

    PUSH (push.PushOptions or None): also put each good build into Anki."""
    from watchfiles import watch

    from .build import Compiler

    # A warm compiler: each rebuild parses only the files whose bytes changed, validates again
    # only those (and what depends on other files), derives and plans again only the notes of
    # what changed, and reuses the build state it saved; all in memory only, so the build is
    # the same as a cold one.
    compiler = Compiler()

    root = Path(folder)
    check_folder(root, folder)
    if output is not None and Path(output).is_dir():  # would fail on every save: say so once, now
        raise UserError(f"cannot write {output}: it is a folder; give a file name ending in .apkg")
    out_path = Path(output) if output else None
    last_good: Path | None = None
    said: set[str] = set()  # warnings already printed: each is said when it first appears

    def rebuild(what: str) -> None:
        nonlocal last_good, said
        stamp = time.strftime("%H:%M:%S")
        try:
            result = compiler.build(folder, output)
        except ProblemsError as exc:
            for p in exc.problems:
                echo(str(p), True)
            kept = f"kept the last good deck: {last_good}" if last_good else "no deck written yet"
            echo(f"{stamp}  {what}: {plural(sum(p.is_error for p in exc.problems), 'error')}; {kept}", False)
            return
        except UserError as exc:
            echo(f"{stamp}  {what}: error: {exc.message}", False)
            return
        last_good = result.output
        warnings = [str(p) for p in result.warnings]
        for line in warnings:
            if line not in said:
                echo(line, True)
        said = set(warnings)
        plan = result.plan
        if plan.first:
            change = f"{len(plan.added)} notes"
        elif plan.anything_changed or plan.note_types_changed:
            change = f"{len(plan.added)} added, {len(plan.changed)} changed, {len(plan.removed)} removed"
        else:
            change = "nothing changed"
        lost = sum(r.cards for r in plan.renames)
        if lost:  # never let a rename pass quietly: the full story is in build's and diff's output
            change += f"; renamed? {plural(lost, 'card')} would start over (deck-builder diff says how to keep them)"
        echo(f"{stamp}  {what}: {change} -> {result.output}", False)
        if push is not None:
            pushed(result, stamp)

    backed_up = False
    told_where = False
    if push is not None:  # watch asks nothing: a first sync is agreed to in one push, which asks
        from dataclasses import replace

        push = replace(push, how_to_agree=f"run  {first_push(folder, push)}  once first: it asks, then watch syncs")

    def pushed(result, stamp: str) -> None:
        """One line for what Anki took; removed items are listed, never deleted here."""
        nonlocal backed_up, told_where
        from dataclasses import replace

        from .push import deliver, new_renames

        renames = new_renames(result.plan)
        if renames:  # never start cards over behind the user's back: they decide, with deck-builder push
            lost = sum(r.cards for r in renames)
            echo(f"{stamp}  not in Anki: {lost} card{'s' if lost != 1 else ''} would start over (renamed?); "
                 "deck-builder diff says how to keep them, deck-builder push --yes pushes anyway", True)
            return
        outcome = deliver(result, replace(push, prune=False, backup=not backed_up), lambda flagged: False)
        d = outcome.delivery
        if d is not None and d.backup:
            backed_up = True
        if d is not None and not told_where:  # once: which collection, and how to choose the other
            told_where = True
            echo(f"{stamp}  pushing into {d.via}" + (f": {d.collection}" if d.collection else ""), False)
            for note in d.notes:
                echo(f"{stamp}  {note}", False)
        if outcome.error:
            echo(f"{stamp}  not in Anki: {outcome.error} (the package is written)", True)
            return
        line = f"{stamp}  in Anki: {len(d.new)} new, {len(d.updated)} updated, {d.unchanged} unchanged"
        if d.missing:
            line += f"; {len(d.missing)} did not arrive (close Anki's Browse and editing windows)"
        if d.flagged:
            line += f"; {len(d.flagged)} flagged as removed (push --prune deletes them)"
        if d.sync:
            line += "; synced"
        echo(line, bool(d.missing))
        for rehearsed in d.brought_forward:
            echo(f"{stamp}  brought forward from your rehearsal of {rehearsed}", False)
        for rehearsed in d.not_brought_forward:
            echo(f"{stamp}  not brought forward from your rehearsal of {rehearsed}", False)
        if d.sync_failed:
            echo(f"{stamp}  not synced: {d.sync_failed}", True)

    rebuild("built")
    watch_filter = lambda _change, path: is_source(Path(path), root, out_path)  # noqa: E731
    watching = False
    # One build per burst of saves: watchfiles waits until nothing changed for QUIET_MS. Its
    # first (empty) yield on timeout says the watcher is running: only then say "Watching".
    for changes in watch(root, watch_filter=watch_filter, step=QUIET_MS, debounce=3000, raise_interrupt=True,
                         rust_timeout=300, yield_on_timeout=True):
        if not watching:
            watching = True
            echo(f"Watching {folder} for changes (Ctrl-C to stop).", False)
        if not changes:
            continue
        names = sorted({Path(p).resolve().relative_to(root.resolve()).as_posix() for _, p in changes})
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        rebuild(shown)
