"""A test add-on for the real Anki desktop: does what AnkiConnect cannot (tests/anki_desktop.py).

Requests are JSON files in $DECK_BUILDER_DRIVER/in, answered in $DECK_BUILDER_DRIVER/out with the
same name. One request at a time, stepped with Qt timers so Anki's event loop keeps running.
Not part of deck-builder; tests copy it into a throwaway base folder's addons21.
"""

from __future__ import annotations

import json
import os
import traceback

from aqt import gui_hooks, mw
from aqt.qt import QTimer

FOLDER = os.environ.get("DECK_BUILDER_DRIVER", "")
SHOT_DECK = "deck-builder test: one card"
_busy = False
_timer = None
_syncs = {"finished": 0}


def _reply(name: str, result: dict) -> None:
    global _busy
    out = os.path.join(FOLDER, "out", name)
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        json.dump(result, f)
    os.replace(out + ".tmp", out)
    _busy = False


def _poll() -> None:
    global _busy
    if _busy or not FOLDER:
        return
    inbox = os.path.join(FOLDER, "in")
    for name in sorted(os.listdir(inbox)):
        if not name.endswith(".json"):
            continue
        path = os.path.join(inbox, name)
        with open(path, encoding="utf-8") as f:
            request = json.load(f)
        os.remove(path)
        _busy = True
        done = lambda result, name=name: _reply(name, result)  # noqa: E731
        try:
            OPS[request.pop("op")](done, **request)
        except Exception:
            done({"error": traceback.format_exc()})
        return


def op_state(done) -> None:
    done({"profile": mw.pm.name, "state": mw.state, "collection": mw.col is not None,
          "syncs_finished": _syncs["finished"]})


def op_today(done) -> None:
    done({"today": mw.col.sched.today})


def op_config(done, addon: str, config: dict) -> None:
    current = mw.addonManager.getConfig(addon) or {}
    current.update(config)
    mw.addonManager.writeConfig(addon, current)
    done({"config": current})


def op_busy(done, seconds: float) -> None:
    """Hold the collection in a background task behind Anki's progress window, as a sync or
    Check Database does: anything else that needs the collection (AnkiConnect too) waits."""
    import time

    def count(col, n: int) -> None:
        col.db.scalar(f"with recursive c(x) as (select 1 union all select x + 1 from c limit {n}) select count(*) from c")

    def work(col):
        started = time.time()
        count(col, 200_000)
        took = max(time.time() - started, 1e-3)
        count(col, int(200_000 * seconds / took))  # one statement, about SECONDS long
        return None

    from aqt.operations import QueryOp

    done({"started": True})
    QueryOp(parent=mw, op=work, success=lambda _: None).with_progress("Busy (test)").run_in_background()


def op_review(done, cid: int, back: bool, dark: bool, width: int, height: int, png: str, js: str) -> None:
    """Show card CID in the real reviewer (front, or back after Show Answer), in the light or
    dark theme at WIDTH x HEIGHT; evaluate JS in the card's page; save a screenshot to PNG."""
    from aqt.theme import Theme, theme_manager

    col = mw.col
    steps = [0]
    answered = [False]
    reply = done

    def done(result):  # noqa: F811 - once only, whatever fires later
        if not answered[0]:
            answered[0] = True
            reply(result)

    def fail(message: str) -> None:
        last = {k: v for k, v in (seen["last"] or {}).items() if k != "html"}
        done({"error": f"{message} (card {cid}, back {back}, dark {dark}, state {mw.state}, "
                       f"reviewer {getattr(mw.reviewer, 'state', None)}, page {last}, "
                       f"html {(seen['last'] or {}).get('html', '')[:300]!r}, trail {seen['trail'][-40:]})"})

    def guarded(fn):
        def run(*args):
            try:
                fn(*args)
            except Exception:
                done({"error": traceback.format_exc()})
        return run

    def later(ms: int, fn) -> None:
        steps[0] += 1
        if steps[0] > 600:
            return fail("the reviewer did not settle")
        QTimer.singleShot(ms, guarded(fn))

    def start():
        did = col.decks.id_for_name(SHOT_DECK)
        deck = col.sched.get_or_create_filtered_deck(deck_id=did or 0)
        deck.name = SHOT_DECK
        deck.config.reschedule = False  # preview: nothing the test does here touches scheduling
        deck.config.search_terms[0].search = f"cid:{cid}"
        deck.config.search_terms[0].limit = 1
        col.decks.select(col.sched.add_or_update_filtered_deck(deck).id)
        mw.moveToState("review")  # a fresh reviewer page, in the current theme
        later(100, wait_card)

    def wait_card():
        card = mw.reviewer.card
        if mw.state != "review" or card is None or card.id != cid:
            return later(50, wait_card)
        settle(None)

    # The page is ready when the side asked for is drawn (every back starts with #answer),
    # pictures have loaded, the fade-in is done and two looks 60 ms apart agree.
    ready_js = ("JSON.stringify({qa: !!document.getElementById('qa'), "
                "html: (document.getElementById('qa') || {}).innerHTML || '', "
                "answer: !!document.getElementById('answer'), "
                "opacity: (document.getElementById('qa') || {style: {}}).style.opacity || '', "
                "images: [...document.images].every(i => i.complete), y: window.scrollY, "
                "w: window.innerWidth, classes: document.body.className})")

    seen = {"last": None, "trail": []}
    wrong = [0]
    pending = [0]  # the look waiting for its answer; a page that reloads drops the callback

    def look(script: str, then, retry) -> None:
        pending[0] += 1
        mine = pending[0]

        def answered(result):
            if pending[0] == mine:
                pending[0] += 1
                then(result)

        def lost():
            if pending[0] == mine:
                seen["trail"].append("L")
                pending[0] += 1
                retry()

        mw.reviewer.web.evalWithCallback(script, guarded(answered))
        later(3000, lost)

    def settle(last):
        if back and mw.reviewer.state == "question":
            mw.reviewer._showAnswer()

        def right_(now):
            # An empty #qa is a reviewer page that reloaded (a resize or theme change) after the
            # card was put in it: Anki never draws the card again there, so it is not ready.
            return (now["qa"] and now["html"].strip() != "" and now["answer"] == back and now["images"]
                    and now["opacity"] in ("1", "") and ("nightMode" in now["classes"]) == dark)

        def check(raw):
            now = json.loads(raw) if isinstance(raw, str) else None
            seen["last"] = now
            seen["trail"].append("n" if now is None else f"{'R' if right_(now) else 'w'}{len(now['html'])}{'=' if now == last else ''}")
            right = now is not None and right_(now)
            if right and now == last:
                return later(100, measure)
            wrong[0] = 0 if right else wrong[0] + 1
            if wrong[0] > 25:  # the page reloaded under the card (theme change, resize): show it again
                wrong[0] = 0
                seen["trail"].append("S")
                return later(60, start)
            later(60, lambda: settle(now if right else None))

        look(ready_js, check, lambda: settle(None))

    def measure():
        def got(result):
            if not isinstance(result, str):  # the page went away under the script: look again
                return later(60, lambda: settle(None))
            mw.grab().save(png)
            done({"measure": result, "window": [mw.width(), mw.height()]})

        look(js, got, lambda: settle(None))

    mw.showNormal()
    mw.setMinimumSize(0, 0)
    mw.resize(width, height)
    if theme_manager.night_mode != dark:
        mw.set_theme(Theme.DARK if dark else Theme.LIGHT)
        later(1500, start)  # let the theme change reach every web view first
    else:
        later(50, start)


def op_leave_review(done) -> None:
    """Back to the deck list; return the card shown by op_review to its home deck."""
    mw.moveToState("deckBrowser")
    did = mw.col.decks.id_for_name(SHOT_DECK)
    if did:
        mw.col.sched.empty_filtered_deck(did)
    done({"state": mw.state})


def op_close_profile(done) -> None:
    """Back to Anki's profile window, as File > Switch Profile does (no collection open)."""
    mw.unloadProfileAndShowProfileManager()
    done({"state": mw.state})


OPS = {"state": op_state, "today": op_today, "config": op_config, "busy": op_busy, "review": op_review,
       "leave_review": op_leave_review, "close_profile": op_close_profile}


def _start() -> None:
    global _timer
    if _timer is not None:  # the profile was opened again
        return
    os.makedirs(os.path.join(FOLDER, "in"), exist_ok=True)
    os.makedirs(os.path.join(FOLDER, "out"), exist_ok=True)
    _timer = QTimer(mw)
    _timer.timeout.connect(_poll)
    _timer.start(50)


def _on_sync_finished() -> None:
    _syncs["finished"] += 1


if FOLDER:
    gui_hooks.profile_did_open.append(_start)
    gui_hooks.sync_did_finish.append(_on_sync_finished)
