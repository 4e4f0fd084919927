"""deck-builder studio: the real server as a subprocess on 127.0.0.1, driven by Debian's chromium
(Playwright) with a fake microphone, and probed with http.client as an attacker would."""

from __future__ import annotations

import http.client
import json
import queue
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import EXAMPLE, REPO

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--use-fake-device-for-media-stream"]
MIC_ALLOWED = ["--use-fake-ui-for-media-stream"]  # without it, headless chromium refuses the microphone
URL_RE = re.compile(r"http://127\.0\.0\.1:(\d+)/#key=([A-Za-z0-9_-]+)")

SMALL = {
    "deck.yaml": "banks: []\n",
    "questions/practice.yaml": "bank: Practice\nquestions:\n"
                               + "".join(f"  - id: q{i}\n    ask: 'Question {i} for {{company}}?'\n" for i in range(1, 4)),
    "answers.yaml": "".join(f"q{i}:\n  points: [Point A{i}, Point B{i}]\n" for i in range(1, 4)),
}


class Studio:
    """`deck-builder studio` in its own process, as a user starts it."""

    def __init__(self, ws: Path, *args: str):
        self.ws = ws
        self.proc = subprocess.Popen([sys.executable, "-m", "deck_builder", "studio", str(ws), "--no-open", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.output = ""
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        match = self.wait_for(URL_RE)
        self.url, self.port, self.key = match.group(0), int(match.group(1)), match.group(2)
        self.host = f"127.0.0.1:{self.port}"
        self.auth = {"X-Studio-Key": self.key}

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, pattern: re.Pattern, limit: float = 30):
        deadline = time.monotonic() + limit
        while True:
            m = pattern.search(self.output)
            if m:
                return m
            assert self.proc.poll() is None or not self.lines.empty(), f"studio exited: {self.output}"
            assert time.monotonic() < deadline, f"{pattern.pattern!r} not printed; got {self.output!r}"
            try:
                self.output += self.lines.get(timeout=0.2)
            except queue.Empty:
                pass

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                key: bool = True):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        sent = {"Host": self.host, **(self.auth if key else {}), **(headers or {})}
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in sent.items():
            conn.putheader(name, value)
        if body is not None and "Content-Length" not in sent:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, resp, data

    def api(self, method: str, path: str, payload=None):
        status, _, data = self.request(method, path, json.dumps(payload).encode() if payload is not None else None,
                                       {"Content-Type": "application/json"} if payload is not None else None)
        return status, json.loads(data or b"null")

    def stop(self, sig: int = signal.SIGINT, limit: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=limit)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        self.reader.join(timeout=10)  # all it printed, up to the end of its output
        while not self.lines.empty():
            self.output += self.lines.get()
        return code


@pytest.fixture
def start_studio():
    """start(ws, *args) -> a running Studio; every one is stopped at the end."""
    started: list[Studio] = []

    def start(ws: Path, *args: str) -> Studio:
        studio = Studio(ws, *args)
        started.append(studio)
        return studio

    yield start
    for studio in started:
        studio.stop()


def copy_example(root: Path) -> Path:
    dest = root / "example"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("build", ".deck-builder"))
    return dest


def recordings_in(ws: Path) -> list[Path]:
    folder = ws / ".deck-builder" / "recordings"
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != ".gitignore") if folder.exists() else []


def history(ws: Path) -> list[dict]:
    path = ws / ".deck-builder" / "mock-history.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


# -- in the browser --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def playwright():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extras install playwright")
    assert Path(CHROMIUM).exists(), "headless Chromium is needed: apt-get install chromium (.ci/run does)"
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def chromium(playwright):
    """Chromium with a fake microphone that the page is allowed to use."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + MIC_ALLOWED)
    yield browser
    browser.close()


def open_page(browser, studio: Studio, width: int = 1280, scheme: str = "light"):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(studio.url)
    page.wait_for_selector("body[data-ready]")
    assert page.url == f"http://{studio.host}/"  # the key leaves the address bar, for sessionStorage
    return page, errors


def answer_aloud(page, seconds: float) -> None:
    """Space starts, speak (the fake microphone beeps) for about SECONDS, Space stops."""
    page.wait_for_function("() => studio.answer && studio.answer.phase === 'ready'")
    page.keyboard.press("Space")
    page.wait_for_function("() => studio.answer && studio.answer.phase === 'answering'")
    # the recorder hands over a chunk each second: wait for the audio itself, not the clock
    page.wait_for_function("(n) => !studio.answer.recorder || studio.answer.chunks.length >= n",
                           arg=max(1, round(seconds)), timeout=30000)
    page.keyboard.press("Space")
    page.wait_for_selector("#view-review:not([hidden])")


AUDIO_DURATION = "() => { const a = document.querySelector('#r-player audio'); return a && isFinite(a.duration) && a.duration > 0; }"


@pytest.fixture(scope="module")
def rehearsed(tmp_path_factory, chromium):
    """The example workspace after a two-question mock in the studio, recorded and rated 2 and 4,
    driven from the keyboard alone."""
    ws = copy_example(tmp_path_factory.mktemp("studio"))
    studio = Studio(ws, "--count", "2", "--seconds", "30", "--seed", "2")
    page, errors = open_page(chromium, studio)
    for _ in range(30):  # Tab to the Begin button, as a keyboard user would
        if page.evaluate("() => document.activeElement.id") == "begin":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    asked, durations, played = [], [], []
    for rating in (2, 4):
        page.wait_for_function("() => studio.answer && studio.answer.phase === 'ready'")
        asked.append(page.evaluate("() => studio.mock.questions[studio.index].id"))
        assert "records from Start to Done" in page.inner_text("#q-mic")
        answer_aloud(page, 1.5)
        page.wait_for_function(AUDIO_DURATION, timeout=15000)
        durations.append(page.evaluate("() => document.querySelector('#r-player audio').duration"))
        played.append(page.evaluate("""async () => {
            const a = document.querySelector('#r-player audio');
            a.muted = true; await a.play();
            await new Promise((done) => setTimeout(done, 600));
            a.pause(); return a.currentTime; }"""))
        review = page.inner_text("#view-review")
        page.keyboard.press(str(rating))
    page.wait_for_selector("#view-report:not([hidden])")
    report = page.inner_text("#view-report")
    decoded = page.evaluate("""async () => {
        const out = [];
        for (const q of studio.mock.questions) {
            const progress = await (await fetch('/api/progress', {headers: {'X-Studio-Key': studio.key}})).json();
            const rec = progress.questions.find((p) => p.id === q.id).recordings[0];
            const bytes = await (await fetch(rec.url)).arrayBuffer();
            const audio = await new OfflineAudioContext(1, 48000, 48000).decodeAudioData(bytes);
            out.push({question: q.id, duration: audio.duration, channels: audio.numberOfChannels});
        }
        return out; }""")
    yield {"ws": ws, "studio": studio, "page": page, "asked": asked, "durations": durations, "played": played,
           "report": report, "decoded": decoded, "last_review": review, "errors": errors}
    page.context.close()
    studio.stop()


def test_a_recorded_mock_plays_back_and_its_ratings_go_to_the_shared_history(rehearsed):
    ws, asked = rehearsed["ws"], rehearsed["asked"]
    assert len(asked) == 2 and len(set(asked)) == 2
    assert all(d > 0.5 for d in rehearsed["durations"]), rehearsed["durations"]  # the audio element's duration
    assert all(t > 0.1 for t in rehearsed["played"]), rehearsed["played"]  # and it plays
    assert "You took 0:0" in rehearsed["last_review"] and "of the 0:30 allowed" in rehearsed["last_review"]
    files = recordings_in(ws)
    assert [f.parent.name for f in files] == sorted(asked)
    for f in files:
        assert re.fullmatch(r"\d{8}T\d{6}Z-\d+s-[0-9a-f]{8}\.webm", f.name), f.name
        assert f.read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # a WebM (EBML) file ...
    for d in rehearsed["decoded"]:  # ... that the browser's audio decoder reads back
        assert d["duration"] > 0.5 and d["channels"] >= 1, d
    lines = history(ws)
    assert [(h["question"], h["rating"], h["company"]) for h in lines] == [(asked[0], 2, None), (asked[1], 4, None)]
    assert {h["recording"] for h in lines} == {f.name for f in files}
    report = rehearsed["report"]
    assert "2 shaky" in report and "4 nailed it" in report and "Weakest first: one answer rated below 3." in report
    assert report.index("2 shaky") < report.index("4 nailed it")
    assert "the next mock asks your weakest questions first" in report
    assert not rehearsed["errors"], rehearsed["errors"]


def test_the_terminal_mock_check_and_brief_see_the_studios_ratings(rehearsed, cli):
    from click.testing import CliRunner

    from deck_builder.cli import main

    ws, (shaky, nailed) = rehearsed["ws"], rehearsed["asked"]
    assert f"weakest last time: {shaky} (2)" in cli("check", ws).stdout
    tailored = {"career-prepared", "difficult-decision", "why-this-company"}
    assert shaky not in tailored and nailed not in tailored  # (the seed's choice; else pick another seed)
    cli("brief", ws, "--company", "northwind", "--questions", "4", "-o", ws / "b.md", "--format", "md")
    brief = (ws / "b.md").read_text(encoding="utf-8")
    from deck_builder.sources.workspace import load_workspace

    loaded, _ = load_workspace(ws)
    assert " ".join(loaded.questions[shaky].ask.split()) in brief  # the weak one joins the tailored three
    assert " ".join(loaded.questions[nailed].ask.split()) not in brief
    result = CliRunner().invoke(main, ["mock", str(ws), "--count", "1"], input="\n2\n", catch_exceptions=False)
    assert f"Question 1 of 1  [{shaky}]" in result.output  # rated 2: before every question never practised


def test_progress_shows_ratings_recordings_and_deletes_a_recording(rehearsed):
    page, ws, (shaky, nailed) = rehearsed["page"], rehearsed["ws"], rehearsed["asked"]
    page.click(".tab[data-view='progress']")
    page.wait_for_selector("body[data-progress]")
    card = page.locator(f"[data-question='{shaky}']")
    assert card.locator("svg.spark circle").count() >= 1
    assert "Last practised today" in card.inner_text()
    items = card.locator(".recs li")
    assert items.count() == 1
    assert re.search(r"\d.*· 0:0\d", items.first.inner_text())
    company = page.locator("#companies .company").first
    assert company.locator("h3").text_content() == "Northwind Parcel"
    assert company.locator(".count").all_inner_texts() == ["9/9", "3/9", "1/9"]  # answered, tailored, good lately
    assert page.inner_text("#next").startswith(page.evaluate(f"() => document.querySelector(\"[data-question='{shaky}'] h3\").textContent"))
    (before,) = [f for f in recordings_in(ws) if f.parent.name == shaky]
    delete = items.first.locator("button.danger")
    delete.click()
    assert delete.inner_text() == "Delete for good?"  # a second click deletes
    delete.click()
    page.wait_for_function(f"() => document.querySelectorAll(\"[data-question='{shaky}'] .recs li\").length === 0")
    assert not before.exists()
    assert [f.parent.name for f in recordings_in(ws)] == [nailed]


# -- try again, the report and Progress (issue 16 point 3) -----------------------------------

ACME = {**SMALL, "companies/acme.yaml": "name: 'Acme & <b>Co</b>'\n"}


def take_audio_ready(page, selector: str) -> None:
    page.wait_for_function("(s) => { const a = document.querySelector(s); return a && isFinite(a.duration) && a.duration > 0; }",
                           arg=selector, timeout=15000)


def fetched_head(page, src: str) -> list:
    """The first bytes of what an <audio> element's SRC serves, fetched as the element does (no key)."""
    return page.evaluate("async (src) => { const r = await fetch(src); if (!r.ok) return [r.status];"
                         " return [...new Uint8Array(await r.arrayBuffer()).slice(0, 4)]; }", src)


@pytest.fixture(scope="module")
def retaken(tmp_path_factory, chromium):
    """A two-question mock at Acme & <b>Co</b>: the first answered twice ("Try again") and
    the first take kept and rated 4 from the keyboard, the second rated 2."""
    from conftest import write_files

    ws = write_files(tmp_path_factory.mktemp("retaken") / "ws", ACME)
    studio = Studio(ws, "--count", "2", "--seconds", "30", "--company", "acme", "--seed", "1")
    page, errors = open_page(chromium, studio)
    page.click("#begin")
    out = {"ws": ws, "studio": studio, "page": page, "errors": errors}
    page.wait_for_function("() => studio.answer && studio.answer.phase === 'ready'")
    out["first"], out["second"] = page.evaluate("() => studio.mock.questions.map((q) => q.id)")
    answer_aloud(page, 1.2)
    page.wait_for_function(AUDIO_DURATION, timeout=15000)
    out["take1"] = page.evaluate("() => ({name: studio.answer.recording.name, took: studio.answer.took})")
    from deck_builder.rehearse import listen

    out["listening"] = listen.missing() is None
    if out["listening"]:  # what was heard in take 1 stays with take 1
        page.wait_for_selector("#r-heard-summary", timeout=60000)
    page.focus("#r-again")
    page.keyboard.press("Enter")
    page.wait_for_selector("#view-question:not([hidden])")
    out["asking_again"] = {"step": page.inner_text("#q-step"), "note": page.inner_text("#q-take"),
                           "focus": page.evaluate("() => document.activeElement.id"),
                           "files": [f.name for f in recordings_in(ws)]}
    answer_aloud(page, 3)
    take_audio_ready(page, ".take:nth-of-type(1) audio")
    take_audio_ready(page, ".take:nth-of-type(2) audio")
    out["review"] = {"takes": page.locator(".takes .take").count(), "files": [f.name for f in recordings_in(ws)],
                     "labels": page.locator(".takes label").all_inner_texts(),
                     "srcs": page.eval_on_selector_all(".takes audio", "(all) => all.map((a) => a.src)"),
                     "focus": page.evaluate("() => document.activeElement.getAttribute('aria-label')"),
                     "note": page.inner_text("#r-keep-note")}
    out["take2"] = page.evaluate("() => ({name: studio.answer.recording.name, took: studio.answer.took})")
    out["heads"] = [fetched_head(page, src) for src in out["review"]["srcs"]]
    page.check("#keep-1")
    out["length_kept"] = page.inner_text("#r-length")
    if out["listening"]:
        page.check("#r-points li:first-child .tick")  # take 1's ticks: "I covered point 1"
        page.focus("#keep-1")
    page.keyboard.press("4")  # from the radio button: 1-4 still rate
    page.wait_for_function("() => studio.index === 1 && studio.answer.phase === 'ready'")
    answer_aloud(page, 1.2)
    page.wait_for_function(AUDIO_DURATION, timeout=15000)
    page.keyboard.press("2")
    page.wait_for_selector("#view-report:not([hidden])")
    yield out
    page.context.close()
    studio.stop()


def test_try_again_keeps_the_first_take_until_one_is_chosen_then_keeps_only_that(retaken):
    r, ws = retaken, retaken["ws"]
    again = r["asking_again"]
    assert again["step"] == "Question 1 of 2, take 2" and again["focus"] == "q-go"
    assert again["note"] == "Your earlier take is kept: after this answer you choose which one to keep."
    assert again["files"] == [r["take1"]["name"]]  # trying again deleted nothing
    review = r["review"]
    assert review["takes"] == 2 and sorted(review["files"]) == sorted([r["take1"]["name"], r["take2"]["name"]])
    assert re.fullmatch(r"Keep take 1 \(0:0\d\)", review["labels"][0]), review["labels"]
    assert re.fullmatch(r"Keep take 2 \(0:0\d\)", review["labels"][1]), review["labels"]
    assert review["focus"] == "Play take 2"  # the newest take, as after a single one
    assert review["note"] == "Rating keeps the chosen take; the other is deleted then, not before."
    assert r["heads"] == [[0x1a, 0x45, 0xdf, 0xa3]] * 2  # both players play their own take
    assert r["length_kept"] == f"Take 1: you took 0:0{round(r['take1']['took'])} of the 0:30 allowed."  # the kept take's time
    lines = history(ws)
    assert [(h["question"], h["rating"], h["company"]) for h in lines] == [(r["first"], 4, "acme"), (r["second"], 2, "acme")]
    assert lines[0]["recording"] == r["take1"]["name"]
    assert abs(lines[0]["seconds"] - r["take1"]["took"]) < 0.11  # the kept take's time, not the last one's
    if r["listening"]:  # and what was heard in it, with the user's tick
        assert [(p["point"], p["ticked"]) for p in lines[0]["points"]] == [
            (f"Point A{r['first'][1:]}", True), (f"Point B{r['first'][1:]}", False)]
    assert r["take2"]["name"] not in [f.name for f in recordings_in(ws)]  # deleted once chosen
    assert sorted(f.name for f in recordings_in(ws)) == sorted([r["take1"]["name"], lines[1]["recording"]])
    assert not r["errors"], r["errors"]


def test_the_report_shows_each_answer_as_asked_weakest_first_and_practises_one_now(retaken):
    page, r = retaken["page"], retaken
    rows = page.locator("#report-rows > li")
    assert [rows.nth(i).get_attribute("data-answer") for i in range(rows.count())] == [r["second"], r["first"]]
    n = {q: q[1:] for q in (r["first"], r["second"])}
    for i, q in enumerate((r["second"], r["first"])):
        row = rows.nth(i)
        assert row.locator("h2").inner_text() == f"Question {n[q]} for Acme & <b>Co</b>?"  # filled in, and escaped
        assert row.locator(".took").inner_text().startswith("You took 0:0")
        src = row.locator("audio").get_attribute("src")
        assert fetched_head(page, src) == [0x1a, 0x45, 0xdf, 0xa3]
        assert row.locator(".play").get_attribute("aria-label") == f"Play your answer to “Question {n[q]} for Acme & <b>Co</b>?”"
    assert rows.nth(0).locator(".rating").inner_text() == "2 shaky"
    assert rows.nth(1).locator(".rating").inner_text() == "4 nailed it"
    assert history(r["ws"])[0]["recording"] in rows.nth(1).locator("audio").get_attribute("src")  # the kept take
    assert page.inner_text("#report-work").startswith("Weakest first: one answer rated below 3.")
    assert r["first"] not in page.inner_text("#report-work")  # questions, never their ids
    rows.nth(0).locator("button.practise").click()
    page.wait_for_function("() => studio.answer && studio.answer.phase === 'ready'")
    assert page.evaluate("() => studio.mock.questions.map((q) => q.id)") == [r["second"]]
    assert page.inner_text("#q-step") == "Question 1 of 1"
    assert page.inner_text("#q-text") == f"Question {n[r['second']]} for Acme & <b>Co</b>?"
    assert page.inner_text("#q-speaker") == "Interviewer, Acme & <b>Co</b>"
    page.click("#q-end")
    page.wait_for_selector("#view-report:not([hidden])")
    assert not r["errors"], r["errors"]


def test_progress_asks_as_the_chosen_company_weakest_first_with_each_recordings_rating(retaken):
    page, r = retaken["page"], retaken
    page.click(".tab[data-view='progress']")
    page.wait_for_selector("body[data-progress]")
    assert page.input_value("#p-company") == "acme"  # the latest mock's company
    cards = page.locator("#questions .qcard")
    order = [cards.nth(i).get_attribute("data-question") for i in range(cards.count())]
    never = ({"q1", "q2", "q3"} - {r["first"], r["second"]}).pop()
    assert order == [r["second"], never, r["first"]]  # 2 shaky, never practised, 4 nailed it: the mock's own order
    for i, q in enumerate(order):
        assert cards.nth(i).locator("h3").inner_text() == f"Question {q[1:]} for Acme & <b>Co</b>?"
    assert "our company" not in page.inner_text("#view-progress")
    assert cards.nth(0).locator(".recs li .rating").all_inner_texts() == ["2 shaky"]
    assert cards.nth(2).locator(".recs li .rating").all_inner_texts() == ["4 nailed it"]
    assert cards.nth(2).locator(".recs li").count() == 1  # the take not kept is gone
    src = cards.nth(0).locator("audio").get_attribute("src")
    assert fetched_head(page, src) == [0x1a, 0x45, 0xdf, 0xa3]
    assert page.locator("#next > li").first.inner_text().startswith(f"Question {r['second'][1:]} for Acme & <b>Co</b>?")
    page.select_option("#p-company", "")  # no company: the generic words, and the focus stays on the picker
    page.wait_for_function("() => document.querySelector('#questions h3').textContent.includes('our company')")
    assert page.evaluate("() => document.activeElement.id") == "p-company"
    page.select_option("#p-company", "acme")
    page.wait_for_function("() => document.querySelector('#questions h3').textContent.includes('Acme')")
    cards.nth(1).locator("button.practise").click()  # practise this now: that question, at Acme
    page.wait_for_function("() => studio.answer && studio.answer.phase === 'ready'")
    assert page.evaluate("() => [studio.mock.questions.map((q) => q.id), studio.mock.company]") == [[never], "Acme &amp; &lt;b&gt;Co&lt;/b&gt;"]
    page.click("#q-end")
    page.wait_for_selector("#view-report:not([hidden])")
    assert not r["errors"], r["errors"]


def test_progress_orders_as_the_next_mock_and_fills_in_the_company(workspace):
    from deck_builder.rehearse import mock
    from deck_builder.rehearse.studio.progress import progress
    from deck_builder.sources.workspace import load_workspace

    ws, _ = load_workspace(str(workspace(ACME)))
    acme = ws.companies["acme"]
    said = [mock.Practice("q1", "acme", 4, 10, mock.now_iso()), mock.Practice("q3", None, 1, 10, mock.now_iso())]
    data = progress(ws, said, {}, company=acme)
    assert [q["id"] for q in data["questions"]] == [q.id for q in mock.weakest_first(list(ws.questions.values()), said)]
    assert [q["id"] for q in data["questions"]] == ["q3", "q2", "q1"]
    assert data["questions"][0]["ask"] == "Question 3 for Acme & <b>Co</b>?"
    assert data["questions"][0]["ask_html"] == "Question 3 for Acme &amp; &lt;b&gt;Co&lt;/b&gt;?"
    assert [n["id"] for n in data["next"]] == ["q3", "q2"] and data["company"]["id"] == "acme"
    assert progress(ws, said, {})["questions"][0]["ask"] == "Question 3 for our company?"


def test_a_rating_deletes_only_the_takes_it_is_told_to_and_only_then(small):
    _, m = small.api("POST", "/api/mock", {"count": 1})
    takes = []
    for _ in range(2):
        status, _, data = small.request("POST", f"/api/mock/{m['id']}/answers/0/recording?seconds=3",
                                        b"\x1a\x45\xdf\xa3" + b"\0" * 100, {"Content-Type": "audio/webm"})
        assert status == 201
        takes.append(json.loads(data)["name"])
    rate = f"/api/mock/{m['id']}/answers/0/rating"
    for bad in ({"rating": 3, "recording": takes[0], "discard": takes[0]},
                {"rating": 3, "recording": takes[0], "discard": [takes[0]]},  # not the one kept
                {"rating": 3, "recording": takes[0], "discard": ["../../answers.yaml"]},
                {"rating": 3, "recording": takes[0], "discard": [7]}):
        status, data = small.api("POST", rate, bad)
        assert status == 400 and data["error"] == "discard: expected the names of this question's other recordings", bad
    assert sorted(f.name for f in recordings_in(small.ws)) == sorted(takes) and history(small.ws) == []
    status, data = small.api("POST", rate, {"rating": 3, "recording": takes[0], "discard": [takes[1]]})
    assert status == 201 and data["deleted"] == [takes[1]]
    assert [f.name for f in recordings_in(small.ws)] == [takes[0]]
    assert [(h["rating"], h["recording"]) for h in history(small.ws)] == [(3, takes[0])]


def test_a_take_deleted_in_another_tab_does_not_keep_the_answer_from_being_rated(small):
    """Take 2 was deleted in Progress (another tab) before the rating that discards it: the
    rating is saved; a name that is not a recording's name is still refused."""
    _, m = small.api("POST", "/api/mock", {"count": 1})
    takes = []
    for _ in range(2):
        status, _, data = small.request("POST", f"/api/mock/{m['id']}/answers/0/recording?seconds=3",
                                        b"\x1a\x45\xdf\xa3" + b"\0" * 100, {"Content-Type": "audio/webm"})
        assert status == 201
        takes.append(json.loads(data)["name"])
    q = m["questions"][0]["id"]
    assert small.request("DELETE", f"/api/recordings/{q}/{takes[1]}")[0] == 200
    rate = f"/api/mock/{m['id']}/answers/0/rating"
    for bad in (["../../answers.yaml"], [takes[1], 7], [takes[1] + "/.."], "x"):
        assert small.api("POST", rate, {"rating": 3, "recording": takes[0], "discard": bad})[0] == 400, bad
    status, data = small.api("POST", rate, {"rating": 3, "recording": takes[0], "discard": [takes[1]]})
    assert status == 201 and data["deleted"] == [] and data["not_deleted"] == [], data
    assert [f.name for f in recordings_in(small.ws)] == [takes[0]]
    assert [(h["rating"], h["recording"]) for h in history(small.ws)] == [(3, takes[0])]


def test_with_the_microphone_refused_the_mock_still_runs_and_says_why(playwright, tmp_path, start_studio):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)  # permission prompts refused
    try:
        ws = copy_example(tmp_path)
        studio = start_studio(ws, "--count", "2", "--seconds", "20", "--company", "northwind")
        page, errors = open_page(browser, studio, 390)
        page.click("#begin")
        for rating in (3, 1):
            page.wait_for_function("() => studio.answer && studio.answer.phase === 'ready'")
            assert "microphone was not allowed" in page.inner_text("#q-mic")
            answer_aloud(page, 0.3)
            assert "Nothing was recorded. The microphone was not allowed" in page.inner_text("#r-player")
            page.keyboard.press(str(rating))
        page.wait_for_selector("#view-report:not([hidden])")
        assert [h["rating"] for h in history(ws)] == [3, 1]
        assert all("recording" not in h for h in history(ws)) and recordings_in(ws) == []
        assert not errors, errors
    finally:
        browser.close()


def test_points_are_one_numbered_answer_and_user_text_is_escaped(chromium, workspace, start_studio):
    ws = workspace({
        **SMALL,
        "questions/practice.yaml": "bank: Practice\nquestions:\n  - id: q1\n    ask: 'How *would* you <b>lead</b> {company}?'\n"
                                   "    why: 'They look for **numbers**'\n",
        "answers.yaml": "q1:\n  points: ['<img src=x onerror=alert(1)> first', 'Second *point*', Third]\n",
        "companies/acme.yaml": "name: '<i>Acme</i> & Co'\ntailoring:\n  q1: [For them, And this]\n",
    })
    studio = start_studio(ws, "--company", "acme", "--count", "1", "--seconds", "5")
    page, errors = open_page(chromium, studio)
    from deck_builder.rehearse.mock import order_in_words

    assert page.inner_text("#order") == order_in_words()  # the one rule, in the words of mock --help
    page.check("#set-speak")  # read the question aloud (a setting kept in the workspace)
    page.wait_for_function("() => studio.state.settings.speak === true")
    page.evaluate("() => { window.spoken = []; speechSynthesis.speak = (u) => spoken.push(u.text); }")
    page.click("#begin")
    page.wait_for_function("() => studio.answer && studio.answer.phase === 'ready'")
    assert page.inner_text("#q-text") == "How would you <b>lead</b> <i>Acme</i> & Co?"
    assert page.inner_html("#q-text").startswith("How <em>would</em> you &lt;b&gt;lead")
    assert page.evaluate("() => spoken") == ["How would you <b>lead</b> <i>Acme</i> & Co?"]  # without the Markdown
    assert json.loads((ws / ".deck-builder" / "studio-settings.json").read_text())["speak"] is True
    page.keyboard.press("Space")
    page.wait_for_selector("#view-review:not([hidden])", timeout=15000)  # the time runs out: recording stops
    assert page.inner_text("#r-length") == "Time ran out: you used all 0:05."
    page.wait_for_function(AUDIO_DURATION, timeout=15000)
    assert page.evaluate("() => document.querySelector('#r-player audio').duration") > 4
    points = page.locator("#r-points")
    assert points.locator(".label").all_inner_texts() == ["For <i>Acme</i> & Co", "Your points"]
    numbers = page.evaluate("() => [...document.querySelectorAll('#r-points li')].map((li) => "
                            "[...li.parentElement.children].indexOf(li) + li.parentElement.start)")
    assert numbers == [1, 2, 3, 4, 5]  # tailored 1-2, then yours 3-5
    assert page.locator("#r-points img").count() == 0
    assert page.inner_text("#r-why") == "They look for numbers"
    assert not errors, errors


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_fit_the_screen_in_light_and_dark(chromium, tmp_path, start_studio, width, scheme):
    ws = copy_example(tmp_path)
    studio = start_studio(ws, "--count", "1", "--seconds", "30", "--company", "northwind", "--seed", "2")
    page, errors = open_page(chromium, studio, width, scheme)
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(21, 24, 29)") == (scheme == "dark"), background  # follows the system setting
    ARTIFACTS.mkdir(exist_ok=True)

    def shot(name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"studio-{name}-{width}-{scheme}.png"), full_page=True)
        overflow = page.evaluate("() => document.documentElement.scrollWidth")
        assert overflow <= width, f"{name}: the page is {overflow} px wide at {width} px"

    shot("start")
    page.click("#begin")
    page.wait_for_selector("#view-question:not([hidden])")
    page.keyboard.press("Space")
    page.wait_for_function("() => studio.answer.chunks.length > 0", timeout=30000)
    shot("mock")
    page.keyboard.press("Space")
    page.wait_for_selector("#view-review:not([hidden])")
    page.wait_for_function(AUDIO_DURATION, timeout=15000)
    shot("review")
    page.click("#r-again")
    page.keyboard.press("Space")
    page.wait_for_function("() => studio.answer.chunks.length > 0", timeout=30000)
    page.keyboard.press("Space")
    page.wait_for_function("() => [...document.querySelectorAll('.takes audio')].filter((a) => isFinite(a.duration)"
                           " && a.duration > 0).length === 2", timeout=15000)
    shot("takes")
    page.keyboard.press("3")
    page.wait_for_selector("#view-report:not([hidden])")
    shot("report")
    page.click("#to-progress")
    page.wait_for_selector("body[data-progress]")
    shot("progress")
    assert not errors, errors


# -- who may ask -----------------------------------------------------------------------------

def small_studio(root: Path) -> Studio:
    """A studio on a three-question workspace in ROOT, beside a file outside it."""
    from conftest import write_files

    (root / "outside.txt").write_text("OUTSIDE-THE-WORKSPACE\n")
    return Studio(write_files(root / "ws", SMALL), "--count", "2", "--seconds", "5")


@pytest.fixture
def small(tmp_path):
    studio = small_studio(tmp_path)
    yield studio
    studio.stop()


@pytest.fixture(scope="module")
def untouched(tmp_path_factory):
    """One studio for the tests that must not change anything."""
    studio = small_studio(tmp_path_factory.mktemp("untouched"))
    yield studio
    studio.stop()


def test_no_key_or_a_wrong_key_gets_403_and_no_cookie_is_set(small):
    for path in ("/api/state", "/api/progress", "/api/alive", "/recordings/q1/20261201T101500Z-5s-deadbeef.webm"):
        status, _, body = small.request("GET", path, key=False)
        assert status == 403, path
        assert b"open the address" in body
        for wrong in ({"X-Studio-Key": "wrong"}, {"X-Studio-Key": ""}, {"Cookie": f"deck-builder-studio-{small.port}={small.key}"},
                      {"X-Studio-Key": small.key[:-1]}):
            assert small.request("GET", path, key=False, headers=wrong)[0] == 403, (path, wrong)
        assert small.request("GET", f"{path}?key={small.key}", key=False)[0] == 403  # the key is never in an address
    status, resp, page = small.request("GET", "/", key=False)  # the page and its files are package files, no user data
    assert status == 200 and b"deck-builder studio" in page and resp.getheader("Set-Cookie") is None
    assert "frame-ancestors 'none'" in resp.getheader("Content-Security-Policy")
    assert small.request("GET", "/static/studio.js", key=False)[0] == 200
    status, resp, _ = small.request("GET", "/", key=False, headers={"Cookie": f"deck-builder-studio-{small.port}=old; x=1"})
    assert resp.getheader("Set-Cookie") == f"deck-builder-studio-{small.port}=; Path=/; Max-Age=0"  # an old studio's cookie ends
    status, _, _ = small.request("POST", "/api/mock", json.dumps({}).encode(), {"Content-Type": "application/json"},
                                 key=False)
    assert status == 403 and history(small.ws) == []


@pytest.mark.parametrize("headers", [
    {"Host": "evil.example"},
    {"Host": "evil.example:{port}"},  # DNS rebinding: the attacker's name, our address
    {"Host": "127.0.0.1"},
    {"Host": "127.0.0.1:1"},
    {"Origin": "http://evil.example"},
    {"Origin": "http://127.0.0.1:1"},  # another local server's page
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
], ids=lambda h: f"{next(iter(h))}={next(iter(h.values()))}")
def test_a_foreign_host_or_origin_gets_403_even_with_the_key(untouched, headers):
    small = untouched
    headers = {k: v.format(port=small.port) for k, v in headers.items()}
    for method, path, body in [("GET", "/api/state", None), ("GET", "/", None), ("GET", "/static/studio.js", None),
                               ("POST", "/api/mock", b'{"count": 1}'), ("POST", "/api/settings", b'{"record": false}')]:
        status, _, data = small.request(method, path, body, {"Content-Type": "application/json", **headers})
        assert status == 403, (method, path, data)
    assert history(small.ws) == [] and not (small.ws / ".deck-builder" / "studio-settings.json").exists()
    assert small.request("GET", "/api/state", headers={"Origin": f"http://127.0.0.1:{small.port}"})[0] == 200


TRAVERSALS = [
    "/static/../server.py", "/static/..%2fserver.py", "/static/%2e%2e/app.py", "/static/studio.js/../../app.py",
    "/static/index.html/..%2F..%2F..%2F..%2Foutside.txt", "/../../outside.txt", "//etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
    "/recordings/q1/..%2F..%2F..%2Fanswers.yaml", "/recordings/../../answers.yaml", "/recordings/q1/%2e%2e",
    "/recordings/..%2F..%2F..%2F../outside.txt", "/recordings/q1/20261201T101500Z-5s-deadbeef.webm/../../../answers.yaml",
    "/recordings/q1/..\\..\\..\\answers.yaml", "/static/C:\\Windows\\win.ini", "/api/state/../../answers.yaml",
    "/recordings/q1/20261201T101500Z-5s-deadbeef.webm%00.txt",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_leads_outside_the_workspace(untouched, path):
    small = untouched
    for method in ("GET", "DELETE"):
        status, _, body = small.request(method, path)
        assert status in (404, 501), (method, path, status)
        assert b"OUTSIDE-THE-WORKSPACE" not in body and b"Point A1" not in body and b"root:" not in body
    assert (small.ws.parent / "outside.txt").exists()


def test_a_linked_recording_folder_or_file_is_never_read_written_or_deleted(small):
    outside = small.ws.parent / "outside.txt"
    name = "20261201T101500Z-5s-deadbeef.webm"
    folder = small.ws / ".deck-builder" / "recordings"
    (folder / "q1").mkdir(parents=True)
    (folder / "q1" / name).symlink_to(outside)
    assert small.request("GET", f"/recordings/q1/{name}")[0] == 404
    assert small.request("DELETE", f"/api/recordings/q1/{name}")[0] == 404
    assert outside.read_text() == "OUTSIDE-THE-WORKSPACE\n"
    elsewhere = small.ws.parent / "elsewhere"
    elsewhere.mkdir()
    (folder / "q2").symlink_to(elsewhere, target_is_directory=True)
    _, mock = small.api("POST", "/api/mock", {"count": 3})
    index = [q["id"] for q in mock["questions"]].index("q2")
    status, _, _ = small.request("POST", f"/api/mock/{mock['id']}/answers/{index}/recording?seconds=1",
                                 b"\x1a\x45\xdf\xa3" + b"\0" * 100, {"Content-Type": "audio/webm"})
    assert status == 403 and list(elsewhere.iterdir()) == []


def upload(studio: Studio, body: bytes, content_type: str = "audio/webm", headers: dict | None = None):
    _, mock = studio.api("POST", "/api/mock", {"count": 1})
    return studio.request("POST", f"/api/mock/{mock['id']}/answers/0/recording?seconds=3", body,
                          {"Content-Type": content_type, **(headers or {})})


def test_uploads_are_checked_and_an_oversized_one_writes_nothing(small):
    from deck_builder.rehearse.studio.recordings import upload_limit

    webm = b"\x1a\x45\xdf\xa3" + b"\0" * 1000
    status, _, data = upload(small, webm + b"\0" * (upload_limit(5) - len(webm) + 1))
    assert status == 413 and b"at most" in data
    status, _, _ = upload(small, webm, headers={"Content-Length": str(10 ** 12)})  # says so up front
    assert status == 413
    assert upload(small, b"not audio at all", "audio/webm")[0] == 415
    assert upload(small, webm, "multipart/form-data; boundary=x")[0] == 415
    assert upload(small, webm, "text/plain")[0] == 415
    assert upload(small, b"", "audio/webm")[0] == 400
    assert recordings_in(small.ws) == []
    status, _, data = upload(small, webm)
    assert status == 201, data
    assert [f.name for f in recordings_in(small.ws)] == [json.loads(data)["name"]]
    assert (small.ws / ".deck-builder" / "recordings" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_an_upload_refused_from_its_length_is_answered_while_the_rest_still_comes(small):
    """A client may send the whole recording before it reads the answer. The studio refuses one
    that is too big from its Content-Length alone, so the rest is still coming after the 413:
    it must be let in (and dropped), as closing a socket that is still being sent to resets
    the connection, and the client would see that instead of why."""
    _, mock = small.api("POST", "/api/mock", {"count": 1})
    sock = socket.create_connection(("127.0.0.1", small.port), timeout=20)
    sock.sendall((f"POST /api/mock/{mock['id']}/answers/0/recording?seconds=3 HTTP/1.1\r\nHost: {small.host}\r\n"
                  f"X-Studio-Key: {small.key}\r\nContent-Type: audio/webm\r\nContent-Length: {64 * 2 ** 20}\r\n\r\n"
                  ).encode() + b"\x1a\x45\xdf\xa3")
    assert select.select([sock], [], [], 20)[0], "no answer"  # the 413 is here (not read yet)
    for _ in range(128):  # 8 MB more of the recording: more than the sockets' buffers hold
        sock.sendall(b"\0" * 65536)
    resp = http.client.HTTPResponse(sock)
    resp.begin()
    assert resp.status == 413 and b"at most" in resp.read()
    sock.close()
    assert recordings_in(small.ws) == []
    assert small.request("GET", "/api/state")[0] == 200  # and the studio goes on


def test_a_broken_upload_leaves_no_half_file(small):
    _, mock = small.api("POST", "/api/mock", {"count": 1})
    sock = socket.create_connection(("127.0.0.1", small.port))
    sock.sendall((f"POST /api/mock/{mock['id']}/answers/0/recording?seconds=3 HTTP/1.1\r\nHost: {small.host}\r\n"
                  f"X-Studio-Key: {small.key}\r\nContent-Type: audio/webm\r\nContent-Length: 200000\r\n\r\n").encode()
                 + b"\x1a\x45\xdf\xa3" + b"\0" * 50000)
    folder = small.ws / ".deck-builder" / "recordings"
    deadline = time.monotonic() + 20
    while not any(folder.rglob("*.part")) and time.monotonic() < deadline:
        threading.Event().wait(0.02)  # the studio is writing it
    sock.close()  # the browser tab was closed mid-upload
    deadline = time.monotonic() + 10
    while any(folder.rglob("*.part")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p for p in folder.rglob("*") if p.is_file() and p.name != ".gitignore"] == []
    assert small.request("GET", "/api/state")[0] == 200  # and the studio goes on


def test_pieces_of_a_recording_are_checked_and_a_broken_stream_leaves_no_half_file(small):
    """The recording sent in pieces while it is made (?seq=0, 1, ...; the last with &last=1):
    every bad piece is a 4xx, the studio goes on, and nothing half sent is left."""
    from deck_builder.rehearse.studio.app import CHUNK_LIMIT
    from deck_builder.rehearse.studio.recordings import upload_limit

    _, mock = small.api("POST", "/api/mock", {"count": 1})
    answer = f"/api/mock/{mock['id']}/answers/0"
    webm = b"\x1a\x45\xdf\xa3" + b"\0" * 1000

    def piece(query: str, body: bytes = b"\0" * 100, content_type: str = "audio/webm", headers: dict | None = None,
              path: str = answer):
        status, _, data = small.request("POST", f"{path}/chunk{query}", body,
                                        {"Content-Type": content_type, **(headers or {})})
        assert 400 <= status < 500 or status in (200, 201), (query, status, data)
        if status >= 400:
            assert "error" in json.loads(data) and b"internal error" not in data, data
        return status, data

    for query in ("", "?seq=", "?seq=abc", "?seq=-1", "?seq=1e3", "?seq=1234567", "?seq=0&last=yes"):
        assert piece(query, webm)[0] == 400, query
    assert piece("?seq=1")[0] == 409  # nothing started: piece 0 starts a recording
    assert piece("?seq=0", b"not audio at all")[0] == 415
    assert piece("?seq=0", webm, "text/plain")[0] == 415
    assert piece("?seq=0", b"")[0] == 400
    assert piece("?seq=0", webm, headers={"Content-Length": str(CHUNK_LIMIT + 1)})[0] == 413  # from its length
    assert piece("?seq=0", webm, path="/api/mock/0123456789abcdef/answers/0")[0] == 404
    assert piece("?seq=0", webm, path=f"/api/mock/{mock['id']}/answers/7")[0] == 404

    assert piece("?seq=0", webm)[0] == 200
    assert piece("?seq=1", b"")[0] == 400  # only the last piece may be empty
    assert piece("?seq=1", content_type="audio/ogg")[0] == 415  # one recording, one kind
    assert piece("?seq=0", webm)[0] == 200  # a new take of the answer replaces the old one
    assert piece("?seq=1")[0] == 200
    for bad in ("nan", "inf", "-1", "abc", ""):
        assert piece(f"?seq=2&last=1&seconds={bad}", b"")[0] == 400, bad
    assert piece("?seq=5")[0] == 409  # out of order: the stream is given up ...
    assert piece("?seq=2")[0] == 409  # ... and the page uploads the whole recording instead
    folder = small.ws / ".deck-builder" / "recordings"
    assert [p for p in folder.rglob("*") if p.is_file() and p.name != ".gitignore"] == []

    big = b"\0" * CHUNK_LIMIT  # more than the time allowed (5 s) can take, a piece at a time
    assert piece("?seq=0", webm)[0] == 200
    pieces = [piece(f"?seq={seq}", big)[0] for seq in range(1, upload_limit(5) // CHUNK_LIMIT + 2)]
    assert pieces[-1] == 413 and set(pieces[:-1]) == {200}, pieces
    assert piece(f"?seq={len(pieces)}")[0] == 409
    assert [p for p in folder.rglob("*") if p.is_file() and p.name != ".gitignore"] == []

    assert piece("?seq=0", webm)[0] == 200  # and one that arrives whole is kept as an upload is
    status, data = piece("?seq=1&last=1&seconds=2.6", b"\0" * 10)
    assert status == 201, data
    kept = json.loads(data)
    assert kept["seconds"] == 3 and kept["size"] == len(webm) + 10
    assert [f.name for f in recordings_in(small.ws)] == [kept["name"]]
    assert piece("?seq=2&last=1&seconds=1", b"")[0] == 409  # finished already
    status, _, data = small.request("POST", f"{answer}/chunk?seq=0", None,
                                    {"Content-Type": "audio/webm", "Content-Length": "abc"})
    assert status == 411
    small.api("POST", "/api/settings", {"record": False})
    assert piece("?seq=0", webm)[0] == 409
    assert small.request("GET", "/api/state")[0] == 200  # and the studio goes on
    small.stop()
    assert "Traceback" not in small.output and "internal error" not in small.output, small.output


def test_recording_can_be_turned_off(small):
    status, settings = small.api("POST", "/api/settings", {"record": False})
    assert status == 200 and settings == {"record": False, "speak": False}
    assert small.api("GET", "/api/state")[1]["settings"]["record"] is False
    status, _, data = upload(small, b"\x1a\x45\xdf\xa3" + b"\0" * 100)
    assert status == 409 and b"turned off" in data and recordings_in(small.ws) == []
    assert small.api("POST", "/api/settings", {"upload": True})[0] == 400


def test_ratings_are_checked_and_given_once(small):
    _, mock = small.api("POST", "/api/mock", {"count": 2})
    rate = f"/api/mock/{mock['id']}/answers/0/rating"
    for bad in ({"rating": 5}, {"rating": "3"}, {"rating": True}, {"rating": 3, "seconds": -1},
                {"rating": 3, "recording": "../../answers.yaml"}):
        assert small.api("POST", rate, bad)[0] == 400, bad
    assert small.api("POST", rate, {"rating": 3, "seconds": 4.2})[0] == 201
    assert small.api("POST", rate, {"rating": 1})[0] == 409
    assert small.api("POST", f"/api/mock/{mock['id']}/answers/7/rating", {"rating": 1})[0] == 404
    assert small.api("POST", "/api/mock/0123456789abcdef/answers/0/rating", {"rating": 1})[0] == 404
    assert [(h["rating"], h["seconds"]) for h in history(small.ws)] == [(3, 4.2)]
    _, report = small.api("GET", f"/api/mock/{mock['id']}/report")
    assert report["lines"][0] == "Report" and report["rows"][0]["words"] == "good"


def test_a_broken_workspace_is_reported_to_the_page(small):
    (small.ws / "answers.yaml").write_text("q1:\n  point: [x]\n")
    status, data = small.api("POST", "/api/mock", {"count": 1})
    assert status == 422
    assert any("answers.yaml:2:3: error: answer to 'q1': unknown key 'point'" in p for p in data["problems"])


# -- hardening: bursts, bad input, clients that go away, the key, restarts ---------------------

def test_a_burst_of_200_connections_is_held_until_it_is_answered(small):
    """200 clients at once: the kernel completes every handshake while the studio accepts them
    (its backlog holds 256); with socketserver's 5 the rest are dropped and wait for a resend,
    a second or more each."""
    out = subprocess.run(["ss", "-Hltn", f"sport = :{small.port}"], capture_output=True, text=True).stdout \
        if shutil.which("ss") else ""
    if out:
        assert int(out.split()[2]) >= 200, out  # a listening socket's Send-Q is its backlog
    socks = []
    for _ in range(200):
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", small.port))
        socks.append(sock)
    pending, deadline = set(socks), time.monotonic() + 0.9  # before the first SYN resend (1 s)
    while pending and time.monotonic() < deadline:
        _, ready, _ = select.select([], list(pending), [], max(0.0, deadline - time.monotonic()))
        pending -= set(ready)
    assert not pending, f"{len(pending)} of 200 connections were not taken in at once"
    assert all(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 for s in socks)
    request = f"GET /api/alive HTTP/1.1\r\nHost: {small.host}\r\nX-Studio-Key: {small.key}\r\nConnection: close\r\n\r\n"
    for sock in socks:
        sock.setblocking(True)
        sock.settimeout(60)
        sock.sendall(request.encode())
    statuses = []
    for sock in socks:
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        statuses.append(resp.status)
        resp.read()
        sock.close()
    assert statuses == [200] * 200


DEEP = b'{"company": ' + b"[" * 30000 + b"]" * 30000 + b"}"
BAD_INPUT = [
    # (what, method, path, body, headers, status); {mock} is an open mock's id
    ("seconds=inf", "POST", "/api/mock/{mock}/answers/0/recording?seconds=inf", b"\x1a\x45\xdf\xa3", {"Content-Type": "audio/webm"}, 400),
    ("seconds=nan", "POST", "/api/mock/{mock}/answers/0/recording?seconds=nan", b"\x1a\x45\xdf\xa3", {"Content-Type": "audio/webm"}, 400),
    ("seconds=-1", "POST", "/api/mock/{mock}/answers/0/recording?seconds=-1", b"\x1a\x45\xdf\xa3", {"Content-Type": "audio/webm"}, 400),
    ("seconds=1e999", "POST", "/api/mock/{mock}/answers/0/recording?seconds=1e999", b"\x1a\x45\xdf\xa3", {"Content-Type": "audio/webm"}, 400),
    ("seconds=abc", "POST", "/api/mock/{mock}/answers/0/recording?seconds=abc", b"\x1a\x45\xdf\xa3", {"Content-Type": "audio/webm"}, 400),
    ("chunked upload", "POST", "/api/mock/{mock}/answers/0/recording?seconds=1", None,
     {"Content-Type": "audio/webm", "Transfer-Encoding": "chunked"}, 411),
    ("Content-Length abc", "POST", "/api/mock/{mock}/answers/0/recording?seconds=1", b"",
     {"Content-Type": "audio/webm", "Content-Length": "abc"}, 411),
    ("piece seq=nan", "POST", "/api/mock/{mock}/answers/0/chunk?seq=nan", b"\x1a\x45\xdf\xa3", {"Content-Type": "audio/webm"}, 400),
    ("piece not first", "POST", "/api/mock/{mock}/answers/0/chunk?seq=3", b"\x1a\x45\xdf\xa3", {"Content-Type": "audio/webm"}, 409),
    ("piece last seconds=inf", "POST", "/api/mock/{mock}/answers/0/chunk?seq=0&last=1&seconds=inf", b"\x1a\x45\xdf\xa3",
     {"Content-Type": "audio/webm"}, 400),
    ("chunked piece", "POST", "/api/mock/{mock}/answers/0/chunk?seq=0", None,
     {"Content-Type": "audio/webm", "Transfer-Encoding": "chunked"}, 411),
    ("JSON 30,000 deep", "POST", "/api/mock", DEEP, {}, 400),
    ("settings 30,000 deep", "POST", "/api/settings", DEEP.replace(b"company", b"record"), {}, 400),
    ("JSON NaN count", "POST", "/api/mock", b'{"count": NaN}', {}, 400),
    ("JSON 1e400 seconds", "POST", "/api/mock", b'{"seconds": 1e400}', {}, 400),
    ("company a number", "POST", "/api/mock", b'{"company": 5}', {}, 400),
    ("company a list", "POST", "/api/mock", b'{"company": ["acme"]}', {}, 400),
    ("count a string", "POST", "/api/mock", b'{"count": "2"}', {}, 400),
    ("questions a string", "POST", "/api/mock", b'{"questions": "q1"}', {}, 400),
    ("questions of lists", "POST", "/api/mock", b'{"questions": [["q1"]]}', {}, 400),
    ("questions twice", "POST", "/api/mock", b'{"questions": ["q1", "q1"]}', {}, 400),
    ("questions gone", "POST", "/api/mock", b'{"questions": ["gone"]}', {}, 404),
    ("rated not asked", "POST", "/api/mock", b'{"questions": ["q1"], "rated": ["q2"]}', {}, 400),
    ("body a list", "POST", "/api/mock", b"[]", {}, 400),
    ("body not UTF-8", "POST", "/api/mock", b'{"company": "\xff"}', {}, 400),
    ("body not JSON", "POST", "/api/mock", b"{", {}, 400),
    ("body as text/plain", "POST", "/api/mock", b"{}", {"Content-Type": "text/plain"}, 415),
    ("Content-Length -5", "POST", "/api/mock", b"", {"Content-Length": "-5"}, 413),
    ("rating a list", "POST", "/api/mock/{mock}/answers/0/rating", b'{"rating": [1]}', {}, 400),
    ("rating an object", "POST", "/api/mock/{mock}/answers/0/rating", b'{"rating": {"a": 1}}', {}, 400),
    ("rating 2.0", "POST", "/api/mock/{mock}/answers/0/rating", b'{"rating": 2.0}', {}, 400),
    ("rating seconds inf", "POST", "/api/mock/{mock}/answers/0/rating", b'{"rating": 2, "seconds": Infinity}', {}, 400),
    ("rating recording a list", "POST", "/api/mock/{mock}/answers/0/rating", b'{"rating": 2, "recording": []}', {}, 400),
    ("setting a string", "POST", "/api/settings", b'{"record": "yes"}', {}, 400),
    ("setting null", "POST", "/api/settings", b'{"record": null}', {}, 400),
    ("two keys", "GET", "/api/state", None, {"X-Studio-Key": "x"}, 403),
    ("no such mock", "GET", "/api/mock/0123456789abcdef/report", None, {}, 404),
    ("no such route", "GET", "/api/nothing", None, {}, 404),
    ("progress at no such company", "GET", "/api/progress?company=acme", None, {}, 404),
    ("rating discards a list of lists", "POST", "/api/mock/{mock}/answers/0/rating", b'{"rating": 2, "discard": [[]]}', {}, 400),
    ("PUT", "PUT", "/api/mock", b"{}", {}, 501),
]


@pytest.mark.parametrize("what, method, path, body, headers, status", BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_malformed_input_is_a_4xx_never_a_500(untouched, what, method, path, body, headers, status):
    small = untouched
    if "{mock}" in path:
        path = path.format(mock=small.api("POST", "/api/mock", {"count": 1})[1]["id"])
    sent = {"Content-Type": "application/json", **headers}
    if what == "two keys":  # the right key and a wrong one
        conn = http.client.HTTPConnection("127.0.0.1", small.port, timeout=20)
        conn.putrequest("GET", path, skip_host=True)
        for name, value in [("Host", small.host), ("X-Studio-Key", small.key), ("X-Studio-Key", "x")]:
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        got, data = resp.status, resp.read()
        conn.close()
    elif "Transfer-Encoding" in headers:
        sock = socket.create_connection(("127.0.0.1", small.port), timeout=20)
        sock.sendall((f"POST {path} HTTP/1.1\r\nHost: {small.host}\r\nX-Studio-Key: {small.key}\r\n"
                      "Content-Type: audio/webm\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n\x1a\x45\xdf\xa3\r\n0\r\n\r\n").encode("latin-1"))
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        got, data = resp.status, resp.read()
        sock.close()
    else:
        got, _, data = small.request(method, path, body, sent)
    assert got == status, (what, got, data)
    if got not in (403, 501):
        assert "error" in json.loads(data) and b"internal error" not in data, data
    assert small.request("GET", "/api/state")[0] == 200  # and the studio goes on
    assert recordings_in(small.ws) == []


def test_a_range_too_long_to_be_a_number_gets_the_whole_recording(small):
    status, _, data = upload(small, b"\x1a\x45\xdf\xa3" + b"\0" * 100)
    url = json.loads(data)["url"]
    status, resp, body = small.request("GET", url, headers={"Range": "bytes=" + "9" * 5000 + "-"})
    assert status == 200 and len(body) == 104
    status, resp, body = small.request("GET", url, headers={"Range": "bytes=100-"})
    assert status == 206 and body == b"\0" * 4


def _reset(sock: socket.socket) -> None:
    """Close as a crashed client does: a reset (RST), not a polite FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
    sock.close()


def test_clients_that_go_away_leave_no_traceback(small):
    _, mock = small.api("POST", "/api/mock", {"count": 1})
    head = (f"POST /api/mock/{mock['id']}/answers/0/recording?seconds=3 HTTP/1.1\r\nHost: {small.host}\r\n"
            f"X-Studio-Key: {small.key}\r\nContent-Type: audio/webm\r\nContent-Length: 200000\r\n\r\n").encode()
    folder = small.ws / ".deck-builder" / "recordings"
    for _ in range(3):  # mid-upload, reset
        sock = socket.create_connection(("127.0.0.1", small.port))
        sock.sendall(head + b"\x1a\x45\xdf\xa3" + b"\0" * 50000)
        deadline = time.monotonic() + 20
        while not any(folder.rglob("*.part")) and time.monotonic() < deadline:
            threading.Event().wait(0.02)  # the studio is writing it
        _reset(sock)
    for body in (b'{"count": 1', b""):  # mid-JSON, and before any body, reset
        sock = socket.create_connection(("127.0.0.1", small.port))
        sock.sendall((f"POST /api/mock HTTP/1.1\r\nHost: {small.host}\r\nX-Studio-Key: {small.key}\r\n"
                      f"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n").encode() + body)
        _reset(sock)
    status, _, data = upload(small, b"\x1a\x45\xdf\xa3" + b"\0" * 1_000_000)
    url = json.loads(data)["url"]
    for _ in range(3):  # mid-download, reset
        sock = socket.create_connection(("127.0.0.1", small.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(f"GET {url} HTTP/1.1\r\nHost: {small.host}\r\n\r\n".encode())
        sock.recv(100)
        _reset(sock)
    deadline = time.monotonic() + 20
    while any(folder.rglob("*.part")) and time.monotonic() < deadline:
        threading.Event().wait(0.05)
    assert not any(folder.rglob("*.part"))
    assert small.request("GET", "/api/state")[0] == 200
    small.stop()
    assert "Traceback" not in small.output and "internal error" not in small.output, small.output


def test_the_key_never_reaches_another_server_on_the_same_address(chromium, small):
    """Browsers send a host's cookies to all its ports; the key is not a cookie, and pages of
    another local server cannot read the studio's sessionStorage (another origin)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(f"{self.requestline}\n{self.headers}")
            body = b"<script>document.title = String(sessionStorage.length)</script>other server"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    other = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        page, errors = open_page(chromium, small)
        page.click("#begin")
        page.wait_for_function("() => studio.answer && studio.answer.phase === 'ready'")
        assert page.evaluate("() => document.cookie") == "" and page.context.cookies() == []
        assert page.evaluate("() => sessionStorage.getItem('deck-builder-studio-key')") == small.key
        elsewhere = page.context.new_page()
        elsewhere.goto(f"http://127.0.0.1:{other.server_address[1]}/page")
        assert elsewhere.title() == "0"  # its sessionStorage is its own
        elsewhere.goto(f"http://localhost:{other.server_address[1]}/again")
        page.context.close()
    finally:
        other.shutdown()
        other.server_close()
    assert len(seen) >= 2 and all(small.key not in s and "cookie" not in s.lower() for s in seen), seen
    assert not errors, errors


def test_the_same_address_across_restarts_while_its_port_is_free(workspace, start_studio):
    ws = workspace(SMALL)
    first = start_studio(ws)
    first.stop()
    again = start_studio(ws)
    assert again.url == first.url  # port and key: the open page and the microphone permission carry on
    assert again.request("GET", "/api/state")[0] == 200
    again.stop()
    with socket.socket() as squatter:  # another program took the port meanwhile
        squatter.bind(("127.0.0.1", first.port))
        squatter.listen()
        moved = start_studio(ws)
        assert moved.port != first.port and moved.key != first.key
        assert moved.request("GET", "/api/state")[0] == 200
        assert json.loads((ws / ".deck-builder" / "studio-address.json").read_text())["port"] == moved.port
        moved.stop()
    (ws / ".deck-builder" / "studio-address.json").write_text('{"port": "x"')  # a broken file: a new address
    fresh = start_studio(ws)
    assert fresh.request("GET", "/api/state")[0] == 200


def test_ticks_given_after_a_restart_are_saved_though_this_studio_did_not_hear_the_answer(workspace, start_studio):
    ws = workspace(SMALL)
    first = start_studio(ws, "--seconds", "30")
    _, m = first.api("POST", "/api/mock", {"count": 1})
    qid = m["questions"][0]["id"]
    status, _, data = first.request("POST", f"/api/mock/{m['id']}/answers/0/recording?seconds=3",
                                    b"\x1a\x45\xdf\xa3" + b"\0" * 100, {"Content-Type": "audio/webm"})
    assert status == 201
    name = json.loads(data)["name"]
    first.stop()  # the page showed what was heard, and the user ticked; then the studio was restarted
    again = start_studio(ws, "--seconds", "30")
    _, m2 = again.api("POST", "/api/mock", {"questions": [qid], "seconds": 30})  # the page reopens its mock
    rate = f"/api/mock/{m2['id']}/answers/0/rating"
    for bad in ([True], [True, "no"], "yes"):
        status, data = again.api("POST", rate, {"rating": 2, "seconds": 3, "recording": name, "ticked": bad})
        assert status == 400 and data["error"].startswith("ticked:"), bad
    status, data = again.api("POST", rate, {"rating": 2, "seconds": 3, "recording": name, "ticked": [True, False]})
    assert status == 201, data
    (line,) = history(ws)
    n = qid[1:]
    assert line["recording"] == name and line["points"] == [
        {"point": f"Point A{n}", "heard": None, "ticked": True}, {"point": f"Point B{n}", "heard": None, "ticked": False}]


def test_an_unsaved_answer_stays_in_the_page_to_download_or_save_again(chromium, workspace, start_studio):
    ws = workspace(SMALL)
    studio = start_studio(ws, "--count", "2", "--seconds", "30")
    page, errors = open_page(chromium, studio)
    page.click("#begin")
    page.wait_for_function("() => studio.answer && studio.answer.phase === 'ready'")
    page.keyboard.press("Space")
    page.wait_for_function("() => studio.answer.phase === 'answering' && studio.answer.chunks.length > 0", timeout=15000)
    studio.stop()  # the terminal was closed mid-answer
    page.keyboard.press("Space")
    page.wait_for_selector("#r-unsaved")
    assert "not answering" in page.inner_text("#r-unsaved")
    assert page.evaluate("() => { const a = document.querySelector('#r-player audio'); return a.src.startsWith('blob:'); }")
    with page.expect_download() as download:
        page.click("#r-download")
    question = page.evaluate("() => studio.answer.question.id")
    assert download.value.suggested_filename == f"{question}-answer.webm"
    assert Path(download.value.path()).read_bytes()[:4] == b"\x1a\x45\xdf\xa3"
    page.keyboard.press("3")  # rating while the studio is stopped: said, and nothing lost
    page.wait_for_selector("#r-error:not([hidden])")
    assert "not answering" in page.inner_text("#r-error") and page.is_visible("#r-unsaved")
    studio = start_studio(ws, "--count", "2", "--seconds", "30")  # started again: the same address and key
    page.click("#r-retry")
    page.wait_for_selector("#r-player .label:text-is('Listen to yourself')")
    assert page.evaluate("() => document.activeElement.className") == "play"
    page.wait_for_function(AUDIO_DURATION, timeout=15000)
    from deck_builder.rehearse import listen

    listening = listen.missing() is None
    if listening:  # saved at last, it is heard, and the points are shown to tick
        page.wait_for_selector("#r-heard-summary", timeout=60000)
        page.locator("#r-points input[type=checkbox]").first.check()
    page.keyboard.press("3")
    page.wait_for_function("() => studio.index === 1")
    (saved,) = recordings_in(ws)
    (line,) = history(ws)
    assert (line["question"], line["rating"], line["recording"]) == (question, 3, saved.name)
    if listening:
        assert [p["ticked"] for p in line["points"]] == [True, False]  # what the user ticked, once shown
    assert [e for e in errors if "Failed to load resource" not in e] == [], errors


def test_a_piece_lost_on_the_way_and_the_whole_recording_is_uploaded_at_done(chromium, workspace, start_studio):
    """The page sends its recording a piece a second while the answer goes on; the third piece
    never arrives (the browser drops it), so the page sends no more, and at Done it uploads
    the whole recording, kept and played as ever, with no half file left."""
    ws = workspace(SMALL)
    studio = start_studio(ws, "--count", "1", "--seconds", "30")
    page, errors = open_page(chromium, studio)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url.split(studio.host, 1)[1]) if r.method == "POST" else None)
    page.route(re.compile(r".*/chunk\?seq=2(&.*)?$"), lambda route: route.abort())
    page.click("#begin")
    answer_aloud(page, 4)
    page.wait_for_function(AUDIO_DURATION, timeout=15000)
    pieces = [u for u in sent if "/chunk?" in u]
    assert [re.search(r"seq=(\d+)", u).group(1) for u in pieces] == ["0", "1", "2"], sent
    assert sum("/recording?seconds=" in u for u in sent) == 1, sent
    (saved,) = recordings_in(ws)
    assert page.evaluate("() => studio.answer.recording.name") == saved.name
    assert saved.stat().st_size == page.evaluate("() => studio.answer.blob.size")  # the whole take
    assert not list((ws / ".deck-builder" / "recordings").rglob("*.part"))
    page.keyboard.press("3")
    page.wait_for_selector("#view-report:not([hidden])")
    assert [h["recording"] for h in history(ws)] == [saved.name]
    assert [e for e in errors if "Failed to load resource" not in e] == [], errors


# -- starting and stopping -------------------------------------------------------------------

def test_a_second_studio_on_the_workspace_is_told_where_the_first_runs(small):
    proc = subprocess.run([sys.executable, "-m", "deck_builder", "studio", str(small.ws), "--no-open"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert f"error: a studio is already running for this workspace, at {small.url} (process {small.proc.pid})" in proc.stderr
    assert small.request("GET", "/api/state")[0] == 200


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 0), (signal.SIGTERM, 143), (signal.SIGHUP, 129)],
                         ids=["ctrl-c", "sigterm", "terminal-closed"])
def test_ctrl_c_or_closing_the_terminal_stops_it_cleanly(workspace, start_studio, sig, code):
    ws = workspace(SMALL)
    studio = start_studio(ws)
    lock = ws / ".deck-builder" / "studio.json"
    assert json.loads(lock.read_text())["pid"] == studio.proc.pid
    assert oct(lock.stat().st_mode & 0o777) == "0o600"  # it holds the key
    assert oct((ws / ".deck-builder" / "studio-address.json").stat().st_mode & 0o777) == "0o600"  # so does this
    assert studio.stop(sig) == code
    assert "Traceback" not in studio.output
    if sig != signal.SIGHUP:
        assert "Studio stopped." in studio.output
    assert not lock.exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", studio.port), timeout=2)
    again = start_studio(ws)  # and it starts again
    assert again.request("GET", "/api/state")[0] == 200


def test_a_killed_studio_does_not_block_the_next_one(workspace, start_studio):
    ws = workspace(SMALL)
    first = start_studio(ws)
    first.proc.kill()
    first.proc.wait()
    assert (ws / ".deck-builder" / "studio.json").exists()
    second = start_studio(ws)
    assert second.request("GET", "/api/state")[0] == 200


def test_it_listens_on_loopback_only(small):
    import ipaddress

    addresses = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    for address in addresses:
        if not ipaddress.ip_address(address).is_loopback:
            with pytest.raises(OSError):
                socket.create_connection((address, small.port), timeout=2)
    with pytest.raises(OSError):
        socket.create_connection(("::1", small.port), timeout=2)
    out = subprocess.run(["ss", "-Hltn", f"sport = :{small.port}"], capture_output=True, text=True).stdout \
        if shutil.which("ss") else ""
    if out:
        assert all("127.0.0.1:" in line for line in out.splitlines()), out


def test_unknown_company_or_nothing_to_ask_is_a_clear_error(workspace, cli):
    ws = workspace(SMALL)
    result = cli("studio", ws, "--company", "acme", "--no-open")
    assert result.exit_code == 1 and "error: no company 'acme'; the companies are: none yet" in result.stderr
    bare = workspace({"deck.yaml": "banks: []\n", "stories.yaml": "s1:\n  title: T\n  result: Saved 3 hours\n"},
                     name="bare")
    result = cli("studio", bare, "--no-open")
    assert result.exit_code == 1
    assert "error: no question has talking points yet: add some to answers.yaml first" in result.stderr


def test_help_imports_none_of_the_studio():
    code = ("import sys\nfrom deck_builder.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('LOADED', [m for m in ('deck_builder.rehearse.studio', 'http.server', 'socketserver', 'webbrowser')"
            " if m in sys.modules])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "LOADED []" in out


def test_history_appends_are_whole_lines_even_after_a_torn_one(tmp_path):
    from deck_builder.rehearse import mock

    path = mock.history_path(tmp_path)
    path.parent.mkdir()
    path.write_text('{"question": "q1", "rating": 2, "time": "x"}\n{"question": "q2", "ra')  # a crash mid-line
    threads = [threading.Thread(target=lambda n=n: [mock.append_history(tmp_path, mock.Practice(
        f"t{n}", None, 3, 1.0, mock.now_iso())) for _ in range(25)]) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = path.read_text().splitlines()
    assert lines[1] == '{"question": "q2", "ra'  # the torn line is left alone, and ended
    assert len(lines) == 2 + 200 and all(json.loads(line)["rating"] == 3 for line in lines[2:])
    assert len(mock.read_history(tmp_path)) == 201


def test_a_streamed_recording_given_up_just_before_its_end_is_refused_not_kept_empty(tmp_path):
    """The hearing thread gives a stalled recording up (abandon) while its last piece is on its
    way to finish(): finish must not make an empty file of it and call it kept (the page would
    drop its copy); it is refused, and the page uploads the whole recording."""
    from conftest import write_files

    from deck_builder.rehearse.studio.recordings import Recordings, UploadError

    ws = write_files(tmp_path / "ws", SMALL)
    recordings = Recordings(ws)
    growing = recordings.begin("q1", "audio/webm", b"\x1a\x45\xdf\xa3" + b"\0" * 1000)
    growing.append(b"\0" * 4004)
    growing.abandon()  # app.py: listen.Stalled -> _drop_stream
    with pytest.raises(UploadError) as refused:
        growing.finish(5)
    assert refused.value.status == 409 and "whole recording" in refused.value.message
    assert recordings_in(ws) == []
    with pytest.raises(UploadError):
        growing.append(b"\0" * 10)  # nor is the .part made again by a late piece
    assert recordings_in(ws) == []

    kept = recordings.begin("q1", "audio/webm", b"\x1a\x45\xdf\xa3" + b"\0" * 1000)
    recording = kept.finish(3)
    kept.abandon()  # too late: a recording kept stays kept
    (path,) = recordings_in(ws)
    assert path.name == recording.name and path.stat().st_size == recording.size == 1004


def parts_in(ws: Path) -> list[Path]:
    return sorted((ws / ".deck-builder" / "recordings").glob("*/.upload-*.part"))


def test_a_piece_refused_ends_the_recording_being_sent_and_leaves_no_half_file(small):
    """Recording turned off, or the answer rated, mid-answer: the piece is refused with 409,
    and the recording being sent ends there (its .part file removed), not when the studio stops."""
    _, m = small.api("POST", "/api/mock", {"count": 2})
    webm = b"\x1a\x45\xdf\xa3" + b"\0" * 1000

    def piece(answer: int, seq: int) -> int:
        return small.request("POST", f"/api/mock/{m['id']}/answers/{answer}/chunk?seq={seq}", webm,
                             {"Content-Type": "audio/webm"})[0]

    assert piece(0, 0) == 200 and len(parts_in(small.ws)) == 1
    assert small.api("POST", "/api/settings", {"record": False})[0] == 200
    assert piece(0, 1) == 409 and parts_in(small.ws) == []
    assert small.api("POST", "/api/settings", {"record": True})[0] == 200
    assert piece(0, 2) == 409  # nothing is being sent any more: piece 0 starts anew

    assert piece(1, 0) == 200 and len(parts_in(small.ws)) == 1
    assert small.api("POST", f"/api/mock/{m['id']}/answers/1/rating", {"rating": 2})[0] == 201
    assert piece(1, 1) == 409 and parts_in(small.ws) == []
    assert piece(1, 0) == 409 and parts_in(small.ws) == []  # nor does a rated answer start one
    assert recordings_in(small.ws) == []


def test_a_recording_whose_pieces_stop_coming_is_given_up_without_the_recogniser(tmp_path):
    """A page closed mid-answer on a deck that is not heard (another language): no Feed times
    it out, so the studio does: after STALL_SECONDS without a piece, its .part file goes."""
    from conftest import write_files

    from deck_builder.rehearse.studio.app import STALL_SECONDS, ApiError
    from deck_builder.rehearse.studio.app import Studio as App

    ws = write_files(tmp_path / "ws", {**SMALL, "deck.yaml": "banks: []\ntts: fr_FR\n"})
    app = App(str(ws), None, 2, 30, None)
    m = app.start_mock({})
    start = time.monotonic()
    out = app.add_chunk(m["id"], 0, "audio/webm", 0, b"\x1a\x45\xdf\xa3" + b"\0" * 1000, False, 0)
    assert out["received"] == 1 and len(parts_in(ws)) == 1
    app.expire_streams(start + STALL_SECONDS / 2)  # not idle long enough
    assert len(parts_in(ws)) == 1
    assert app.add_chunk(m["id"], 0, "audio/webm", 1, b"\0" * 10, False, 0)["received"] == 2
    app.expire_streams(time.monotonic() + STALL_SECONDS + 1)  # a minute without a piece
    assert parts_in(ws) == [] and app.streams == {}
    with pytest.raises(ApiError) as refused:
        app.add_chunk(m["id"], 0, "audio/webm", 2, b"\0" * 10, False, 0)
    assert refused.value.status == 409 and parts_in(ws) == [] and recordings_in(ws) == []
