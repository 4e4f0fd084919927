"""What push says: the build, then what happened in Anki in Anki's words, then what to do."""

from __future__ import annotations

from ..apkg.plan import REMOVED_SEARCH
from ..report import build_summary, import_by_hand
from ..sources.problems import plural
from . import PushResult
from .outcome import Delivery, Flagged

LIST_LIMIT = 12


def _names(labels: list[str]) -> str:
    shown = ", ".join(labels[:LIST_LIMIT])
    return shown + (f" and {len(labels) - LIST_LIMIT} more" if len(labels) > LIST_LIMIT else "")


def _listed(verb: str, labels: list[str]) -> list[str]:
    out = [f"  {verb:<9}{label}" for label in labels[:LIST_LIMIT]]
    if len(labels) > LIST_LIMIT:
        out.append(f"  {'':<9}... and {len(labels) - LIST_LIMIT} more")
    return out


def delivery_report(d: Delivery) -> list[str]:
    """What the import did, the checks, the backup, removed items and the sync."""
    counts = [f"{len(d.new)} new", f"{len(d.updated)} updated", f"{d.unchanged} unchanged"]
    if d.conflicting:
        counts.append(f"{len(d.conflicting)} conflicting")
    if d.kept_anki_edit:
        counts.append(f"{len(d.kept_anki_edit)} kept as edited in Anki")
    lines = [f"Pushed to {d.via}: {', '.join(counts)}."]
    if d.collection:
        lines.append(f"  Its collection: {d.collection}")
    lines += [f"  {note}" for note in d.notes]
    lines += _listed("new", d.new) if len(d.new) <= LIST_LIMIT else []
    lines += _listed("updated", d.updated)
    arrived = len(d.new) + len(d.updated)
    if not d.missing:
        lines.append("Checked in Anki: " + ("every change arrived." if arrived else "it already had all of it."))
    if d.backup:
        lines.append(f"Backup first: {d.backup}")
        lines.append("  It holds the collection as it was; Anki can restore it (desktop: File > Import; AnkiDroid: "
                     "Import, Collection package)." if d.own else
                     "  To undo this push, in Anki: File > Switch Profile > Open Backup..., and choose that file.")
    if d.replaced_anki_edit:
        lines += ["", f"Your files replaced edits made in Anki to {plural(len(d.replaced_anki_edit), 'note')}: "
                  f"{_names(d.replaced_anki_edit)}."]
        if d.replaced_file:
            lines.append(f"  What Anki had is kept in {d.replaced_file}. Edit your files, not Anki, to keep a change.")
    if d.kept_anki_edit:
        lines += ["", f"Kept the Anki version of {plural(len(d.kept_anki_edit), 'note')} edited in Anki since your "
                  f"files changed: {_names(d.kept_anki_edit)}.",
                  "  Copy those edits into your files, or your next change there replaces them."]
    if d.conflicting:
        lines += ["", f"Not updated, their note type was changed in Anki: {_names(d.conflicting)}.",
                  "  In Anki's Browse select them, Notes > Change Note Type back to the deck-builder one,",
                  "  then push again (or delete them in Anki and push: they come back new, without reviews)."]
    if d.pruned:
        lines += ["", f"Deleted from Anki, as removed from your files: {plural(len(d.pruned), 'note')}."]
        lines += _listed("deleted", d.pruned)
    if d.flagged:
        lines += ["", f"Removed from your files, still in Anki: {plural(len(d.flagged), 'note')} "
                  f"({_names([f.label for f in d.flagged])}).",
                  f"  push --prune deletes them (or search  {REMOVED_SEARCH}  in Anki's Browse)."]
        if d.suspended:
            lines.append(f"  Their {plural(d.suspended, 'card')} {'is' if d.suspended == 1 else 'are'} suspended, "
                         "so they leave your review queue.")
    if d.unsuspended:
        lines += ["", f"Back in your files, and back in your review queue: {_names(d.unsuspended)}."]
    if d.brought_forward:
        lines += ["", "Brought forward from your rehearsals (due today in Anki; review history unchanged):"]
        lines += [f"  {line}" for line in d.brought_forward]
    if d.not_brought_forward:
        lines += ["", "Not brought forward from your rehearsals:"]
        lines += [f"  {line}" for line in d.not_brought_forward]
    if d.brought_forward or d.not_brought_forward:
        lines.append("  push --no-bring-forward (or bring_forward: false in deck.yaml) turns this off.")
    if d.sync_steps:
        lines += [""] + [f"{step}." for step in d.sync_steps]
    if d.sync:
        lines += ["" if not d.sync_steps else None, f"{d.sync}: your phone gets the changes at its next sync."]
        lines = [line for line in lines if line is not None]
        if d.sync_note:
            lines.append(f"  {d.sync_note}")
    return lines


def built_report(build) -> list[str]:
    """The build's summary, without the import instructions push makes unnecessary."""
    return build_summary(build, how_to_import=False)


def push_report(result: PushResult) -> tuple[list[str], list[str]]:
    """What happened in Anki: (lines for stdout, lines for stderr)."""
    out: list[str] = []
    err: list[str] = []
    d = result.delivery
    if d is not None:
        out += delivery_report(d)
        if d.missing:
            err.append(f"error: Anki did not take {plural(len(d.missing), 'change')} ({_names(d.missing)}). Close "
                       "Anki's Browse and editing windows (a note open there is not updated), then push again.")
        if d.sync_failed:
            err.append(f"error: {d.sync_failed}")
    if result.error:
        kept = "Anki was not changed" if result.changed_nothing else "What was done in Anki is kept"
        err.append(f"error: {result.error}")
        err.append(f"{kept}; the package is written: {result.build.output}")
    if result.error or (d is not None and d.missing):
        err += ["", *import_by_hand()]
    return out, err


def prune_question(flagged: list[Flagged]) -> list[str]:
    lines = [f"Removed from your files, and in Anki: {plural(len(flagged), 'note')}:"]
    lines += [f"  {f.label}" for f in flagged]
    return lines
