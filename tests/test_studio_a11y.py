"""The studio from the keyboard and with assistive technology: Debian's chromium (Playwright)
on the real server, and axe-core, the accessibility engine that browser devtools and CI
linters run, on every view in light, dark and at 390 px.

axe-core is installed from the npm registry on first use into test-artifacts/ (as
test_editor.py installs its language server; .ci/run installs Node.js and npm when missing).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, write_files
from test_studio import (  # noqa: F401 - the fixtures are used by name
    ARTIFACTS,
    AUDIO_DURATION,
    SMALL,
    chromium,
    copy_example,
    history,
    open_page,
    playwright,
    recordings_in,
    start_studio,
)

AXE_VERSION = "4.14.1"
AXE = REPO / "test-artifacts" / "axe-core"
WEBM = b"\x1a\x45\xdf\xa3" + b"\0" * 200  # the server checks the container's first bytes only


@pytest.fixture(scope="module")
def axe_source() -> str:
    script = AXE / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file() or json.loads((script.parent / "package.json").read_text())["version"] != AXE_VERSION:
        if not shutil.which("npm"):
            pytest.fail("these tests need npm: apt-get install nodejs npm")
        AXE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(AXE), "--no-audit", "--no-fund", "--no-save",
                        "--loglevel=error", f"axe-core@{AXE_VERSION}"], check=True, timeout=600)
    return script.read_text(encoding="utf-8")


def press_until_focused(page, selector: str, key: str = "Tab", limit: int = 40) -> None:
    """Tab (as a keyboard user does) until SELECTOR has the focus."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} never got the focus; it is on {focused(page)}")


def focused(page) -> str:
    return page.evaluate("""() => { const a = document.activeElement;
        return a ? a.tagName.toLowerCase() + (a.id ? '#' + a.id : '') + (a.className ? '.' + a.className : '') : 'nothing'; }""")


def start_answering(page) -> None:
    page.wait_for_function("() => studio.answer && studio.answer.phase === 'ready'")
    page.keyboard.press("Space")
    page.wait_for_function("() => studio.answer && studio.answer.phase === 'answering'")
    # a second of audio at least: wait for the recorder's first chunk (it slices every second)
    page.wait_for_function("() => studio.answer.chunks.length > 0", timeout=15000)


def finish_answering(page) -> None:
    page.keyboard.press("Space")
    page.wait_for_selector("#view-review:not([hidden])", timeout=15000)


# -- the keyboard ----------------------------------------------------------------------------

def test_space_on_end_the_mock_ends_it_and_records_nothing(chromium, workspace, start_studio):
    studio = start_studio(workspace(SMALL), "--count", "2", "--seconds", "30")
    page, errors = open_page(chromium, studio)
    page.click("#begin")
    page.wait_for_function("() => studio.answer && studio.answer.phase === 'ready'")
    assert focused(page) == "button#q-go.primary big"  # the new view's first action has the focus
    press_until_focused(page, "#q-end")
    page.keyboard.press("Space")  # presses the focused button, as on any page
    page.wait_for_selector("#view-report:not([hidden])")
    assert page.evaluate("() => studio.answer") is None
    assert recordings_in(studio.ws) == [] and history(studio.ws) == []
    assert focused(page) == "button#again.primary"
    assert not errors, errors


def test_space_elsewhere_starts_and_stops_and_keys_1_to_4_rate_from_the_audio_player(chromium, workspace, start_studio):
    studio = start_studio(workspace(SMALL), "--count", "2", "--seconds", "30")
    page, errors = open_page(chromium, studio)
    page.click("#begin")
    page.wait_for_function("() => studio.answer && studio.answer.phase === 'ready'")
    page.evaluate("() => document.activeElement.blur()")  # nothing focused: Space is still start/stop
    start_answering(page)
    page.focus("#q-go")  # "Done": Space on it stops, once (not stop, then a click that starts again)
    finish_answering(page)
    assert page.evaluate("() => studio.answer.phase") == "review"
    page.wait_for_function(AUDIO_DURATION, timeout=15000)
    assert focused(page) == "button.play"  # the review opens on the recording's Play
    page.keyboard.press("Enter")
    page.wait_for_function("() => !document.querySelector('#r-player audio').paused")
    assert page.get_attribute("#r-player .play", "aria-label") == "Pause your answer"
    page.keyboard.press("Tab")
    assert focused(page) == "input"  # the position slider: the arrows move it ...
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => document.querySelector('#r-player input').getAttribute('aria-valuetext').endsWith(' of 0:01')")
    page.keyboard.press("2")  # ... and 1-4 still rate (the browser's own controls would keep the key)
    page.wait_for_function("() => studio.index === 1 && studio.answer.phase === 'ready'")
    assert [h["rating"] for h in history(studio.ws)] == [2]
    start_answering(page)
    finish_answering(page)
    page.wait_for_function(AUDIO_DURATION, timeout=15000)
    page.click("#r-player .play")  # with the mouse
    page.keyboard.press("4")
    page.wait_for_selector("#view-report:not([hidden])")
    assert [h["rating"] for h in history(studio.ws)] == [2, 4]
    assert not errors, errors


def test_focus_follows_view_changes_and_deletes(chromium, workspace, start_studio):
    ws = workspace(SMALL)
    folder = ws / ".deck-builder" / "recordings" / "q1"
    folder.mkdir(parents=True)
    names = [f"2026120{d}T101500Z-5s-0000000{d}.webm" for d in (1, 2, 3)]
    for name in names:
        (folder / name).write_bytes(WEBM)
    studio = start_studio(ws, "--count", "1", "--seconds", "30")
    page, errors = open_page(chromium, studio)
    press_until_focused(page, ".tab[data-view='progress']")
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-progress]")
    assert focused(page) == "button.tab"  # the tabs stay where they are: the focus stays with them
    card = page.locator("[data-question='q1']")
    # newest first: delete the middle one, then the (new) middle one, then the last one left
    delete = card.locator(f"[data-recording='{names[1]}'] button.danger")
    delete.focus()
    page.keyboard.press("Enter")
    assert delete.inner_text() == "Delete for good?"
    assert "for good" in delete.get_attribute("aria-label")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll(\"[data-question='q1'] .recs li\").length === 2")
    page.wait_for_function(f"() => document.activeElement.matches(\"[data-recording='{names[0]}'] button.danger\")")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll(\"[data-question='q1'] .recs li\").length === 1")
    page.wait_for_function(f"() => document.activeElement.matches(\"[data-recording='{names[2]}'] button.danger\")")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll(\"[data-question='q1'] .recs li\").length === 0")
    page.wait_for_function("() => document.activeElement.matches(\"[data-question='q1'] .rec-count\")")
    assert card.locator(".rec-count").inner_text() == "No recordings"
    assert recordings_in(ws) == []
    # a view change from a button that goes away: the focus goes to the new view's heading
    page.click(".tab[data-view='start']")
    page.click("#begin")
    start_answering(page)
    finish_answering(page)
    page.keyboard.press("3")
    page.wait_for_selector("#view-report:not([hidden])")
    page.keyboard.press("Tab")
    assert focused(page) == "button#to-progress"
    page.keyboard.press("Enter")
    page.wait_for_selector("#view-progress:not([hidden])")
    assert focused(page) == "h1#progress-title"
    page.click(".tab[data-view='start']")
    page.click("#begin")
    page.wait_for_function("() => studio.answer && studio.answer.phase === 'ready'")
    page.click("#q-end")
    page.wait_for_selector("#view-report:not([hidden])")
    page.keyboard.press("Enter")  # "Another mock"
    page.wait_for_selector("#view-start:not([hidden])")
    assert focused(page) == "h1#start-title"
    assert not errors, errors


# -- axe on every view -----------------------------------------------------------------------

def audit(page, axe_source: str, view: str) -> dict:
    """axe-core's violations on the page as it is now, and each visible control's name."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(axe_source)  # by the DevTools protocol: the page's CSP does not apply
    result = page.evaluate("""async () => {
        const r = await axe.run(document, { resultTypes: ['violations'] });
        const visible = (e) => e.checkVisibility();
        axe.setup(document);  // axe's own accessible-name computation, on its tree of the page
        const controls = [...document.querySelectorAll('button, input, select, audio, a[href], [tabindex]')]
            .filter(visible).map((e) => ({ tag: e.outerHTML.slice(0, 80),
                                           name: axe.commons.text.accessibleTextVirtual(axe.utils.getNodeFromTree(e)) }));
        axe.teardown();
        return { violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                     nodes: v.nodes.map((n) => n.target.join(' ') + ': ' + n.failureSummary) })),
                 controls, h1: [...document.querySelectorAll('h1')].filter(visible).map((h) => h.textContent) }; }""")
    assert result["violations"] == [], f"{view}: {json.dumps(result['violations'], indent=1)}"
    assert [c for c in result["controls"] if not c["name"].strip()] == [], view
    assert len(result["h1"]) == 1, f"{view}: h1 {result['h1']}"
    return result


@pytest.mark.parametrize("width, scheme", [(1280, "light"), (1280, "dark"), (390, "light"), (390, "dark")])
def test_axe_finds_nothing_on_any_view(chromium, tmp_path, start_studio, axe_source, width, scheme):
    ws = copy_example(tmp_path)
    studio = start_studio(ws, "--count", "2", "--seconds", "30", "--company", "northwind", "--seed", "2")
    page, errors = open_page(chromium, studio, width, scheme)
    ARTIFACTS.mkdir(exist_ok=True)

    def check(view: str) -> dict:
        page.screenshot(path=str(ARTIFACTS / f"studio-a11y-{view}-{width}-{scheme}.png"), full_page=True)
        return audit(page, axe_source, view)

    check("start")
    page.click("#begin")
    page.wait_for_function("() => studio.answer && studio.answer.phase === 'ready'")
    check("question")
    start_answering(page)
    check("answering")
    finish_answering(page)
    page.wait_for_function(AUDIO_DURATION, timeout=15000)
    names = {c["name"] for c in check("review")["controls"]}
    assert {"Play your answer", "Position in your answer", "2 shaky", "Try again"} <= names, names
    press_until_focused(page, "#r-again")  # "Try again" from the keyboard: the same question, a second take
    page.keyboard.press("Enter")
    page.wait_for_selector("#view-question:not([hidden])")
    assert focused(page) == "button#q-go.primary big"
    check("question-take-2")
    start_answering(page)
    finish_answering(page)
    page.wait_for_function("() => [...document.querySelectorAll('.takes audio')].filter((a) => isFinite(a.duration)"
                           " && a.duration > 0).length === 2", timeout=15000)
    assert focused(page) == "button.play" and page.evaluate("() => document.activeElement.ariaLabel") == "Play take 2"
    names = {c["name"] for c in check("review-takes")["controls"]}
    assert {"Play take 1", "Play take 2", "Position in take 1", "Try again"} <= names, names
    assert any(n.startswith("Keep take 1 (") for n in names) and any(n.startswith("Keep take 2 (") for n in names), names
    page.focus("#keep-2")
    page.keyboard.press("ArrowUp")  # the arrows choose among the takes, as in any radio group ...
    page.wait_for_function("() => document.querySelector('#keep-1').checked")
    kept = page.evaluate("() => studio.answer.keep.recording.name")
    page.keyboard.press("4")  # ... and 1-4 still rate from there
    start_answering(page)
    studio.stop()  # the studio stops before the answer is saved
    finish_answering(page)
    page.wait_for_selector("#r-unsaved")
    check("review-unsaved")
    studio = start_studio(ws, "--count", "2", "--seconds", "30")  # the same address and key again
    page.click("#r-retry")
    page.wait_for_selector("#r-player .label:text-is('Listen to yourself')")
    page.keyboard.press("2")
    page.wait_for_selector("#view-report:not([hidden])")
    assert page.locator("#report-rows .rating").all_inner_texts() == ["2 shaky", "4 nailed it"]  # weakest first, both
    names = {c["name"] for c in check("report")["controls"]}
    assert sum(n.startswith("Practise this now: ") for n in names) == 2, names
    assert sum(n.startswith("Play your answer to “") for n in names) == 2, names
    # the audit has teeth: "2 shaky" as it was (#b86e00, 3.98:1 on white) is found
    page.evaluate("() => document.documentElement.style.setProperty('--r2', '#b86e00')")
    found = page.evaluate("async () => (await axe.run(document, { runOnly: ['color-contrast'] })).violations"
                          ".flatMap((v) => v.nodes.map((n) => document.querySelector(n.target[0]).textContent))")
    assert found == ["2 shaky"], found
    page.evaluate("() => document.documentElement.style.removeProperty('--r2')")
    page.click("#to-progress")
    page.wait_for_selector("body[data-progress]")
    controls = check("progress")["controls"]
    assert sum(c["name"].startswith("Play the recording of ") for c in controls) == 2
    assert sum(c["name"].startswith("Position in the recording of ") for c in controls) == 2
    assert sum(c["name"].startswith("Practise this now: ") for c in controls) >= 3  # the next ones and each question
    assert page.input_value("#p-company") == "northwind"  # as asked at the latest mock's company
    assert [h["rating"] for h in history(ws)] == [4, 2]
    assert history(ws)[0]["recording"] == kept
    assert len(recordings_in(ws)) == 2  # take 2 of the first answer went when take 1 was kept
    assert [e for e in errors if "Failed to load resource" not in e] == [], errors  # (the stopped studio)
