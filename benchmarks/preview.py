"""How fast a big preview page opens and filters in headless Chromium.

    python benchmarks/preview.py [--notes 10000] [--runs 3]     # needs the test extras and Debian's chromium

Generates the workspace benchmarks/scale.py builds (about NOTES notes), writes its preview
page once, then, in a fresh page each run, times opening it (until its script has run) and,
inside the page, each filter step until the layout is done: typing a word that most cards
hold, a rare word, two words, emptying the filter (every card back), and choosing a kind.
Prints the medians.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from scale import make_workspace

STEP_JS = """([query, kind]) => {
  const q = document.querySelector("#pv-q"), t = performance.now();
  if (kind !== null) document.querySelector(`input[name="pv-kind"][value="${kind}"]`).click();
  else { q.value = query; q.dispatchEvent(new Event("input")); }
  document.body.offsetHeight;  // until the layout is done
  return [performance.now() - t, document.querySelector("#pv-status").textContent];
}"""
STEPS = [("a common word", "point", None), ("a rare word", "peak", None), ("two words", "story 12", None),
         ("filter emptied", "", None), ("one kind", None, "story"), ("every kind", None, "")]


def main() -> None:
    from playwright.sync_api import sync_playwright

    from deck_builder.rehearse.preview import write_preview

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        make_workspace(Path(tmp) / "ws", args.notes)
        page_file, cards = write_preview(str(Path(tmp) / "ws"), Path(tmp) / "preview.html")
        size = page_file.stat().st_size
        times: dict[str, list[float]] = {"open": []}
        shown: dict[str, str] = {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            for _ in range(args.runs):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                start = time.perf_counter()
                page.goto(page_file.as_uri())
                times["open"].append((time.perf_counter() - start) * 1000)
                for name, query, kind in STEPS:
                    ms, status = page.evaluate(STEP_JS, [query, kind])
                    times.setdefault(name, []).append(ms)
                    shown[name] = status
                page.close()
            browser.close()
    print(f"preview of {cards} cards ({size / 1e6:.1f} MB), medians of {args.runs} runs")
    for name, values in times.items():
        print(f"  {name:<16} {statistics.median(values):>7.0f} ms  {shown.get(name, '')}")


if __name__ == "__main__":
    main()
