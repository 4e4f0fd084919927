"""Hearing an answer (deck_builder/rehearse/listen.py): real synthetic speech from Debian's flite,
decoded by the real pocketsphinx and PyAV; in the studio, fed to Chromium as its microphone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
import wave
from pathlib import Path

import pytest
from conftest import write_files

pytest.importorskip("pocketsphinx", reason="the listen extra: pip install 'deck-builder[listen]'")
pytest.importorskip("av", reason="the listen extra: pip install 'deck-builder[listen]'")

FLITE = shutil.which("flite")

CLOSING = ["Two half-empty warehouses were losing money every month.",
           "I moved forty staff to the new site and they all kept their jobs.",
           "Customer complaints dropped after the new software launch."]
SUPPLIER = ["A supplier missed three deliveries before the holiday rush.",
            "I set up a weekly call with their planning manager.",
            "Late shipments fell by half within a quarter."]
# Points 1 and 2 of CLOSING, reworded as one says them; point 3 left out.
ANSWER = ("We had two warehouses that were half empty, and they were losing money every single month. "
          "So I decided to close the older one. I moved forty of the staff to the new site, "
          "and every one of them kept their job.")
# Chromium's fake microphone plays the file from when the mock opens it, at Begin: the words
# start LEAD_IN seconds later, so an answer started up to then hears them all; TAIL seconds
# of silence after them let the answer end a little before or after the words do.
LEAD_IN = 3.0
TAIL = 2.5

WORKSPACE = {
    "deck.yaml": "banks: []\n",
    "questions/practice.yaml": (
        "bank: Practice\nquestions:\n"
        "  - id: closing\n    ask: Tell me about a difficult decision.\n"
        "  - id: supplier\n    ask: Tell me about a supplier who let you down.\n"),
    "answers.yaml": ("closing:\n  points:\n" + "".join(f"    - {json.dumps(p)}\n" for p in CLOSING)
                     + "supplier:\n  points:\n" + "".join(f"    - {json.dumps(p)}\n" for p in SUPPLIER)),
}


def say(text: str, path: Path, lead_in: float = LEAD_IN, tail: float = TAIL, voice: str = "slt") -> Path:
    """TEXT spoken by flite's VOICE -> a 16 kHz mono WAV at PATH, with silence around it."""
    if FLITE is None:
        pytest.fail("flite is needed for the speech: apt-get install flite (.ci/run does)")
    raw = path.with_suffix(".flite.wav")
    subprocess.run([FLITE, "-voice", voice, "-t", text, "-o", str(raw)], check=True)
    with wave.open(str(raw)) as w:
        rate, frames = w.getframerate(), w.readframes(w.getnframes())
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(rate * lead_in) + frames + b"\0\0" * int(rate * tail))
    raw.unlink()
    return path


@pytest.fixture(scope="module")
def spoken(tmp_path_factory) -> Path:
    return say(ANSWER, tmp_path_factory.mktemp("speech") / "answer.wav")


def as_webm(wav: Path, out: Path, live: bool = False) -> Path:
    """A WAV -> WebM/Opus at 48 kHz, as Chromium's MediaRecorder makes it (PyAV's encoder);
    LIVE: written front to back as a recorder streams it (no sizes or index filled in after)."""
    import av

    with av.open(str(wav)) as src, av.open(str(out), "w", format="webm",
                                           options={"live": "1"} if live else {}) as dst:
        stream = dst.add_stream("libopus", rate=48000)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        for frame in src.decode(audio=0):
            for piece in resampler.resample(frame):
                for packet in stream.encode(piece):
                    dst.mux(packet)
        for packet in stream.encode(None):
            dst.mux(packet)
    return out


# -- listen.py on the speech itself -----------------------------------------------------------

def test_a_webm_recording_decodes_to_16_khz_mono_pcm(spoken, tmp_path):
    from deck_builder.rehearse import listen

    with wave.open(str(spoken)) as w:
        length = w.getnframes() / w.getframerate()
    pcm = listen.decode_audio(as_webm(spoken, tmp_path / "answer.webm"))
    assert abs(len(pcm) / 2 / listen.RATE - length) < 0.1, (len(pcm), length)
    assert max(abs(int.from_bytes(pcm[i:i + 2], "little", signed=True)) for i in range(0, len(pcm), 2)) > 1000


def test_the_two_points_said_are_heard_and_the_one_left_out_is_not(spoken, tmp_path):
    from deck_builder.rehearse import listen

    hearing = listen.hear(as_webm(spoken, tmp_path / "answer.webm"), CLOSING, [])
    assert hearing.heard == (True, True, False), hearing
    assert "warehouses" in hearing.transcript and "forty" in hearing.transcript, hearing.transcript
    assert 15 < hearing.seconds < 25


def test_an_answer_to_another_question_hears_none_of_its_points(spoken):
    from deck_builder.rehearse import listen

    assert listen.hear(spoken, SUPPLIER, []).heard == (False, False, False)


def noisy(wav: Path, out: Path, snr_db: float, seed: int) -> Path:
    """WAV with pink noise at SNR_DB signal-to-noise (Paul Kellet's filter, seeded) -> OUT."""
    import math
    import random
    import statistics

    with wave.open(str(wav)) as w:
        rate, raw = w.getframerate(), w.readframes(w.getnframes())
    samples = [int.from_bytes(raw[i:i + 2], "little", signed=True) for i in range(0, len(raw), 2)]
    rng, b0, b1, b2, noise = random.Random(seed), 0.0, 0.0, 0.0, []
    for _ in samples:
        white = rng.gauss(0, 1)
        b0, b1, b2 = 0.99765 * b0 + white * 0.0990460, 0.96300 * b1 + white * 0.2965164, 0.57 * b2 + white * 1.0526913
        noise.append(b0 + b1 + b2 + white * 0.1848)
    speech = [s for s in samples if s]
    power = statistics.fmean(s * s for s in speech)
    scale = math.sqrt(power / 10 ** (snr_db / 10) / statistics.fmean(n * n for n in noise))
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(max(-32768, min(32767, round(s + n * scale))).to_bytes(2, "little", signed=True)
                               for s, n in zip(samples, noise)))
    return out


@pytest.mark.parametrize("voice", ["slt", "awb"])
def test_in_noise_a_point_left_out_is_still_never_heard(voice, tmp_path):
    """Pink noise at 15 dB, where the steered model starts to invent the words it expects."""
    from deck_builder.rehearse import listen

    wav = noisy(say(ANSWER, tmp_path / "clean.wav", voice=voice), tmp_path / "noisy.wav", 15, seed=7)
    heard = listen.hear(wav, CLOSING, []).heard
    assert heard[2] is False and any(heard[:2]), heard
    assert listen.hear(wav, SUPPLIER, []).heard == (False, False, False)


def test_unsteered_the_stock_model_hears_it_less_well(spoken):
    """Why the model is steered: the stock model's transcript of the same speech."""
    from deck_builder.rehearse import listen

    stock = listen.transcribe(listen.decode_audio(spoken))
    steered = listen.hear(spoken, CLOSING, []).transcript
    assert stock and steered != stock


@pytest.mark.parametrize("point, said, heard", [
    ("Closed the older warehouse.", "we closing the old warehouses", True),  # stems meet
    ("Closed the older warehouse.", "the warehouse was big", False),  # one word of two is not enough
    ("Cut refund errors below 2%.", "we cut the refund error rate", True),
    ("Saved $1.4M a year.", "it saved one point four million", True),  # its one word
    ("Saved $1.4M and moved 40 staff.", "we saved one point four million", False),  # a figure is no evidence
    ("Saved $1.4M and moved 40 staff.", "we saved money and moved the staff", True),
    ("Saved $1.4M a year.", "", False),
    ("The costs", "the cast", False),  # too short to be matched loosely
    ("Fulfilment works only with one shared plan.", "fulfillment works with a shared plan", True),  # spellings
])
def test_a_point_is_heard_when_most_of_its_words_are(point, said, heard):
    from deck_builder.rehearse import listen

    assert listen.heard_points([point], said) == (heard,)


def test_numbers_are_spoken_as_words():
    from deck_builder.rehearse.listen import spoken_words

    assert spoken_words("$1.4M in 20 days, 1,998 staff") == [
        "one", "point", "four", "m", "in", "twenty", "days", "one", "thousand", "nine", "hundred", "ninety", "eight",
        "staff"]


# -- in the studio, with the speech as Chromium's microphone ---------------------------------

def test_the_studio_shows_what_it_heard_and_keeps_it_with_the_rating(spoken, tmp_path, playwright_api):
    from test_studio import CHROMIUM, CHROMIUM_ARGS, MIC_ALLOWED, Studio, history, open_page

    ws = write_files(tmp_path / "ws", WORKSPACE)
    # supplier rated 4 before: closing (never practised) is asked first, while the speech starts
    (ws / ".deck-builder").mkdir()
    (ws / ".deck-builder" / "mock-history.jsonl").write_text(
        '{"time": "2026-12-01T10:00:00+00:00", "question": "supplier", "company": null, "rating": 4, "seconds": 30}\n')
    with wave.open(str(spoken)) as w:
        length = w.getnframes() / w.getframerate()
    browser = playwright_api.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS + MIC_ALLOWED + [f"--use-file-for-fake-audio-capture={spoken}"])
    studio = Studio(ws, "--count", "2", "--seconds", "60")
    try:
        page, errors = open_page(browser, studio)
        page.click("#begin")
        asked = []
        for n, tick in enumerate((None, 1)):
            page.wait_for_function("() => studio.answer && studio.answer.phase === 'ready'")
            asked.append(page.evaluate("() => studio.mock.questions[studio.index].id"))
            page.keyboard.press("Space")
            time.sleep(length - TAIL if n == 0 else 4)  # the words end by then, however late Space came
            page.keyboard.press("Space")
            page.wait_for_selector("#view-review:not([hidden])")
            shown = page.inner_text("#r-heard")
            assert "Listening for your key points" in shown or page.locator("#r-transcript").count(), shown
            page.wait_for_selector("#r-transcript", timeout=30000)  # within seconds, the page never blocked
            badges = page.locator("#r-points .heard").all_inner_texts()
            # heard as it was recorded: every piece the recorder handed over, then the end, at Done
            mock_id, pieces = page.evaluate("() => [studio.mock.id, studio.answer.chunks.length]")
            stream = studio.api("GET", f"/api/mock/{mock_id}/answers/{n}/heard")[1]["stream"]
            assert stream["chunks"] == pieces + 1 and stream["decoded"] == pieces + 1, (stream, pieces)
            if n == 0:
                assert badges == ["Heard", "Heard", "Not heard"], (badges, page.inner_text("#r-transcript"))
                assert "Heard 2 of 3 key points" in page.inner_text("#r-heard-summary")
                assert "missed" not in page.inner_text("#r-points").lower()
                assert "warehouses" in page.inner_text("#r-transcript")
            else:
                assert badges == ["Not heard"] * 3, (badges, page.inner_text("#r-transcript"))
                page.locator("#r-points .tick").nth(tick).check()  # said, not heard: the user ticks it
                page.keyboard.press("Escape")
                page.locator("#r-points .tick").nth(tick).focus()
            page.keyboard.press("3")  # keys 1-4 rate even from a tick box
        page.wait_for_selector("#view-report:not([hidden])")
        assert asked == ["closing", "supplier"]
        lines = history(ws)[1:]
        assert [(h["question"], h["rating"]) for h in lines] == [("closing", 3), ("supplier", 3)]
        heard = (True, True, False)
        assert lines[0]["points"] == [{"point": p, "heard": h, "ticked": h} for p, h in zip(CLOSING, heard)]
        assert lines[1]["points"] == [{"point": p, "heard": False, "ticked": i == 1} for i, p in enumerate(SUPPLIER)]
        assert "warehouses" in lines[0]["transcript"] and all(h["recording"] for h in lines)
        from deck_builder.rehearse.mock import read_history

        old, first, second = read_history(ws)  # the line without points still reads
        assert old.points == () and [c.heard for c in first.points] == [True, True, False]
        assert [c.ticked for c in second.points] == [False, True, False]
        assert not errors, errors
    finally:
        studio.stop()
        browser.close()


def test_the_heard_points_come_from_the_server_and_bad_ticks_are_refused(spoken, tmp_path):
    from test_studio import Studio, history

    ws = write_files(tmp_path / "ws", WORKSPACE)
    studio = Studio(ws, "--count", "2", "--seconds", "60")
    try:
        _, mock = studio.api("POST", "/api/mock", {"count": 2})
        index = [q["id"] for q in mock["questions"]].index("closing")
        answer = f"/api/mock/{mock['id']}/answers/{index}"
        assert studio.api("GET", f"{answer}/heard")[1]["state"] == "off"  # nothing recorded yet
        webm = as_webm(spoken, tmp_path / "a.webm").read_bytes()
        status, _, data = studio.request("POST", f"{answer}/recording?seconds=14", webm, {"Content-Type": "audio/webm"})
        assert status == 201 and json.loads(data)["listening"] is True
        recording = json.loads(data)["name"]
        deadline = time.monotonic() + 60
        while (heard := studio.api("GET", f"{answer}/heard")[1])["state"] == "listening":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert heard["state"] == "done" and heard["heard"] == [True, True, False] and heard["points"] == CLOSING
        for bad in ([True, True], [1, 0, 1], "all", [True, None, False]):
            status, data = studio.api("POST", f"{answer}/rating", {"rating": 3, "recording": recording, "ticked": bad})
            assert status == 400 and "one per key point" in data["error"], (bad, data)
        other = f"/api/mock/{mock['id']}/answers/{1 - index}/rating"
        assert studio.api("POST", other, {"rating": 3, "ticked": [True]})[0] == 400  # nothing heard there
        assert studio.api("POST", f"{answer}/rating", {"rating": 2, "recording": recording})[0] == 201
        (line,) = history(ws)
        # rated without ticks (the page had not shown them): what was heard, and no ticks given
        assert [(c["heard"], c["ticked"]) for c in line["points"]] == [(True, None), (True, None), (False, None)]
    finally:
        studio.stop()


def heard_when_done(studio, answer: str, limit: float = 60) -> dict:
    """The answer's /heard once it is no longer listening (the recogniser runs off the request)."""
    deadline = time.monotonic() + limit
    while (heard := studio.api("GET", f"{answer}/heard")[1])["state"] == "listening":
        assert time.monotonic() < deadline, heard
        threading.Event().wait(0.1)
    return heard


def test_pieces_sent_while_recording_are_heard_as_they_come_and_as_the_whole_file_is(spoken, tmp_path):
    """The page sends its recorder's piece each second; the studio decodes each as it comes, so
    at Done all but the last packet has been heard; the recording kept is the bytes sent, and
    what it heard is what the whole upload hears. A piece lost: the whole upload, as before."""
    from test_studio import Studio, history, recordings_in

    from deck_builder.rehearse.studio.recordings import NAME_RE

    ws = write_files(tmp_path / "ws", WORKSPACE)
    studio = Studio(ws, "--count", "2", "--seconds", "60")
    webm = as_webm(spoken, tmp_path / "live.webm", live=True).read_bytes()
    pieces = [webm[i:i + 8000] for i in range(0, len(webm), 8000)]  # about a second each
    assert len(pieces) > 10
    try:
        _, mock = studio.api("POST", "/api/mock", {"questions": ["closing", "supplier"], "seconds": 60})
        answer = f"/api/mock/{mock['id']}/answers/0"
        for seq, piece in enumerate(pieces):
            status, _, data = studio.request("POST", f"{answer}/chunk?seq={seq}", piece, {"Content-Type": "audio/webm"})
            assert status == 200 and json.loads(data)["received"] == seq + 1, data
        # Before Done: the recogniser catches up with every piece sent (an event, whatever the speed)
        deadline = time.monotonic() + 60
        while (heard := studio.api("GET", f"{answer}/heard")[1])["stream"]["decoded"] < len(pieces):
            assert heard["state"] == "listening" and time.monotonic() < deadline, heard
            threading.Event().wait(0.1)
        assert heard["state"] == "listening" and heard["stream"]["decoded_at_done"] is None
        status, _, data = studio.request("POST", f"{answer}/chunk?seq={len(pieces)}&last=1&seconds=14.2", b"",
                                         {"Content-Type": "audio/webm"})
        assert status == 201, data
        kept = json.loads(data)
        assert kept["listening"] is True and NAME_RE.fullmatch(kept["name"]) and kept["seconds"] == 14
        assert kept["url"].startswith(f"/recordings/closing/{kept['name']}?sig=")
        streamed = heard_when_done(studio, answer)
        assert streamed["state"] == "done" and streamed["heard"] == [True, True, False], streamed
        assert streamed["stream"] == {"chunks": len(pieces) + 1, "decoded": len(pieces) + 1,
                                      "decoded_at_done": len(pieces)}  # at Done, all it had been sent
        (path,) = recordings_in(ws)
        assert path.name == kept["name"] and path.read_bytes() == webm  # the file, whole, as uploaded
        assert studio.request("GET", kept["url"], key=False)[2] == webm  # its signed link plays it

        # The same answer in another mock: a piece is lost, so the stream is refused and the page
        # uploads the whole recording, which is heard the old way: the same points.
        _, again = studio.api("POST", "/api/mock", {"questions": ["closing"], "seconds": 60})
        other = f"/api/mock/{again['id']}/answers/0"
        for seq in (0, 1):
            assert studio.request("POST", f"{other}/chunk?seq={seq}", pieces[seq], {"Content-Type": "audio/webm"})[0] == 200
        status, _, data = studio.request("POST", f"{other}/chunk?seq=3", pieces[3], {"Content-Type": "audio/webm"})
        assert status == 409 and b"out of order" in data
        assert studio.request("POST", f"{other}/chunk?seq=2", pieces[2], {"Content-Type": "audio/webm"})[0] == 409
        status, _, data = studio.request("POST", f"{other}/recording?seconds=14", webm, {"Content-Type": "audio/webm"})
        assert status == 201 and json.loads(data)["listening"] is True
        whole = heard_when_done(studio, other)
        assert "stream" not in whole and whole["heard"] == streamed["heard"], (whole, streamed)
        assert whole["transcript"] == streamed["transcript"]  # the same frames reach the recogniser
        assert len(recordings_in(ws)) == 2  # no half file of the broken stream

        assert studio.api("POST", f"{answer}/rating", {"rating": 3, "recording": kept["name"]})[0] == 201
        (line,) = history(ws)
        assert line["recording"] == kept["name"] and line["transcript"] == streamed["transcript"]
        assert [c["heard"] for c in line["points"]] == [True, True, False]
    finally:
        studio.stop()
    assert "Traceback" not in studio.output, studio.output


def test_a_deck_in_another_language_is_not_listened_to(spoken, tmp_path):
    from test_studio import Studio

    ws = write_files(tmp_path / "ws", {**WORKSPACE, "deck.yaml": "banks: []\ntts: fr_FR\n"})
    studio = Studio(ws, "--count", "1", "--seconds", "60")
    try:
        _, mock = studio.api("POST", "/api/mock", {"count": 1})
        answer = f"/api/mock/{mock['id']}/answers/0"
        webm = as_webm(spoken, tmp_path / "a.webm").read_bytes()
        status, _, data = studio.request("POST", f"{answer}/recording?seconds=14", webm, {"Content-Type": "audio/webm"})
        assert status == 201 and json.loads(data)["listening"] is False
        heard = studio.api("GET", f"{answer}/heard")[1]
        assert heard["state"] == "off" and "English only (this deck's language is fr_FR)" in heard["why"]
    finally:
        studio.stop()


def test_without_the_recogniser_the_studio_says_how_to_install_it(tmp_path, monkeypatch, playwright_api):
    """pocketsphinx hidden from the studio's Python, as if not installed (sys.modules[name] = None,
    from a sitecustomize on its PYTHONPATH)."""
    from test_studio import CHROMIUM, CHROMIUM_ARGS, MIC_ALLOWED, Studio, answer_aloud, history, open_page

    hide = write_files(tmp_path / "hide", {"sitecustomize.py": "import sys\nsys.modules['pocketsphinx'] = None\n"})
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(hide), os.environ.get("PYTHONPATH")) if p))
    ws = write_files(tmp_path / "ws", WORKSPACE)
    studio = Studio(ws, "--count", "1", "--seconds", "30")
    browser = playwright_api.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + MIC_ALLOWED)
    try:
        status, state = studio.api("GET", "/api/state")
        assert status == 200 and state["listen"]["available"] is False
        assert "pip install 'deck-builder[listen]'" in state["listen"]["install"]
        page, errors = open_page(browser, studio)
        page.click("#begin")
        answer_aloud(page, 1.5)
        page.wait_for_selector("#r-install")
        assert "pip install 'deck-builder[listen]'" in page.inner_text("#r-install")
        assert page.locator("#r-points .heard, #r-points .tick").count() == 0  # the points as before
        assert page.locator("#r-player audio").count() == 1
        page.keyboard.press("2")
        page.wait_for_selector("#view-report:not([hidden])")
        (line,) = history(ws)
        assert line["rating"] == 2 and line["recording"] and "points" not in line and "transcript" not in line
        assert not errors, errors
    finally:
        browser.close()
        studio.stop()


@pytest.fixture(scope="module")
def playwright_api():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extras install playwright")
    with sync_api.sync_playwright() as p:
        yield p


def as_mp4(wav: Path, out: Path) -> Path:
    """A WAV -> MP4/AAC with its index (moov) at the end, as a recorder that cannot seek back
    makes it: the demuxer cannot read it as it grows, only whole."""
    import av

    with av.open(str(wav)) as src, av.open(str(out), "w", format="mp4") as dst:
        stream = dst.add_stream("aac", rate=48000)
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=48000)
        for frame in src.decode(audio=0):
            for piece in resampler.resample(frame):
                for packet in stream.encode(piece):
                    dst.mux(packet)
        for packet in stream.encode(None):
            dst.mux(packet)
    return out


def test_a_take_kept_just_before_hearing_it_as_it_came_failed_is_heard_whole_and_rated(spoken, tmp_path):
    """The last piece is kept (finish() done), then the demuxer fails and the worker hears the
    whole file: that hearing is the take's, so its ticks are accepted at the rating (the take
    once kept the stream's hearing, left listening for ever, and every rating was a 400)."""
    import sys

    from deck_builder.rehearse.studio.app import Stream
    from deck_builder.rehearse.studio.app import Studio as App

    ws = write_files(tmp_path / "ws", WORKSPACE)
    m4a = as_mp4(spoken, tmp_path / "answer.m4a").read_bytes()
    app = App(str(ws), None, 1, 60, None)
    sid = app.start_mock({"questions": ["closing"], "seconds": 60})["id"]
    kept, go, answered = threading.Event(), threading.Event(), {}

    def tracer(frame, event, arg):  # pauses the request just after Stream.finish() returns
        if frame.f_code.co_name != "finish" or not isinstance(frame.f_locals.get("self"), Stream):
            return None

        def at_return(frame, event, arg):
            if event == "return" and not kept.is_set():
                kept.set()
                go.wait(120)
            return at_return
        return at_return

    def last_piece() -> None:
        sys.settrace(tracer)
        try:
            answered["kept"] = app.add_chunk(sid, 0, "audio/mp4", 1, m4a[1000:], True, 4.0)
        finally:
            sys.settrace(None)

    app.decoding.acquire()  # the hearing thread waits before it opens the recording
    assert app.add_chunk(sid, 0, "audio/mp4", 0, m4a[:1000], False, 0)["received"] == 1
    request = threading.Thread(target=last_piece)
    request.start()
    try:
        assert kept.wait(120), "the last piece was never kept"
        app.decoding.release()  # now the demuxer reads it, fails, and the whole file is heard
        deadline = time.monotonic() + 120
        while "stream" in (heard := app.heard(sid, 0)) or heard["state"] == "listening":
            assert time.monotonic() < deadline, heard
            threading.Event().wait(0.05)
    finally:
        go.set()
        request.join(120)
    assert heard["state"] == "done" and answered["kept"]["listening"] is True, (heard, answered)
    name = answered["kept"]["name"]
    out = app.rate(sid, 0, {"rating": 3, "recording": name, "ticked": [True, True, True]})
    assert out["rating"] == 3
    from deck_builder.rehearse.mock import read_history

    (line,) = read_history(ws)
    assert line.recording == name and [c.ticked for c in line.points] == [True, True, True]
    assert [c.heard for c in line.points] == list(heard["heard"])


def test_a_take_still_being_heard_at_try_again_shows_what_was_heard_in_it_when_kept(tmp_path, playwright_api):
    """"Try again" pressed while take 1 is still being heard (the page is made to see it
    listening): choosing "Keep take 1" later asks for take 1's hearing by name, shows it with
    its ticks, and the rating keeps it. /heard?recording= takes only a take of this answer."""
    import re

    from test_studio import (AUDIO_DURATION, CHROMIUM, CHROMIUM_ARGS, MIC_ALLOWED, SMALL, Studio, answer_aloud,
                             history, open_page, take_audio_ready)

    ws = write_files(tmp_path / "ws", SMALL)
    browser = playwright_api.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + MIC_ALLOWED)
    studio = Studio(ws, "--count", "1", "--seconds", "30")
    try:
        page, errors = open_page(browser, studio)
        newest = re.compile(r".*/answers/0/heard$")  # the newest take's hearing, as the page asks for it
        page.route(newest, lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(
            {"state": "listening", "points": ["Point A1", "Point B1"]})))
        page.click("#begin")
        answer_aloud(page, 1.2)
        page.wait_for_function(AUDIO_DURATION, timeout=15000)
        page.wait_for_selector("#r-listening")
        take1 = page.evaluate("() => studio.answer.recording.name")
        page.click("#r-again")  # while take 1 is (as far as the page knows) still being heard
        page.wait_for_selector("#view-question:not([hidden])")
        page.unroute(newest)
        answer_aloud(page, 1.2)
        take_audio_ready(page, ".take:nth-of-type(2) audio")
        page.wait_for_selector("#r-heard-summary", timeout=60000)  # take 2's, kept unless another is chosen
        page.check("#keep-1")
        page.wait_for_selector("#r-heard-summary", timeout=60000)
        assert page.locator("#r-points li .tick").count() == 2
        mock_id = page.evaluate("() => studio.mock.id")
        answer = f"/api/mock/{mock_id}/answers/0/heard"
        status, one = studio.api("GET", f"{answer}?recording={take1}")
        assert status == 200 and one["state"] == "done" and len(one["heard"]) == 2, one
        assert studio.api("GET", f"{answer}?recording=20261201T101500Z-95s-3fa9c2e1.webm")[0] == 404
        for bad in ("../../answers.yaml", "x", take1 + "/.."):
            assert studio.api("GET", f"{answer}?recording={bad}")[0] == 400, bad
        page.check("#r-points li:first-child .tick")
        page.focus("#keep-1")
        page.keyboard.press("3")
        page.wait_for_selector("#view-report:not([hidden])")
        (line,) = history(ws)
        assert line["recording"] == take1 and [c["heard"] for c in line["points"]] == one["heard"]
        assert [c["ticked"] for c in line["points"]] == [True, one["heard"][1]]
        assert not errors, errors
    finally:
        studio.stop()
        browser.close()
    assert "Traceback" not in studio.output, studio.output
