"""The command line: parse, call, print. Heavy modules are imported inside each command."""

from __future__ import annotations

import click

from . import __version__
from .interrupts import interruptible, interruption


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
      deck-builder push my-prep      build it and put it straight into Anki
      deck-builder build my-prep     or write my-prep/build/Interview Prep.apkg
      deck-builder login --username NAME
                                     once, for your phone without Anki desktop
    """


@main.command("init")
@click.argument("folder", type=click.Path())
def init_command(folder: str) -> None:
    """Create a starter workspace in FOLDER, every file commented.

    Writes deck.yaml, answers.yaml, stories.yaml, a question bank, an example
    company and a media/ folder. Never overwrites: if any of those files exists,
    nothing is written.

    Each file's first line names its editor schema, kept in .deck-builder/schemas/,
    for completion and inline errors in your editor (see 'deck-builder schemas').
    """
    from .sources.init import init_workspace

    written = init_workspace(folder)
    click.echo(f"Created a workspace in {folder}:")
    schemas = [rel for rel in written if rel.startswith(".deck-builder/")]
    for rel in written:
        if rel not in schemas:
            click.echo(f"  {rel}")
    if schemas:
        click.echo(f"  .deck-builder/schemas/  ({len(schemas)} schemas: help in your editor as you type)")
    click.echo(f"\nNext: edit the files, then run  deck-builder check {folder}  and  deck-builder build {folder}")


@main.command("schemas")
@click.argument("folder", default=".", type=click.Path())
def schemas_command(folder: str) -> None:
    """Set up your editor's help for the workspace in FOLDER (default: here).

    Writes the editor schemas into FOLDER/.deck-builder/schemas/ and names the
    right one on the first line of each file (deck.yaml, answers.yaml,
    stories.yaml, questions/, companies/), so that VS Code (with the YAML
    extension), Neovim (yamlls) and JetBrains IDEs complete keys, explain them
    on hover and mark mistakes as you type. Adds only that one line, or corrects
    it when a file has moved; the rest of each file stays exactly as it is. Run
    it again after adding or moving files; build keeps the schemas up to date.
    """
    from .sources.problems import plural
    from .sources.schema import SCHEMA_DIR, wire_workspace
    from .sources.workspace import shown_path

    report = wire_workspace(folder)
    where = shown_path(folder, SCHEMA_DIR)
    if report.schemas:
        click.echo(f"Wrote {plural(len(report.schemas), 'editor schema')} to {where}/.")
    else:
        click.echo(f"The editor schemas in {where}/ are up to date.")
    for files, what in ((report.added, "Added the schema line at the top of"),
                        (report.corrected, "Corrected the schema line (the file had moved) of")):
        if files:
            click.echo(f"{what} {plural(len(files), 'file')}:")
            for rel in files:
                click.echo(f"  {rel}")
    if report.already:
        click.echo(f"Already wired: {', '.join(report.already)}")
    if report.other:
        click.echo(f"Left as they are (they name another schema): {', '.join(report.other)}")
    for rel, why in report.skipped:
        click.echo(f"warning: {shown_path(folder, rel)}: not wired: {why}", err=True)
    click.echo("Open the folder in VS Code (with the YAML extension by Red Hat), Neovim with yamlls, "
               "or a JetBrains IDE: keys are completed and explained, and mistakes are marked as you type.")


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
    from .build import no_gc
    from .cards.derive import derive_notes
    from .report import coverage
    from .sources.lint import content_warnings
    from .sources.problems import plural, sort_problems
    from .sources.workspace import load_workspace

    with no_gc():  # as a build: many small long-lived objects, no cycles worth collecting
        ws, warnings = load_workspace(folder)
        warnings = sort_problems([*warnings, *content_warnings(ws)])
        notes = derive_notes(ws)
    for problem in warnings:
        click.echo(str(problem), err=True)
    for line in coverage(ws):
        click.echo(line)
    click.echo(f"\nNo errors, {plural(len(warnings), 'warning')}; the deck would have {plural(len(notes), 'note')}.")
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
    from .report import diff_report
    from .sources.problems import ProblemsError, UserError

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


def _anki_options(command):
    """The options that say how to reach the user's Anki (push, watch --push)."""
    options = [
        click.option("--anki-connect", "anki_connect", metavar="URL", default="http://127.0.0.1:8765",
                     show_default=True, envvar="DECK_BUILDER_ANKI_CONNECT",
                     help="Where AnkiConnect answers when Anki is open."),
        click.option("--api-key", metavar="KEY", envvar="DECK_BUILDER_ANKI_KEY",
                     help="AnkiConnect's API key, if you set one (or $DECK_BUILDER_ANKI_KEY)."),
        click.option("--base", metavar="DIR", type=click.Path(file_okay=False),
                     help="Anki's folder (what anki -b takes), used when Anki is closed. Default: Anki's own."),
        click.option("--profile", metavar="NAME", help="The Anki profile, when Anki is closed. Default: the one used last."),
        click.option("--sync", is_flag=True,
                     help="Then sync with AnkiWeb (or your own sync server), so your phone gets the changes."),
        click.option("--own-collection", "own", is_flag=True,
                     help="Push into deck-builder's own collection (see login), even where Anki desktop is. "
                          "Used anyway when no Anki desktop folder is found."),
        click.option("--sync-url", metavar="URL",
                     help="The sync server of the login used: your own (Anki's self-hosted one). Default: the "
                          "server of deck-builder login, or the one Anki's profile is set to."),
        click.option("--timeout", type=click.FloatRange(1, 3600), default=30, show_default=True, metavar="SECONDS",
                     help="How long to wait for Anki to answer, and (when longer than the login's own "
                          "time-out) for the sync server."),
        click.option("--no-bring-forward", "bring_forward", is_flag=True, flag_value=False, default=True,
                     help="Leave due dates alone: without it, the cards your rehearsals found weak (rated "
                          "1-2, key points not heard or unticked) become due today (deck.yaml: bring_forward)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _push_options(anki_connect, api_key, base, profile, sync, own, sync_url, timeout, bring_forward, **more):
    from .push import PushOptions

    return PushOptions(anki_connect=anki_connect, api_key=api_key, base=base, profile=profile, sync=sync,
                       own=own, sync_url=sync_url, timeout=timeout, bring_forward=bring_forward, **more)


@main.command("watch")
@click.argument("folder", default=".", type=click.Path())
@click.option("-o", "--output", type=click.Path(), default=None, metavar="FILE",
              help="Where to write the package. Default: FOLDER/build/<deck name>.apkg")
@click.option("--push", "push_too", is_flag=True, help="Also put every build into Anki, as deck-builder push does.")
@_anki_options
def watch_command(folder: str, output: str | None, push_too: bool, **anki) -> None:
    """Build, then rebuild whenever a file in the workspace changes.

    Several saves in quick succession give one build; editor temporary and swap
    files are ignored. Each rebuild prints one line: the time, what changed and
    where the deck is. A broken file prints its errors and keeps the last good
    deck; the next good save builds again. With --push each build also goes
    straight into Anki (see push; removed items are only listed, never deleted).
    Stop with Ctrl-C.
    """
    from .push.outcome import DeliveryError
    from .push.sync import normal_url
    from .watch import watch_workspace

    try:
        anki["sync_url"] = normal_url(anki["sync_url"])
    except DeliveryError as exc:  # a malformed --sync-url
        raise click.UsageError(exc.message) from None
    push = _push_options(**anki) if push_too else None
    try:
        watch_workspace(folder, output, lambda line, err: click.echo(line, err=err), push)
    except BaseException as exc:
        if interruption(exc) is None:
            raise
        click.echo("Stopped.")


def _mock_options(command):
    """The options mock and studio share: they ask the same questions the same way."""
    for option in reversed((
        click.option("--company", "company_id", metavar="ID", help="Ask in this company's name, with its tailored points."),
        click.option("--count", default=5, show_default=True, type=click.IntRange(1, 100), help="How many questions."),
        click.option("--seconds", default=120, show_default=True, type=click.IntRange(5, 3600),
                     help="Time to answer each question aloud."),
        click.option("--seed", type=int, help="Make the choice of questions reproducible."),
    )):
        command = option(command)
    return command


@main.command("mock")
@click.argument("folder", default=".", type=click.Path())
@_mock_options
def mock_command(folder: str, company_id: str | None, count: int, seconds: int, seed: int | None) -> None:
    """A timed mock interview in the terminal.

    Picks COUNT questions you have talking points for, weakest first: those you
    last rated 1 (missed it), then 2 (shaky), then those never practised, then 3
    (good), then 4 (nailed it). Asks each in the interviewer's voice, gives you
    SECONDS to answer aloud (a countdown; press Enter when done), then shows your
    key points and story and asks you to rate yourself from 1 (missed it) to 4
    (nailed it). Ends with a report. Each answer is appended to
    FOLDER/.deck-builder/mock-history.jsonl, which the studio shares. Recording
    your answers and hearing which key points you said are in the studio.
    """
    import sys

    from .rehearse import mock
    from .sources.problems import plural
    from .sources.workspace import find_company, load_workspace

    ws, _ = load_workspace(folder)
    company = find_company(ws, company_id) if company_id is not None else None
    session = mock.start_session(ws, company, count, seconds, seed)
    stdin = sys.stdin  # click.testing.CliRunner swaps it for its input
    try:
        mock.run_in_terminal(session, stdin, click.echo, interactive=stdin.isatty() and sys.stdout.isatty())
    except KeyboardInterrupt:  # Ctrl-C: the interview ends here, with what was rated (each is saved at once)
        report = session.report()
        click.echo("")
        for line in report.lines():
            click.echo(line)
        rated = len(report.results)
        click.echo(f"Stopped (Ctrl-C): the {plural(rated, 'answer')} you rated "
                   f"{'is' if rated == 1 else 'are'} saved in .deck-builder/mock-history.jsonl.", err=True)
        raise SystemExit(130) from None


@main.command("studio")
@click.argument("folder", default=".", type=click.Path())
@_mock_options
@click.option("--no-open", is_flag=True, help="Print the address instead of opening the browser.")
@click.option("--anki-connect", "anki_connect", metavar="URL", default="http://127.0.0.1:8765", show_default=True,
              envvar="DECK_BUILDER_ANKI_CONNECT", help="Where AnkiConnect answers when Anki is open.")
@click.option("--api-key", metavar="KEY", envvar="DECK_BUILDER_ANKI_KEY",
              help="AnkiConnect's API key, if you set one (or $DECK_BUILDER_ANKI_KEY).")
@click.option("--no-bring-forward", "bring_forward", is_flag=True, flag_value=False, default=True,
              help="Leave due dates alone: without it, with Anki open, the cards of an answer you rate 1-2 "
                   "(or of key points not heard or unticked) become due today at once (deck.yaml: bring_forward).")
def studio_command(folder: str, company_id: str | None, count: int, seconds: int, seed: int | None,
                   no_open: bool, anki_connect: str, api_key: str | None, bring_forward: bool) -> None:
    """Rehearse in the browser: a mock interview you hear back, and your progress.

    Starts a local web app (on 127.0.0.1 only, behind a secret key in its
    address) and opens it in your browser. The mock asks the same questions as
    mock, weakest first: those you last rated 1 (missed it), then 2 (shaky),
    then those never practised, then 3 (good), then 4 (nailed it). It can read
    each question aloud, counts down SECONDS, records your answer from the
    microphone, plays it back beside your key points, story and what the
    interviewer looks for, and asks you to rate yourself 1-4 (keys: Space
    starts and stops, 1-4 rate). Ratings go to the history that mock, check and
    brief read; recordings stay in FOLDER/.deck-builder/recordings. With Anki
    open, a weak answer's cards become due today in Anki at once (otherwise at
    the next push). The progress page shows your ratings over time and what to
    work on next. Ctrl-C stops it.
    """
    from .rehearse import mock
    from .rehearse.studio.app import Studio
    from .rehearse.studio.server import run_studio
    from .sources.workspace import find_company, load_workspace

    ws, _ = load_workspace(folder)
    mock.require_questions(ws, find_company(ws, company_id) if company_id is not None else None)
    after_rating = None
    if bring_forward:
        from .push.forward import AtOnce

        after_rating = AtOnce(folder, anki_connect, api_key, click.echo)
    status = run_studio(Studio(folder, company_id, count, seconds, seed, after_rating), not no_open, click.echo)
    if status:
        raise SystemExit(status)


@main.command("brief")
@click.argument("folder", default=".", type=click.Path())
@click.option("--company", "company_id", metavar="ID",
              help="The company (its file name under companies/). Needed only when there are several.")
@click.option("--questions", "limit", type=click.IntRange(1, 500), metavar="N", default=None,
              help="Only the N most useful answers: those tailored for the company, then those you "
                   "rated weakest in mock interviews, then those never practised. Default: all.")
@click.option("-o", "--output", type=click.Path(), default=None, metavar="FILE",
              help="Where to write it. Default: FOLDER/build/brief-ID.html (or .md)")
@click.option("--format", "fmt", type=click.Choice(["html", "md"]), default="html", show_default=True,
              help="A printable HTML page, or Markdown.")
def brief_command(folder: str, company_id: str | None, limit: int | None, output: str | None, fmt: str) -> None:
    """Write a one- or two-page brief to read before the interview.

    For one company: the role, key facts and products, the people you will
    meet, your key points for each question (tailored ones first) with the story
    you will tell, and your questions for them. The HTML page is self-contained
    and prints cleanly on A4 and Letter. About nine answers fit on two printed
    pages; --questions keeps the most useful ones when you have more.
    """
    from pathlib import Path

    from .rehearse.brief import (
        FITS_TWO_PAGES,
        brief_html,
        brief_markdown,
        questions_for,
    )
    from .rehearse.mock import last_ratings, read_history
    from .rehearse.preview import write_text_atomically
    from .sources.problems import plural
    from .sources.workspace import find_company, load_workspace, only_company

    ws, _ = load_workspace(folder)
    company = find_company(ws, company_id) if company_id is not None else only_company(ws, "brief")
    questions = questions_for(ws, company, limit, last_ratings(read_history(ws.root)) if limit else None)
    text = brief_html(ws, company, questions) if fmt == "html" else brief_markdown(ws, company, questions)
    out = Path(output) if output else ws.root / "build" / f"brief-{company.id}.{fmt}"
    write_text_atomically(out, text)
    click.echo(f"Wrote {out} ({plural(len(questions), 'answer')})")
    if limit is None and len(questions) > FITS_TWO_PAGES:
        click.echo(f"About {FITS_TWO_PAGES} answers fit on two printed pages; for a shorter brief, "
                   f"--questions {FITS_TWO_PAGES} keeps the tailored ones and those you rated weakest in mocks.")


@main.command("banks")
def banks_command() -> None:
    """List the built-in question banks and how many questions each has.

    Include one in a workspace with  banks: [NAME]  in deck.yaml.
    """
    from .sources.validate import Reader
    from .sources.workspace import builtin_banks, read_builtin_bank

    for name, entry in sorted(builtin_banks().items()):
        bank = read_builtin_bank(Reader(), name, entry)
        click.echo(f"{name:<20} {len(bank.questions):>3} questions  {bank.title}")


@main.command("preview")
@click.argument("folder", default=".", type=click.Path())
@click.option("-o", "--output", type=click.Path(), default=None, metavar="FILE",
              help="Where to write the page. Default: FOLDER/build/preview.html")
def preview_command(folder: str, output: str | None) -> None:
    """Write one HTML page showing every card, front and back, before importing.

    Cards are rendered from the same templates and stylesheet as the package and
    grouped by deck. On the page you can show one deck or one kind of card, filter
    by the words on the cards, fold the backs away to test yourself (Fronts only),
    and switch to dark or phone width. It is self-contained (photos included):
    open it in any browser.
    """
    from .rehearse.preview import write_preview

    out, cards = write_preview(folder, output)
    click.echo(f"Wrote {out} ({cards} cards). Open it in a browser.")


@main.command("build")
@click.argument("folder", default=".", type=click.Path())
@click.option("-o", "--output", type=click.Path(), default=None, metavar="FILE",
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
    with interruptible("the previous package (if any) is unchanged"):
        from .build import build_deck, no_gc
        from .report import build_summary

        # The collector comes back on only once the build's objects are freed: its first pass
        # over them would cost more than printing the summary (0.1 s at 10,000 notes).
        with no_gc():
            result = build_deck(folder, output)
            warnings = [str(problem) for problem in result.warnings]
            summary = build_summary(result)
            written = result.output
            del result
    for warning in warnings:
        click.echo(warning, err=True)
    for line in summary:
        click.echo(line)
    if open_after:
        from .push.opener import open_package

        problem = open_package(written)
        if problem:
            click.echo(f"warning: --open: {problem}", err=True)
        else:
            click.echo(f"\nOpened {written} with the default application (Anki imports it).")


@main.command("push")
@click.argument("folder", default=".", type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Where to write the package. Default: FOLDER/build/<deck name>.apkg")
@_anki_options
@click.option("--prune", is_flag=True,
              help="Delete from Anki the notes of items you removed from your files (lists them and asks first).")
@click.option("--full-sync", type=click.Choice(["upload", "download"]), default=None,
              help="When this collection and the server's both changed beyond merging: upload replaces the "
                   "server's with this one, download this one with the server's (a backup first).")
@click.option("-y", "--yes", is_flag=True, help="Do not ask: with --prune delete, push a build whose renamed notes "
              "would start over, and make the first sync (an upload to an empty server, a download to a new collection).")
def push_command(folder: str, output: str | None, prune: bool, full_sync: str | None, yes: bool, **anki) -> None:
    """Build, then put the deck straight into Anki.

    With Anki open and the AnkiConnect add-on installed (code 2055492159), the
    deck goes in through AnkiConnect. With Anki closed, it is imported into your
    profile's collection by Anki's own importer, after a backup (this needs
    pip install 'deck-builder[anki]'). Then push reads the notes back, checks
    that every change arrived and says what is new, updated and unchanged in
    Anki. Review history is kept, as with File > Import. --sync then syncs with
    AnkiWeb (or the sync server Anki is set to) so your phone gets it. If Anki
    cannot take the deck, the package is still written and push says how to
    import it by hand (exit status 1).

    Only a phone, no Anki desktop? Log in once with deck-builder login; push
    then uses deck-builder's own collection, and --sync brings it in step with
    your phone's collection on the server. The first sync asks once (--yes for
    scripts); items you removed from your files leave the review queue
    (their cards are suspended) until they come back or --prune deletes them.
    """
    with interruptible("the package is written or unchanged; push again to finish (it is safe to repeat)"):
        import sys

        from .push import push_workspace
        from .push.report import built_report, prune_question, push_report

        def built(result) -> None:
            for problem in result.warnings:
                click.echo(str(problem), err=True)
            for line in built_report(result):
                click.echo(line)
            click.echo("")

        def confirm(flagged) -> bool:
            for line in prune_question(flagged):
                click.echo(line)
            if yes:
                return True
            try:
                agreed = click.confirm("Delete them from Anki?", default=False)
                if not sys.stdin.isatty():  # piped: show the answer so the transcript reads as typed
                    click.echo("y" if agreed else "n")
                click.echo("")
                return agreed
            except click.Abort:
                click.echo("\nNot deleted (give --yes to delete without asking).")
                return False

        def confirm_renames(renames) -> bool:
            from .report import rename_lines

            for line in rename_lines(renames):
                click.echo(line)
            if yes:
                return True
            if not sys.stdin.isatty():
                return False
            return click.confirm("Push anyway? Their cards start over in Anki", default=False)

        def confirm_sync(question: str) -> bool:
            click.echo(question)
            if yes:
                click.echo("Yes (--yes).")
                return True
            if not sys.stdin.isatty():
                click.echo("Not answered (no terminal): give --yes to agree.")
                return False
            return click.confirm("Go ahead?", default=False)

        from .push.outcome import DeliveryError
        from .push.sync import normal_url

        try:
            sync_url = normal_url(anki.pop("sync_url"))
        except DeliveryError as exc:  # a malformed --sync-url
            raise click.UsageError(exc.message) from None
        result = push_workspace(folder, output, _push_options(**anki, sync_url=sync_url, prune=prune,
                                                              full_sync=full_sync, confirm_sync=confirm_sync),
                                confirm, on_built=built, confirm_renames=confirm_renames)
    out, err = push_report(result)
    for line in out:
        click.echo(line)
    for line in err:
        click.echo(line, err=True)
    if not result.ok:
        raise SystemExit(1)


@main.command("login")
@click.option("--username", required=True, metavar="NAME", help="Your AnkiWeb (or sync server) user name.")
@click.option("--sync-url", metavar="URL", help="Your own sync server, as your phone has it. Default: AnkiWeb.")
@click.option("--timeout", type=click.IntRange(1, 3600), default=60, show_default=True, metavar="SECONDS",
              help="How long a sync may wait for the server.")
def login_command(username: str, sync_url: str | None, timeout: int) -> None:
    """Log in once to AnkiWeb (or your own sync server), for a phone without Anki desktop.

    Asks for the password (or reads it from standard input when that is not a
    terminal) and keeps only the sync key the server returns, in a file only
    you can read; never the password. Sets up an Anki collection of
    deck-builder's own, which push uses when no Anki desktop is found (or with
    --own-collection); push --sync then syncs it with the server, like one more
    device beside your phone.
    """
    import sys

    from .push.outcome import DeliveryError
    from .push.sync import log_in

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        own, login = log_in(username, password, sync_url, timeout)
    except DeliveryError as exc:
        click.echo(f"error: {exc.message}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Logged in to {login.server} as {username}.")
    click.echo(f"  deck-builder's own collection: {own.collection}")
    click.echo(f"  Its sync key (not your password), readable by you alone: {own.login_file}")
    from .push.profile import find_base

    try:
        desktop = find_base(None)
    except DeliveryError:
        desktop = None  # no Anki desktop: push uses this collection
    if desktop is None:
        click.echo(f"deck-builder push --sync now puts your cards on {login.server}; your phone gets them at its "
                   "next sync.")
    else:
        click.echo(f"Anki desktop is here too ({desktop}), and push uses its profile unless told: "
                   f"deck-builder push --own-collection --sync puts your cards on {login.server} from this "
                   "collection; your phone gets them at its next sync.")


@main.command("logout")
def logout_command() -> None:
    """Forget the sync key deck-builder login kept (the collection stays)."""
    from .push.outcome import DeliveryError
    from .push.own import data_folder, forget_login

    folder = data_folder()
    try:
        forgot = forget_login(folder)
    except DeliveryError as exc:
        click.echo(f"error: {exc.message}", err=True)
        raise SystemExit(1) from None
    if forgot:
        click.echo(f"Logged out: the sync key in {folder} is deleted; the collection there stays.")
    else:
        click.echo("Not logged in: there was no sync key to forget.")

