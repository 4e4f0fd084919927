"""Human-readable summaries for the CLI: coverage for check, what changed for build."""

from __future__ import annotations

from .apkg.plan import REMOVED_SEARCH, REMOVED_TAG, TOMBSTONE_DAYS, Change
from .build import BuildResult
from .sources.model import Workspace
from .sources.problems import plural
from .sources.textrules import field_text

LIST_LIMIT = 12


def coverage(ws: Workspace) -> list[str]:
    """What is prepared and what is not yet."""
    lines = ["Coverage"]
    tailored = {q for c in ws.companies.values() for q in c.tailoring}
    answered = [q for q in ws.questions if q in ws.answers]
    only_tailored = [q for q in ws.questions if q not in ws.answers and q in tailored]
    missing = [q for q in ws.questions if q not in ws.answers and q not in tailored]
    lines.append(f"  questions  {len(answered)} of {len(ws.questions)} have talking points")
    if only_tailored:
        lines.append(f"             only for a company so far: {_listed(only_tailored)}")
    if missing:
        lines.append(f"             no talking points yet (no card until you add some): {_listed(missing)}")
    used = {s for a in ws.answers.values() for s in a.stories}
    unused = [s for s in ws.stories if s not in used]
    story_line = f"  stories    {len(ws.stories)}"
    if ws.stories:
        story_line += f", unused: {_listed(unused)}" if unused else ", all linked to an answer"
    lines.append(story_line)
    for c in ws.companies.values():
        parts = [
            plural(len(c.facts), "fact"), plural(len(c.products), "product"),
            plural(len(c.people), "person", "people"), plural(len(c.tailoring), "tailored answer"),
            plural(len(c.questions_to_ask), "question to ask", "questions to ask"),
        ]
        if len(c.id) > 10:  # a long id on a line of its own keeps the column
            lines += [f"  {c.id}", f"  {'':<10} {', '.join(parts)}"]
        else:
            lines.append(f"  {c.id:<10} {', '.join(parts)}")
    if not ws.companies:
        lines.append("  companies  none yet (add one as companies/ID.yaml)")
    from .rehearse.mock import last_ratings, read_history

    last = last_ratings(read_history(ws.root))
    if last:
        weak = [f"{q} ({r})" for q, r in last.items() if r <= 2 and q in ws.questions]
        line = f"  mock       {plural(len(last), 'question')} practised"
        lines.append(line + (f"; weakest last time: {_listed(weak)}" if weak else "; none rated below 3"))
    return lines


def _listed(ids: list[str]) -> str:
    """IDS joined, the first LIST_LIMIT of them when there are more."""
    if len(ids) <= LIST_LIMIT:
        return ", ".join(ids)
    return f"{', '.join(ids[:LIST_LIMIT])} and {len(ids) - LIST_LIMIT} more"


def build_summary(result: BuildResult, how_to_import: bool = True) -> list[str]:
    """Counts, changes since the last build, and how to import (unless push does it)."""
    plan = result.plan
    total_notes = sum(n for n, _ in result.counts.values())
    total_cards = sum(c for _, c in result.counts.values())
    lines = [f"Built {result.output} ({plural(total_notes, 'note')}, {plural(total_cards, 'card')})", ""]
    lines.append(f"  {'kind':<18}{'notes':>6}{'cards':>7}")
    for kind, (notes, cards) in result.counts.items():
        lines.append(f"  {kind:<18}{notes:>6}{cards:>7}")
    lines.append("")
    if plan.first:
        lines.append(f"First build here: all {len(plan.added)} notes are new (Anki updates any it already has). "
                     "Later builds update them in place.")
    elif not plan.anything_changed and not plan.note_types_changed:
        lines.append("Nothing changed since the last build.")
    else:
        lines.append(
            f"Since the last build: {len(plan.added)} added, {len(plan.changed)} changed, "
            f"{len(plan.removed)} removed, {plan.unchanged} unchanged."
        )
        lines += _changes("added", plan.added)
        lines += _changes("changed", plan.changed)
        lines += _changes("removed", plan.removed)
        for name in plan.type_updates:
            lines.append(f"  updated  note type {name} (card templates or style; Anki updates it in place)")
    if plan.renames:
        lines += ["", *rename_lines(plan.renames)]
    if plan.removed and how_to_import:  # push says what is flagged in Anki itself
        lines += [
            "",
            "Removed items stay in Anki until you delete them. After importing, open Browse,",
            f"search  {REMOVED_SEARCH}  and delete those notes. Packages flag them for",
            f"{TOMBSTONE_DAYS} days, without cards, so a deleted one never returns to your reviews.",
        ]
    if plan.emptied_cards:
        lines += [
            "",
            f"{plural(plan.emptied_cards, 'key-point card')} lost {'its point' if plan.emptied_cards == 1 else 'their points'}"
            " (you deleted the point). After importing, run Tools > Empty Cards in Anki to delete",
            f"{'it' if plan.emptied_cards == 1 else 'them'}.",
        ]
    if plan.schema_changes and how_to_import:  # push merges them itself
        lines += [
            "",
            f"Note types with a new field list: {', '.join(plan.schema_changes)}.",
            "In Anki's import dialog tick \"Merge note types\" so your existing notes move to",
            "the new note type and keep their reviews.",
        ]
    if how_to_import:
        lines += ["", *import_by_hand(sum(r.cards for r in plan.renames))]
    return lines


def import_by_hand(lost: int = 0) -> list[str]:
    """How to import a package in each Anki (LOST: cards of likely renames that would start over)."""
    return [
        (f"Import it once the renames above are kept, or {'that card starts' if lost == 1 else f'those {lost} cards start'} "
         "over (changed notes are updated in place):") if lost else
        "Import it (your review history is kept; changed notes are updated in place):",
        "  Anki desktop  File > Import, choose the file (or double-click it); keep",
        "                \"Update notes: If newer\".",
        "  AnkiMobile    AirDrop the file to the iPhone/iPad, or save it to Files and tap it;",
        "                choose Open in Anki.",
        "  AnkiDroid     copy the file to the phone, open it from the file manager, or in",
        "                AnkiDroid use the menu > Import.",
        "  Or import on desktop and sync through AnkiWeb.",
    ]


_WHAT_FIX = {
    "company": "add  renamed_from: {old}  to {loc}",
    "question": "add  renamed_from: {old}  to that question ({loc})",
    "fact": "give it  id: {old}  ({loc})",
    "product": "give it  id: {old}  ({loc})",
    "person": "give it  id: {old}  ({loc})",
    "story": "change its id back to {old} ({loc}; a story's id is not shown on its cards)",
}
_CHANGE_FIX = "change its renamed_from to  renamed_from: {old}  ({loc}: keep the id it was first built with)"


def rename_lines(renames, package: str = "this package", limit: int | None = LIST_LIMIT) -> list[str]:
    """Notes removed and added again under a new id: how many cards would start over, and the fix
    (the first LIMIT of them; diff shows all)."""
    lost = sum(r.cards for r in renames)
    lines = [f"Renamed? {plural(lost, 'card')} would start over without {'its' if lost == 1 else 'their'} "
             f"review history when you import {package}:"]
    for r in renames[:limit]:
        counts = f"({plural(r.notes, 'note')}, {plural(r.cards, 'card')})"
        fix = (_CHANGE_FIX if r.written else _WHAT_FIX[r.what]).format(old=r.old, loc=r.loc)
        if r.company:
            fix += f", and add  renamed_from: {r.company[0]}  to {r.company[1]}"
        lines.append(f"  {r.what} '{r.old}' looks renamed to '{r.new}' {counts}: {fix}")
    if limit is not None and len(renames) > limit:
        more = renames[limit:]
        lines.append(f"  ... and {len(more)} more ({plural(sum(r.cards for r in more), 'card')}): "
                     "deck-builder diff lists them all")
    lines.append("Do that and build again, and they keep their history: import that package rather than this one, "
                 "whose new notes it leaves out (if you have imported since the rename, the notes with the old ids "
                 "come back with it; delete the new copies there).")
    return lines


def diff_report(plan) -> list[str]:
    """What the next build would change, field by field."""
    lines = []
    for c in plan.added:
        lines.append(f"+ added    {c.label}")
    for c in plan.changed:
        lines.append(f"~ changed  {c.label}")
        for name, before, after in zip(c.fields, c.before, c.after):
            old, new = _excerpts(field_text(before), field_text(after))
            lines.append(f"    {name}: {old!r} -> {new!r}")
    for c in plan.removed:
        lines.append(f"- removed  {c.label}  (flagged {REMOVED_TAG} in Anki)")
    if plan.renames:
        lines += rename_lines(plan.renames, "the next package", limit=None)
    for name in plan.schema_changes:
        lines.append(f"! note type {name}: new field list; tick \"Merge note types\" when importing")
    for name in plan.type_updates:
        lines.append(f"~ note type {name}: card templates or style changed (updated in place on import)")
    changed = len(plan.added) + len(plan.changed) + len(plan.removed)
    if changed or plan.note_types_changed:
        lines.append(f"\nThe next build would change {plural(changed, 'note')} ({len(plan.added)} added, "
                     f"{len(plan.changed)} changed, {len(plan.removed)} removed); {plan.unchanged} unchanged.")
    else:
        lines.append(f"Nothing would change: all {plan.unchanged} notes are as last built.")
    return lines


def _excerpts(old: str, new: str, width: int = 60) -> tuple[str, str]:
    """Short before/after texts around the first difference."""
    if len(old) <= width and len(new) <= width:
        return old, new
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    start = max(0, start - 20)
    cut = lambda s: ("..." if start else "") + s[start : start + width] + ("..." if len(s) > start + width else "")
    return cut(old), cut(new)


def _changes(verb: str, changes: list[Change]) -> list[str]:
    out = []
    for c in changes[:LIST_LIMIT]:
        detail = f"  ({', '.join(c.fields)})" if c.fields else ""
        out.append(f"  {verb:<8} {c.label}{detail}")
    if len(changes) > LIST_LIMIT:
        out.append(f"  {'':<8} ... and {len(changes) - LIST_LIMIT} more {verb}")
    return out
