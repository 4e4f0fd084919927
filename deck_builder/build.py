"""The pipeline, top to bottom: load -> validate -> derive -> plan -> write -> remember."""

from __future__ import annotations

import gc
import re
import time
from dataclasses import dataclass
from typing import Callable
from pathlib import Path

from . import render
from .atomic import replacing
from .derive import KIND_NAMES, derive_notes
from .model import Workspace
from .notetypes import card_ordinals, note_types, stylesheet
from .plan import Plan, plan_build
from .problems import Problem, ProblemsError, UserError, count_summary
from .renames import find_renames, unmatched_renames
from .schema import refresh_schemas
from .state import STATE_DIR, STATE_FILE, BuildState, load_state, point_numbering, save_state
from .workspace import load_workspace, shown_path


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


def _state(ws: Workspace, readonly: bool):
    """The workspace's build state and its warnings (a broken file is set aside unless READONLY)."""
    return load_state(ws.root, shown_path(ws.shown_root, f"{STATE_DIR}/{STATE_FILE}"), readonly=readonly)


def _plan(ws: Workspace, now: float | None, readonly: bool):
    """Workspace + its build state -> (note types, stylesheet, plan, state warnings, that state)."""
    types = note_types(ws.settings.tts, ws.settings.voices)
    css = stylesheet()
    state, warnings = _state(ws, readonly)
    signature = render.renderer_signature()
    render.begin(state.markdown if state.renderer == signature else {})
    specs = derive_notes(ws, point_numbering(state))
    plan = plan_build(specs, types, css, state, time.time() if now is None else now)
    plan.new_state.markdown, plan.new_state.renderer = dict(render.used), signature
    plan.renames = find_renames(plan, state, specs, types, ws)
    return types, css, plan, warnings + unmatched_renames(ws, state), state


def plan_next(folder: str, now: float | None = None) -> tuple[Workspace, Plan, list[Problem]]:
    """A workspace folder -> what the next build would change; writes nothing."""
    ws, warnings = load_workspace(folder)
    _, _, plan, state_warnings, _ = _plan(ws, now, readonly=True)
    return ws, plan, warnings + state_warnings


def write_text_atomically(out: Path, text: str) -> None:
    """Write a page through a temporary file and a rename, so a reader never sees half of it."""
    if out.is_dir():
        raise UserError(f"cannot write {out}: it is a folder; give the name of a file inside it")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with replacing(out) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None


def write_preview(folder: str, output: str | Path | None = None) -> tuple[Path, int]:
    """A workspace folder -> an HTML page of every card (nothing else is written)."""
    from .preview import preview_page

    ws, _ = load_workspace(folder)
    types = note_types(ws.settings.tts, ws.settings.voices)
    out = Path(output) if output is not None else ws.root / "build" / "preview.html"
    state, _ = _state(ws, readonly=True)  # key points keep the cloze numbers the last build gave them
    page, cards = preview_page(ws.settings.deck, derive_notes(ws, point_numbering(state)), types, stylesheet())
    write_text_atomically(out, page)
    return out, cards


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
               proceed: Callable[[Plan], str | None] | None = None) -> BuildResult:
    """A workspace folder -> a written .apkg and the updated build state. PROCEED, given the plan
    before anything is written, may return why not to go on: NotBuilt, and nothing changes."""
    with no_gc():
        return _build_deck(folder, output, now, proceed)


def _build_deck(folder: str, output: str | Path | None, now: float | None, proceed=None) -> BuildResult:
    try:
        ws, warnings = load_workspace(folder)
    except ProblemsError as exc:
        previous = Path(output).is_file() if output is not None else any((Path(folder) / "build").glob("*.apkg"))
        raise ProblemsError(exc.problems, _failed_summary(exc.problems, previous)) from None
    types, css, plan, state_warnings, previous = _plan(ws, now, readonly=False)
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
        save_state(ws.root, plan.new_state)
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
    from .package import write_package as write  # genanki is imported only when writing

    write(plan, types, css, out)


def _failed_summary(problems: list[Problem], previous: bool) -> str:
    kept = " and the previous package is unchanged" if previous else ""
    return f"{count_summary(problems)}; nothing was built{kept}."
