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


def _later(ms: int, fn) -> None:
    QTimer.singleShot(ms, fn)


def op_state(done) -> None:
    done({"profile": mw.pm.name, "state": mw.state, "collection": mw.col is not None,
          "syncs_finished": _syncs["finished"]})


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
    from aqt.theme import Theme

    col = mw.col
    mw.set_theme(Theme.DARK if dark else Theme.LIGHT)
    mw.showNormal()
    mw.setMinimumSize(0, 0)
    mw.resize(width, height)

    did = col.decks.id_for_name(SHOT_DECK)
    deck = col.sched.get_or_create_filtered_deck(deck_id=did or 0)
    deck.name = SHOT_DECK
    deck.config.reschedule = False  # preview: nothing the test does here touches scheduling
    deck.config.search_terms[0].search = f"cid:{cid}"
    deck.config.search_terms[0].limit = 1
    did = col.sched.add_or_update_filtered_deck(deck).id
    col.decks.select(did)
    shown = {"question": False, "answer": False}

    def on_question(card):
        if card.id == cid:
            shown["question"] = True

    def on_answer(card):
        if card.id == cid:
            shown["answer"] = True

    gui_hooks.reviewer_did_show_question.append(on_question)
    gui_hooks.reviewer_did_show_answer.append(on_answer)
    mw.moveToState("review")
    waited = [0]

    def finish(result):
        gui_hooks.reviewer_did_show_question.remove(on_question)
        gui_hooks.reviewer_did_show_answer.remove(on_answer)
        done(result)

    def wait_question():
        waited[0] += 1
        if waited[0] > 600:
            return finish({"error": f"card {cid} never reached the reviewer (state {mw.state})"})
        if not shown["question"]:
            return _later(50, wait_question)
        if back:
            mw.reviewer._showAnswer()
            return _later(50, wait_answer)
        settle(0, None)

    def wait_answer():
        waited[0] += 1
        if waited[0] > 600:
            return finish({"error": "the answer was never shown"})
        if not shown["answer"]:
            return _later(50, wait_answer)
        settle(0, None)

    ready_js = ("JSON.stringify({q: (document.getElementById('qa') || {}).innerHTML || '', "
                "o: (document.getElementById('qa') || {style: {}}).style.opacity, "
                "imgs: [...document.images].every(i => i.complete), y: window.scrollY, "
                "w: window.innerWidth, c: document.body.className})")

    def settle(round_, last):
        def check(raw):
            now = json.loads(raw) if raw else None
            stable = now is not None and now == last and now["o"] in ("1", "") and now["imgs"]
            if stable or round_ > 200:
                return _later(100, measure)
            _later(60, lambda: settle(round_ + 1, now))

        mw.reviewer.web.evalWithCallback(ready_js, check)

    def measure():
        def got(result):
            mw.grab().save(png)
            finish({"measure": result, "window": [mw.width(), mw.height()]})

        mw.reviewer.web.evalWithCallback(js, got)

    _later(50, wait_question)


def op_leave_review(done) -> None:
    """Back to the deck list; return the card shown by op_review to its home deck."""
    mw.moveToState("deckBrowser")
    did = mw.col.decks.id_for_name(SHOT_DECK)
    if did:
        mw.col.sched.empty_filtered_deck(did)
    done({"state": mw.state})


OPS = {"state": op_state, "config": op_config, "busy": op_busy, "review": op_review,
       "leave_review": op_leave_review}


def _start() -> None:
    global _timer
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
