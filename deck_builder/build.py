"""The pipeline, top to bottom: load -> validate -> derive -> plan -> write -> remember.

Each stage is a plain function of its inputs. A plain `build` runs them cold; `watch` owns a
`Compiler`, which keeps what a warm build remembers and passes it down.
"""

from __future__ import annotations

import gc
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .apkg.plan import Plan, PlanMemory, plan_build
from .apkg.renames import find_renames, unmatched_renames
from .apkg.state import (
    STATE_FILE,
    BuildState,
    StateMemory,
    load_state,
    point_numbering,
    save_state,
)
from .cards import render
from .cards.derive import KIND_NAMES, NoteMemory, derive_notes
from .cards.notetypes import card_ordinals, note_types, stylesheet
from .sources.model import Workspace
from .sources.problems import Problem, ProblemsError, UserError, count_summary
from .sources.schema import refresh_schemas
from .sources.workspace import STATE_DIR, SourceMemory, load_workspace, shown_path


@dataclass
class BuildResult:
    workspace: Workspace
    output: Path
    plan: Plan
    warnings: list[Problem]
    counts: dict[str, tuple[int, int]]  # kind name -> (notes, cards)
    previous: BuildState | None = None  # the build state before this build (push compares Anki with it)


def package_name(deck: str) -> str:
    """A file name from a deck name: "Jobs::Interview Prep" -> "Jobs - Interview Prep.apkg"."""
    name = re.sub(r'[/\\:*?"<>|\x00-\x1f]+', "-", deck.replace("::", " - ")).strip(" .-")
    return (name or "deck") + ".apkg"


def default_output(ws: Workspace) -> Path:
    return ws.root / "build" / package_name(ws.settings.deck)


class Compiler:
    """A warm compiler: everything a rebuild remembers from the builds before it.

    Each file's tree by its bytes and what validation made of it (SourceMemory), the
    rendered Markdown (render.Renderer), the notes of each story and company (NoteMemory),
    the last plan (PlanMemory) and the state last saved or read (StateMemory). All in memory,
    so a warm build writes exactly what a cold one writes; a file changed behind its back is
    read again. `watch` creates one and keeps it; a plain `build` creates none.

    One build at a time: `build` holds `lock`, so threads may share a Compiler (the studio's
    server is threaded), but never build through it at once.
    """

    def __init__(self) -> None:
        self.sources = SourceMemory()
        self.renderer = render.Renderer()
        self.notes = NoteMemory()
        self.plans = PlanMemory()
        self.state = StateMemory()
        self.lock = threading.Lock()

    def build(self, folder: str, output: str | Path | None = None, now: float | None = None,
              proceed: Callable[[Plan], str | None] | None = None) -> BuildResult:
        """build_deck, warm."""
        with self.lock:
            return build_deck(folder, output, now, proceed, compiler=self)


def last_state(ws: Workspace, readonly: bool, compiler: Compiler | None = None):
    """The workspace's build state and its warnings (a broken file is set aside unless READONLY)."""
    return load_state(ws.root, shown_path(ws.shown_root, f"{STATE_DIR}/{STATE_FILE}"), readonly=readonly,
                      memory=compiler.state if compiler is not None else None)


def _plan(ws: Workspace, now: float | None, readonly: bool, compiler: Compiler | None = None):
    """Workspace + its build state -> (note types, stylesheet, plan, state warnings, that state)."""
    types = note_types(ws.settings.tts, ws.settings.voices)
    css = stylesheet()
    state, warnings = last_state(ws, readonly, compiler)
    signature = render.renderer_signature()
    md = compiler.renderer if compiler is not None else render.Renderer(remember=False)
    md.begin(state.markdown if state.renderer == signature else {})
    specs = derive_notes(ws, point_numbering(state), md, compiler.notes if compiler is not None else None)
    plan = plan_build(specs, types, css, state, time.time() if now is None else now,
                      compiler.plans if compiler is not None else None)
    plan.new_state.markdown, plan.new_state.renderer = dict(md.used), signature
    plan.renames = find_renames(plan, state, specs, types, ws)
    return types, css, plan, warnings + unmatched_renames(ws, state), state


def plan_next(folder: str, now: float | None = None) -> tuple[Workspace, Plan, list[Problem]]:
    """A workspace folder -> what the next build would change; writes nothing."""
    ws, warnings = load_workspace(folder)
    _, _, plan, state_warnings, _ = _plan(ws, now, readonly=True)
    return ws, plan, warnings + state_warnings


class no_gc:
    """Pause Python's cyclic garbage collector for one build.

    A build makes hundreds of thousands of small, long-lived objects (YAML nodes, texts,
    locations), and the collector's full passes over them grew the build time faster than
    the workspace: 10,000 notes took 3x longer with it on (benchmarks/scale.py). Nothing
    here makes reference cycles worth collecting mid-build; it runs again afterwards.
    """

    def __enter__(self):
        self.was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        if self.was:
            gc.enable()
        return False


class NotBuilt(UserError):
    """The caller's PROCEED said no to a plan: nothing was written."""


def build_deck(folder: str, output: str | Path | None = None, now: float | None = None,
               proceed: Callable[[Plan], str | None] | None = None, compiler: Compiler | None = None) -> BuildResult:
    """A workspace folder -> a written .apkg and the updated build state. PROCEED, given the plan
    before anything is written, may return why not to go on: NotBuilt, and nothing changes.
    COMPILER (watch's, or None for a cold build) remembers what did not change."""
    with no_gc():
        return _build_deck(folder, output, now, proceed, compiler)


def _build_deck(folder: str, output: str | Path | None, now: float | None, proceed, compiler) -> BuildResult:
    try:
        ws, warnings = load_workspace(folder, compiler.sources if compiler is not None else None)
    except ProblemsError as exc:
        previous = Path(output).is_file() if output is not None else any((Path(folder) / "build").glob("*.apkg"))
        raise ProblemsError(exc.problems, _failed_summary(exc.problems, previous)) from None
    types, css, plan, state_warnings, previous = _plan(ws, now, readonly=False, compiler=compiler)
    if proceed is not None and (why := proceed(plan)):
        raise NotBuilt(why)
    out = Path(output) if output is not None else default_output(ws)
    if out.is_dir():
        raise UserError(f"cannot write {out}: it is a folder; give a file name ending in .apkg, "
                        f"like {out / package_name(ws.settings.deck)}")
    if out.suffix.lower() != ".apkg":
        raise UserError(f"the output must be an Anki package ending in .apkg, not '{out}'")
    write_package(plan, types, css, out)
    try:
        save_state(ws.root, plan.new_state, compiler.state if compiler is not None else None)
    except OSError as exc:
        raise UserError(
            f"the package was written to {out}, but the build state could not be saved ({exc.strerror}); "
            "the next build will count every note as changed"
        ) from None
    refresh_schemas(ws.root)  # a wired workspace's editor schemas follow this version's keys
    counts: dict[str, tuple[int, int]] = {}
    for planned in plan.notes:
        if planned.tombstone:
            continue
        name = KIND_NAMES[planned.kind]
        notes, cards = counts.get(name, (0, 0))
        counts[name] = (notes + 1, cards + len(card_ordinals(types[planned.note_type], planned.fields)))
    return BuildResult(ws, out, plan, warnings + state_warnings, counts, previous)


def write_package(plan, types, css, out):
    # genanki is imported only when writing
    from .apkg.package import write_package as write

    write(plan, types, css, out)


def _failed_summary(problems: list[Problem], previous: bool) -> str:
    kept = " and the previous package is unchanged" if previous else ""
    return f"{count_summary(problems)}; nothing was built{kept}."
