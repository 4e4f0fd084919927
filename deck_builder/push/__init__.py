"""deck-builder push: build, then put the package into the user's Anki and say what happened.

    build_deck -> AnkiConnect answers?  yes: import through it (Anki open)
                                        no:  import into the profile's collection (Anki closed),
                                             or deck-builder's own (no Anki desktop, own.py)
               -> read the notes back, compare with the plan (outcome.classify)
               -> --prune: delete the notes this workspace flagged as removed, after asking
               -> suspend the cards of removed items, unsuspend returned ones (suspend.py)
               -> bring forward the cards the rehearsals found weak: due today, nothing else
                  changed (forward.py; off with --no-bring-forward or deck.yaml's bring_forward)
               -> --sync: sync with AnkiWeb or the user's own server, so phones get it (sync.py;
                  the own collection syncs before the import too, to get the user's collection)

Whatever fails, the package stays written (build_deck wrote it first) and the message says
how to import it by hand.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from ..apkg.state import save_state
from ..build import BuildResult, build_deck
from ..cards.notetypes import note_types
from ..sources.workspace import STATE_DIR
from .ankiconnect import DEFAULT_URL, AnkiConnect, Unreachable
from .outcome import Delivery, DeliveryError, Flagged, NoteState, classify
from .own import OwnCollection, own_collection, server_name
from .profile import ANKIWEB, find_base, find_profile
from .suspend import forget_suspended, settle_suspended

REPLACED_FILE = "replaced-in-anki.txt"  # in WORKSPACE/.deck-builder: Anki edits an import replaced


@dataclass
class PushOptions:
    anki_connect: str = DEFAULT_URL
    api_key: str | None = None
    base: str | None = None  # Anki's base folder (anki -b); used with Anki closed
    profile: str | None = None
    sync: bool = False
    prune: bool = False
    timeout: float = 30  # seconds to wait for Anki's answers
    backup: bool = True  # with Anki closed: force a backup (watch asks for one on its first push only)
    own: bool = False  # into deck-builder's own collection (push/own.py), even where Anki desktop is
    sync_url: str | None = None  # the sync server the user names; must be the one of the login used
    full_sync: str | None = None  # "upload" or "download": the user's word for a full sync
    confirm_sync: Callable[[str], bool] | None = None  # asks a first-sync question (None: never agreed)
    own_folder: Path | None = None  # where the own collection lives (default: own.data_folder())
    how_to_agree: str = "answer yes, or give --yes"  # said when a first sync was not agreed to
    bring_forward: bool = True  # rehearsal's weak cards due today (forward.py); deck.yaml can turn it off too


@dataclass
class PushResult:
    build: BuildResult
    delivery: Delivery | None = None
    error: str | None = None  # why the package did not (all) get into Anki
    changed_nothing: bool = True  # when error: Anki was left as it was

    @property
    def ok(self) -> bool:
        return self.error is None and self.delivery is not None and self.delivery.complete


Confirm = Callable[[list[Flagged]], bool]
ConfirmRenames = Callable[[list], bool]


def new_renames(plan) -> list:
    """Likely renames this build sends new notes for: pushing them starts their cards over."""
    return [r for r in plan.renames if r.since == plan.build_mod]


def push_workspace(folder: str, output: str | Path | None = None, options: PushOptions | None = None,
                   confirm: Confirm = lambda flagged: False, now: float | None = None,
                   on_built: Callable[[BuildResult], None] = lambda result: None,
                   confirm_renames: ConfirmRenames = lambda renames: False) -> PushResult:
    """A workspace folder -> a written package, imported into Anki; never raises for Anki's sake
    (a broken workspace raises as build_deck does, and nothing is pushed). A build with likely
    renames goes ahead only if CONFIRM_RENAMES agrees (their notes would start over in Anki):
    otherwise NotBuilt, and nothing is written, so the fix and the next push leave no trace."""

    agreed: list = []  # renames the user already agreed to push, while building

    def proceed(plan) -> str | None:
        renames = new_renames(plan)
        if not renames or confirm_renames(renames):
            agreed.extend(renames)
            return None
        lost = sum(r.cards for r in renames)
        return (f"nothing was built or pushed: {lost} card{'s' if lost != 1 else ''} of the renames above would "
                "start over in Anki; add the lines it gives and push again (or push --yes to push anyway)")

    result = build_deck(folder, output, now, proceed=proceed)
    on_built(result)
    return deliver(result, options or PushOptions(), confirm,
                   lambda renames: all(r in agreed for r in renames) or confirm_renames(renames))


def deliver(result: BuildResult, options: PushOptions, confirm: Confirm,
            confirm_renames: ConfirmRenames = lambda renames: False) -> PushResult:
    """A built package -> into Anki, open (AnkiConnect) or closed (the profile's collection).
    Renames whose old notes Anki holds and whose new notes it does not yet (an earlier build
    found them, and nobody imported it) go in only if CONFIRM_RENAMES agrees."""
    delivery = Delivery(via="")
    try:
        if options.own:
            _closed(result, options, confirm, confirm_renames, delivery)
            return PushResult(result, delivery)
        try:
            client = AnkiConnect(options.anki_connect, options.api_key, options.timeout)
            client.check_version()
        except Unreachable:
            _closed(result, options, confirm, confirm_renames, delivery)
        else:
            _running(client, result, options, confirm, confirm_renames, delivery)
    except Unreachable:
        return PushResult(result, delivery if delivery.via else None,
                          f"AnkiConnect stopped answering at {options.anki_connect} during the push (was Anki "
                          "closed?); open Anki and push again", changed_nothing=not delivery.via)
    except DeliveryError as exc:  # once the import happened (via is set), Anki was changed whatever failed after
        return PushResult(result, delivery if delivery.via else None, exc.message,
                          exc.changed_nothing and not delivery.via)
    return PushResult(result, delivery)


def starting_over(plan, before: dict[str, NoteState]) -> list:
    """The plan's likely renames whose importing would start cards over in this Anki: it holds
    the old notes (with their history) and none of the new ones yet."""
    return [r for r in plan.renames
            if any(g in before for g in r.old_guids) and not any(g in before for g in r.new_guids)]


def _guard_renames(plan, before: dict[str, NoteState], confirm_renames: ConfirmRenames) -> None:
    renames = starting_over(plan, before)
    if renames and not confirm_renames(renames):
        lost = sum(r.cards for r in renames)
        raise DeliveryError(f"nothing was pushed: {lost} card{'s' if lost != 1 else ''} in Anki would start over "
                            "(renamed?); deck-builder diff says how to keep their history, "
                            "deck-builder push --yes pushes anyway")


def _running(client: AnkiConnect, result: BuildResult, options: PushOptions, confirm: Confirm,
             confirm_renames: ConfirmRenames, delivery: Delivery) -> None:
    plan, types = result.plan, _types(result)
    scratch = result.output.parent  # where Anki can read the package, it can write its exports
    before = client.snapshot(plan, types, scratch)
    _guard_renames(plan, before, confirm_renames)
    client.import_package(result.output)
    delivery.via = f"Anki, through AnkiConnect at {client.shown}"
    after = _after(lambda: client.snapshot(plan, types, scratch))
    _record(delivery, result, before, after)
    if options.prune:
        _prune(delivery, result, confirm, client.delete_notes)
    _suspend(delivery, result, after, client)
    _bring_forward(delivery, result, after, client, options)
    if options.sync:
        _sync_running(delivery, client, options)


def _closed(result: BuildResult, options: PushOptions, confirm: Confirm, confirm_renames: ConfirmRenames,
            delivery: Delivery) -> None:
    from .collection import EXTRA, OpenCollection, engine

    why = "" if options.own else f"AnkiConnect does not answer at {options.anki_connect}, so Anki looks closed; "
    try:
        target = _target(options, delivery)
    except DeliveryError as exc:
        raise DeliveryError(why + exc.message) from None
    own = isinstance(target, OwnCollection)
    if own:
        why = ""  # no Anki desktop here, or the user chose deck-builder's own collection
    try:
        engine()
    except DeliveryError as exc:
        if own:
            raise DeliveryError("pushing without Anki desktop needs Anki's engine, which is not installed: run  "
                                f"{EXTRA}") from None
        raise DeliveryError(why + exc.message) from None
    try:
        if own:
            target.create()
        if options.sync:
            _check_server(target, options)
        opened = OpenCollection(target)
    except DeliveryError as exc:
        raise DeliveryError(why + exc.message) from None
    plan = result.plan
    with opened as col:
        syncer = None
        if options.sync:
            if target.sync_key:
                from .sync import Syncer

                syncer = Syncer(col.col, col.profile, options.confirm_sync or (lambda question: False), options.full_sync,
                                backup=None if options.backup else col.backup, timeout=options.timeout,
                                how_to_agree=options.how_to_agree)
            else:
                delivery.sync_failed = _not_logged_in(target)
        first = syncer is not None and (own or options.full_sync == "download")
        if first:
            if options.backup:
                delivery.backup = col.backup()
            _sync_first(syncer, col, target, delivery)
            if delivery.sync_failed:
                syncer = None
        before = col.snapshot(plan)
        _guard_renames(plan, before, confirm_renames)
        if options.backup and not first:
            delivery.backup = col.backup()
        col.import_package(result.output, merge_notetypes=bool(plan.schema_changes))
        delivery.via = ("deck-builder's own collection" if own else f"Anki profile '{target.name}', with Anki closed")
        delivery.collection = target.collection
        delivery.own = own
        after = _after(lambda: col.snapshot(plan))
        _record(delivery, result, before, after)
        if options.prune:
            _prune(delivery, result, confirm, col.delete_notes)
        _suspend(delivery, result, after, col)
        _bring_forward(delivery, result, after, col, options)
        if syncer is not None:
            try:
                delivery.sync = syncer.after_import()
            except DeliveryError as exc:
                delivery.sync_failed = _sentences(exc.message, _kept(target))
            delivery.sync_steps += syncer.did


def _sentences(first: str, then: str) -> str:
    return f"{first}{'' if first.endswith(('.', '?', '!')) else '.'} {then}"


def _kept(target) -> str:
    where = "deck-builder's own collection" if isinstance(target, OwnCollection) else f"Anki profile '{target.name}'"
    return f"Your cards are pushed into {where}, not yet synced; push --sync again once that is fixed"


def _sync_first(syncer, col, target, delivery: Delivery) -> None:
    """Before the import: a new own collection meets the server (a download, asked), or the
    user's --full-sync download. A collection still empty imports nothing until it synced."""
    from .sync import counts

    try:
        syncer.before_import()
    except DeliveryError as exc:
        if counts(col.col).notes == 0:  # imported now, it would meet the server's as a conflict
            raise DeliveryError(_sentences(exc.message, "Nothing was pushed: a new collection takes your collection "
                                           f"from {syncer.server} before it takes cards")) from None
        delivery.sync_failed = _sentences(exc.message, _kept(target))
    delivery.sync_steps += syncer.did
    syncer.did = []


def _target(options: PushOptions, delivery: Delivery):
    """The collection push uses -> an Anki profile or deck-builder's own collection; DELIVERY
    notes say which one and how to choose the other."""
    own = own_collection(options.own_folder)
    if options.own:
        try:
            profile = find_profile(options.base, options.profile)
        except DeliveryError:
            profile = None
        if profile is not None:
            delivery.notes.append(f"Not used: Anki profile '{profile.name}' ({profile.collection}); push without "
                                  "--own-collection pushes into it instead")
        return own
    if options.base is None:
        try:
            find_base(None)
        except DeliveryError:
            delivery.notes.append("No Anki desktop folder was found, so push uses deck-builder's own collection")
            return own
    profile = find_profile(options.base, options.profile)
    if own.exists() or own.login is not None:
        delivery.notes.append(f"Not used: deck-builder's own collection ({own.collection}); push --own-collection "
                              "pushes into it instead")
    return profile


def _same_url(a: str | None, b: str | None) -> bool:
    return (a or ANKIWEB).rstrip("/") == (b or ANKIWEB).rstrip("/")


def _check_server(target, options: PushOptions) -> None:
    """--sync-url names the server of the login push uses, or push says how to use that server."""
    if options.sync_url is None or not target.sync_key or _same_url(options.sync_url, target.sync_endpoint):
        return
    used = server_name(target.sync_endpoint)
    if isinstance(target, OwnCollection):
        raise DeliveryError(f"--sync-url {options.sync_url}: deck-builder is logged in to {used}, not to that server; "
                            f"deck-builder login --username NAME --sync-url {options.sync_url} logs in to it")
    raise DeliveryError(f"--sync-url {options.sync_url}: Anki profile '{target.name}' syncs with {used}; change that in "
                        "Anki (Preferences > Syncing > Self-hosted sync server), or push --own-collection to sync "
                        "deck-builder's own collection with that server")


def _not_logged_in(target) -> str:
    if isinstance(target, OwnCollection):
        return ("deck-builder's own collection is not logged in to a sync server: deck-builder login --username NAME "
                "(add --sync-url URL for your own server) logs in once; your cards are pushed into it, not synced")
    server = server_name(target.sync_endpoint)
    return (f"profile '{target.name}' is not logged in to {server}: open Anki, click Sync and log in once; after that "
            "push --sync syncs for you")


def _suspend(delivery: Delivery, result: BuildResult, after: dict[str, NoteState], cards) -> None:
    """Removed items' cards leave the review queue; returned items' cards come back to it."""
    labels = {p.guid: p.label for p in result.plan.notes}
    settle_suspended(delivery, result.workspace.root, result.plan, after, cards, lambda g: labels.get(g, g))


def _bring_forward(delivery: Delivery, result: BuildResult, after: dict[str, NoteState], cards,
                   options: PushOptions) -> None:
    """The rehearsals' weak cards become due today, unless the user turned it off."""
    if not (options.bring_forward and result.workspace.settings.bring_forward):
        return
    from .forward import bring_forward

    try:
        bring_forward(delivery, result.workspace, result.plan, after, cards)
    except DeliveryError as exc:
        raise DeliveryError(f"the package was imported, but bringing rehearsed cards forward failed: {exc.message}. "
                            "Push again to bring them forward", changed_nothing=False) from None


def _types(result: BuildResult):
    settings = result.workspace.settings
    return note_types(settings.tts, settings.voices)


def _after(read: Callable[[], dict[str, NoteState]]) -> dict[str, NoteState]:
    try:
        return read()
    except DeliveryError as exc:
        raise DeliveryError(f"the package was imported, but reading it back failed: {exc.message}",
                            changed_nothing=False) from None


def _record(delivery: Delivery, result: BuildResult, before, after) -> None:
    from ..apkg.state import BuildState

    replaced = classify(delivery, result.plan, _types(result), result.previous or BuildState(), before, after)
    if replaced:
        delivery.replaced_file = _keep_replaced(result, replaced)


def _keep_replaced(result: BuildResult, replaced: list[tuple[str, NoteState]]) -> Path | None:
    """Write the text Anki held before an import replaced an edit made in Anki, so nothing the
    user typed there is lost without a word."""
    from ..sources.textrules import field_text as plain_text

    path = result.workspace.root / STATE_DIR / REPLACED_FILE
    types = {nt.id: nt for nt in _types(result).values()}
    lines = [f"# {time.strftime('%Y-%m-%d %H:%M')}: edits made in Anki that this push replaced with your files' text", ""]
    for label, note in replaced:
        lines.append(f"## {label}")
        names = types[note.mid].fields if note.mid in types else [f"field {i + 1}" for i in range(len(note.fields))]
        for name, value in zip(names, note.fields):
            if value:
                lines.append(f"{name}: {plain_text(value)}")
        lines.append("")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    except OSError:
        return None
    return path


def _prune(delivery: Delivery, result: BuildResult, confirm: Confirm, delete: Callable[[list[int]], None]) -> None:
    """Delete the notes this workspace flagged as removed (by GUID from its build state, and
    only while Anki's note carries the removed tag), once the user agrees."""
    state = result.plan.new_state
    flagged = [f for f in delivery.flagged if f.guid in state.notes and state.notes[f.guid].removed]
    if not flagged or not confirm(flagged):
        return
    delete([f.nid for f in flagged])
    delivery.pruned = [f.label for f in flagged]
    gone = {f.guid for f in flagged}
    delivery.flagged = [f for f in delivery.flagged if f.guid not in gone]
    forget_suspended(result.workspace.root, gone)
    # Deleted in Anki: stop sending them (a deleted note would come back without cards).
    pruned_state = replace(state, notes={g: r for g, r in state.notes.items() if g not in gone})
    try:
        save_state(result.workspace.root, pruned_state)
    except OSError:
        pass  # the next build sends them flagged again; a later --prune deletes them again


def _sync_running(delivery: Delivery, client: AnkiConnect, options: PushOptions) -> None:
    """Ask the open Anki to sync: first check it is logged in and its server is reachable, so a
    sync that cannot work fails here with a clear message instead of an error box in Anki.
    Without its profile folder (Anki's folder is elsewhere), Anki knows its own login and server."""
    from .sync import probe

    try:
        profile = find_profile(options.base, options.profile)
    except DeliveryError:
        profile = None
    kept = "Your cards are in Anki; sync in Anki when you are online (or push --sync again)"
    endpoint = (profile.sync_endpoint or ANKIWEB) if profile is not None else None
    shown = server_name(endpoint) if profile is not None else None
    if profile is not None and not profile.sync_key:
        delivery.sync_failed = (f"Anki's profile '{profile.name}' is not logged in to {shown}: click Sync in Anki and "
                                "log in once; after that push --sync syncs for you")
        return
    problem = probe(endpoint) if endpoint else None
    if problem:
        delivery.sync_failed = _sentences(problem, kept)
        return
    try:
        client.sync(wait=max(options.timeout, 300))
    except DeliveryError as exc:
        delivery.sync_failed = f"the sync did not finish: {exc.message}. {kept}"
        return
    own_setting = "Anki syncs with its own setting (Preferences > Syncing)"
    if shown is None:
        delivery.sync = "Anki synced with its own setting (Preferences > Syncing)"
        own_setting = "Anki's folder was not found here, so push could not check its login or server first"
    else:
        delivery.sync = f"Anki synced with {shown}"
    if options.sync_url and (endpoint is None or not _same_url(options.sync_url, endpoint)):
        own_setting += f", so --sync-url {options.sync_url} does not apply with Anki open"
    delivery.sync_note = f"{own_setting}. If the sync met a problem, Anki shows it in its own window."
