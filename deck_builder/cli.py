"""The command line: parse, call, print. Heavy modules are imported inside each command."""

from __future__ import annotations

import click

from . import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="deck-builder")
def main() -> None:
    """Compile your interview preparation into an Anki deck.

    A workspace is a folder of plain YAML files: your talking points
    (answers.yaml), your STAR stories (stories.yaml), extra question banks
    (questions/*.yaml) and one research file per company (companies/*.yaml).
    Rebuild as often as you like: re-importing updates cards in place and keeps
    your review history.

    \b
    Start here:
      deck-builder init my-prep      a commented starter workspace
      deck-builder check my-prep     find problems and gaps
      deck-builder build my-prep     write my-prep/build/Interview Prep.apkg
    """


@main.command("init")
@click.argument("folder", type=click.Path())
def init_command(folder: str) -> None:
    """Create a starter workspace in FOLDER, every file commented.

    Writes deck.yaml, answers.yaml, stories.yaml, a question bank, an example
    company and a media/ folder. Never overwrites: if any of those files exists,
    nothing is written.
    """
    from .init import init_workspace

    written = init_workspace(folder)
    click.echo(f"Created a workspace in {folder}:")
    for rel in written:
        click.echo(f"  {rel}")
    click.echo(f"\nNext: edit the files, then run  deck-builder check {folder}  and  deck-builder build {folder}")


@main.command("check")
@click.argument("folder", default=".", type=click.Path())
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too, not only on errors.")
def check_command(folder: str, strict: bool) -> None:
    """Check the workspace in FOLDER (default: here) without building.

    Prints every error and warning at once as FILE:LINE:COL: error|warning:
    message, then a coverage summary: questions with and without talking
    points, unused stories, facts per company. Exits 1 on an error (and on a
    warning with --strict).
    """
    from .derive import derive_notes
    from .report import coverage
    from .workspace import load_workspace

    ws, warnings = load_workspace(folder)
    for problem in warnings:
        click.echo(str(problem), err=True)
    notes = derive_notes(ws)
    for line in coverage(ws):
        click.echo(line)
    click.echo(f"\nNo errors, {len(warnings)} warning{'s' if len(warnings) != 1 else ''}; "
               f"the deck would have {len(notes)} note{'s' if len(notes) != 1 else ''}.")
    if strict and warnings:
        click.echo("--strict: warnings count as errors.", err=True)
        raise SystemExit(1)


@main.command("diff")
@click.argument("folder", default=".", type=click.Path())
def diff_command(folder: str) -> None:
    """Show what the next build would change, without writing anything.

    Lists notes that would be added, changed (which fields, with a short
    before/after) and removed since the last build, and note types whose
    templates or field list would change. Exit status: 0 when nothing would
    change, 1 when something would, 2 on an error in the workspace.
    """
    from .build import plan_next
    from .problems import ProblemsError, UserError
    from .report import diff_report

    try:
        _, plan, warnings = plan_next(folder)
    except (ProblemsError, UserError) as exc:
        exc.exit_code = 2
        raise
    for problem in warnings:
        click.echo(str(problem), err=True)
    for line in diff_report(plan):
        click.echo(line)
    if plan.anything_changed or plan.note_types_changed:
        raise SystemExit(1)


@main.command("watch")
@click.argument("folder", default=".", type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Where to write the package. Default: FOLDER/build/<deck name>.apkg")
def watch_command(folder: str, output: str | None) -> None:
    """Build, then rebuild whenever a file in the workspace changes.

    Several saves in quick succession give one build; editor temporary and swap
    files are ignored. Each rebuild prints one line: the time, what changed and
    where the deck is. A broken file prints its errors and keeps the last good
    deck; the next good save builds again. Stop with Ctrl-C.
    """
    from .watch import watch_workspace

    try:
        watch_workspace(folder, output, lambda line, err: click.echo(line, err=err))
    except KeyboardInterrupt:
        click.echo("Stopped.")


@main.command("preview")
@click.argument("folder", default=".", type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Where to write the page. Default: FOLDER/build/preview.html")
def preview_command(folder: str, output: str | None) -> None:
    """Write one HTML page showing every card, front and back, before importing.

    Cards are rendered from the same templates and stylesheet as the package and
    grouped by deck; the page has a light/dark switch and a phone-width view.
    It is self-contained (photos included): open it in any browser.
    """
    from .build import write_preview

    out, cards = write_preview(folder, output)
    click.echo(f"Wrote {out} ({cards} cards). Open it in a browser.")


@main.command("build")
@click.argument("folder", default=".", type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Where to write the package. Default: FOLDER/build/<deck name>.apkg")
@click.option("--open", "open_after", is_flag=True,
              help="Then open the package with the system's default handler (Anki desktop imports it).")
def build_command(folder: str, output: str | None, open_after: bool) -> None:
    """Build the Anki package (.apkg) from the workspace in FOLDER (default: here).

    Prints how many notes and cards of each kind it holds, what was added,
    changed and removed since the last build, and how to import it on desktop
    and phones. Unchanged notes keep their modification time, so re-importing
    only touches what you changed; the build state lives in
    FOLDER/.deck-builder/state.json (safe to delete).
    """
    from .build import build_deck
    from .report import build_summary

    result = build_deck(folder, output)
    for problem in result.warnings:
        click.echo(str(problem), err=True)
    for line in build_summary(result):
        click.echo(line)
    if open_after:
        from .opener import open_package

        problem = open_package(result.output)
        if problem:
            click.echo(f"warning: --open: {problem}", err=True)
        else:
            click.echo(f"\nOpened {result.output} with the default application (Anki imports it).")
