"""Make docs/studio.png: the studio's answer review (desktop, light) beside a question on a phone (dark).

    python scripts/studio_picture.py     # needs the test extras, Debian's chromium and flite

Starts `deck-builder studio` on a copy of decks/example, answers one question for Northwind
Parcel through Chromium's fake microphone (flite saying two of its key points, so the review
shows what was heard; a beep without flite), and photographs the pages.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream"]


SEED = 5


def spoken_answer(ws: Path, wav: Path) -> tuple[list[str], float]:
    """The first question's points 1 and 3 said by flite -> (Chromium's arguments, seconds to answer)."""
    if shutil.which("flite") is None:
        return [], 3.0
    import wave

    sys.path.insert(0, str(REPO))
    from deck_builder.cards import render
    from deck_builder.cards.derive import placeholder_values
    from deck_builder.rehearse import mock
    from deck_builder.sources.workspace import load_workspace

    loaded, _ = load_workspace(str(ws))
    company = loaded.companies["northwind"]
    (q,) = mock.choose_questions(loaded, company, 1, SEED, [])
    tailored, general = mock.key_points(loaded, q, company)
    points = [render.text(p, placeholder_values(company)) for p in (*tailored, *general)]
    subprocess.run(["flite", "-voice", "slt", "-t", f"{points[0]} And then, {points[2]}", "-o", str(wav)], check=True)
    with wave.open(str(wav)) as w:
        seconds = w.getnframes() / w.getframerate()
    return [f"--use-file-for-fake-audio-capture={wav}"], seconds + 0.5


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "my-prep"
        shutil.copytree(REPO / "decks" / "example", ws, ignore=shutil.ignore_patterns("build", ".deck-builder"))
        speech, seconds = spoken_answer(ws, Path(tmp) / "answer.wav")
        proc = subprocess.Popen([sys.executable, "-m", "deck_builder", "studio", str(ws), "--no-open", "--company",
                                 "northwind", "--count", "2", "--seconds", "120", "--seed", str(SEED)],
                                stdout=subprocess.PIPE, text=True)
        try:
            url = next(m.group(0) for line in proc.stdout
                       if (m := re.search(r"http://127\.0\.0\.1:\d+/#key=\S+", line)))
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS + speech)
                desk = browser.new_page(viewport={"width": 1100, "height": 860}, color_scheme="light")
                desk.goto(url)
                desk.wait_for_selector("body[data-ready]")
                desk.click("#begin")
                desk.wait_for_function("() => studio.answer && studio.answer.phase === 'ready'")
                desk.keyboard.press("Space")
                time.sleep(seconds)
                desk.keyboard.press("Space")
                desk.wait_for_selector("#view-review:not([hidden])")
                desk.wait_for_function("() => isFinite(document.querySelector('#r-player audio').duration)")
                if speech:
                    desk.wait_for_selector("#r-transcript", timeout=60000)
                desk.evaluate("() => document.activeElement.blur()")
                review = desk.screenshot()
                phone = browser.new_page(viewport={"width": 390, "height": 860}, color_scheme="dark",
                                         device_scale_factor=1)
                phone.goto(url)
                phone.wait_for_selector("body[data-ready]")
                phone.click("#begin")
                phone.wait_for_function("() => studio.answer && studio.answer.phase === 'ready'")
                phone.keyboard.press("Space")
                time.sleep(2.2)
                phone.evaluate("() => document.activeElement.blur()")
                asking = phone.screenshot()
                both = browser.new_page(viewport={"width": 1540, "height": 900})
                uri = lambda png: "data:image/png;base64," + base64.b64encode(png).decode()  # noqa: E731
                both.set_content(
                    '<body style="margin:0;padding:20px;background:#d9dde3;display:flex;gap:20px;align-items:flex-start">'
                    f'<img src="{uri(review)}" style="width:1100px;border-radius:8px;box-shadow:0 2px 8px #0003">'
                    f'<img src="{uri(asking)}" style="width:390px;border-radius:18px;box-shadow:0 2px 8px #0003">'
                    "</body>")
                out = REPO / "docs" / "studio.png"
                both.screenshot(path=str(out))
                browser.close()
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"Wrote {out}")


if __name__ == "__main__":
    main()
