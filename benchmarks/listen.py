"""Hearing an answer (deck_builder/rehearse/listen.py): transcription time per second of audio and
peak memory, steered by the question's own points (ours) and with pocketsphinx's stock model
unsteered (the baseline); and how well each hears the points of the example workspace.

    python benchmarks/listen.py [--voices slt,rms,awb] [--noise-db 20]
    python benchmarks/listen.py --long     # one long answer: the cost per second without start-up

Needs the listen extra and Debian's flite. Reworded answers to questions of decks/example,
each covering some of its points, are spoken by flite's voices, clean and with pink noise at
--noise-db signal-to-noise. Each decoding runs in a new process, timed from the WAV to the
transcript (decoding the audio, building the steering model, loading the recogniser, decoding),
its peak memory read by a process that waits for it alone. Then, for each case: the points
said and heard (recall), and the points left out but reported heard (which must be none).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from baseline import ENV, peak_rss_mb  # noqa: E402

# (question of decks/example, a reworded answer, the points it covers: 1 is the first)
CASES = [
    ("difficult-decision",
     "We had two warehouses twenty miles apart, both half empty, and together they were losing about one point "
     "four million dollars a year. I told the staff myself, face to face, and offered every one of them a "
     "transfer, retraining, or a shuttle bus to the other site.", (1, 3)),
    ("weakness",
     "For years I would jump straight in and fix problems myself rather than coaching my team. These days my "
     "supervisors own the fix, and my job is the support they need to get there.", (1, 3)),
    ("collaboration",
     "Fulfilment only works when the warehouse, transport and customer service teams share one plan. And I "
     "always give credit in public, because that buys goodwill for the next hard ask.", (1, 4)),
    ("career-goals",
     "In the next three to five years I want to lead a multi site network that beats its cost and service "
     "targets. Along the way I want to build a bench of site managers who can step up without me.", (1, 2)),
    ("lessons-learned",
     "The first lesson is to measure at the dock door, because most delays start upstream of where they show. "
     "The other is that peak is won in August: you plan labour and capacity months ahead.", (1, 4)),
    ("managing-you",
     "Give me clear outcomes and the numbers you care about, and leave the how to me. Longer term I would like "
     "exposure to the operations profit and loss and to annual planning.", (1, 4)),
]


def points_of(question: str) -> tuple[list[str], list[str]]:
    """The question's key points and its stories' text, plain, as the studio hears them."""
    from deck_builder.cards import render
    from deck_builder.sources.workspace import load_workspace

    ws, _ = load_workspace(str(REPO / "decks" / "example"))
    answer = ws.answers[question]
    context = [render.text(t, {}, block=True) for sid in answer.stories for t in (ws.stories[sid].title,
                                                                                  ws.stories[sid].result)]
    return [render.text(p, {}) for p in answer.points], context


def speak(text: str, voice: str, path: Path, noise_db: float | None, seed: int) -> float:
    """TEXT by flite's VOICE -> a 16 kHz WAV at PATH (pink noise at NOISE_DB SNR); its seconds."""
    subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(path)], check=True)
    with wave.open(str(path)) as w:
        rate, raw = w.getframerate(), w.readframes(w.getnframes())
    samples = [int.from_bytes(raw[i:i + 2], "little", signed=True) for i in range(0, len(raw), 2)]
    if noise_db is not None:
        rng = random.Random(seed)
        b0 = b1 = b2 = 0.0
        noise = []
        for _ in samples:  # Paul Kellet's economy pink-noise filter
            white = rng.gauss(0, 1)
            b0 = 0.99765 * b0 + white * 0.0990460
            b1 = 0.96300 * b1 + white * 0.2965164
            b2 = 0.57000 * b2 + white * 1.0526913
            noise.append(b0 + b1 + b2 + white * 0.1848)
        power = statistics.fmean(s * s for s in samples)
        scale = math.sqrt(power / (10 ** (noise_db / 10)) / statistics.fmean(n * n for n in noise))
        samples = [max(-32768, min(32767, round(s + n * scale))) for s, n in zip(samples, noise)]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(s.to_bytes(2, "little", signed=True) for s in samples))
    return len(samples) / rate


def child(mode: str, wav: str, question: str) -> None:
    """One decoding, in this process: prints its seconds, transcript and points heard as JSON."""
    from deck_builder.rehearse import listen

    points, context = points_of(question)
    t0 = time.perf_counter()
    if mode == "steered":
        hearing = listen.hear(Path(wav), points, context)
        transcript, heard = hearing.transcript, hearing.heard
    else:
        transcript = listen.transcribe(listen.decode_audio(Path(wav)))
        heard = listen.heard_points(points, transcript)
    print(json.dumps({"seconds": time.perf_counter() - t0, "transcript": transcript, "heard": heard}))


def run(mode: str, wav: Path, question: str) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, str(wav), question]
    out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True, env=ENV).stdout)
    out["peak_mb"] = peak_rss_mb(cmd)
    return out


def long_answer() -> None:
    """All six answers, three times over, as one recording: steered by the first question."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "long.wav"
        length = speak(" ".join(text for _, text, _ in CASES * 3), "slt", wav, None, 0)
        for mode in ("steered", "stock"):
            r = run(mode, wav, CASES[0][0])
            print(f"{mode:<8} {length:5.1f} s of audio in {r['seconds']:5.1f} s: {r['seconds'] / length:.2f} s per "
                  f"second, peak memory {r['peak_mb']:.0f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", default="slt,rms,awb")
    parser.add_argument("--noise-db", type=float, default=20.0)
    parser.add_argument("--long", action="store_true", help="every answer in one recording, three times over")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if shutil.which("flite") is None:
        sys.exit("flite is needed for the speech: apt-get install flite")
    if args.long:
        long_answer()
        return
    totals = {m: {"audio": 0.0, "cpu": 0.0, "peak": 0.0, "said": 0, "heard": 0, "left_out": 0, "false": 0}
              for m in ("steered", "stock")}
    with tempfile.TemporaryDirectory() as tmp:
        for n, (question, text, covered) in enumerate(CASES):
            points, _ = points_of(question)
            for voice in args.voices.split(","):
                for noise in (None, args.noise_db):
                    wav = Path(tmp) / f"{question}-{voice}-{noise}.wav"
                    length = speak(text, voice, wav, noise, n)
                    for mode, t in totals.items():
                        r = run(mode, wav, question)
                        t["audio"] += length
                        t["cpu"] += r["seconds"]
                        t["peak"] = max(t["peak"], r["peak_mb"])
                        said = [r["heard"][i - 1] for i in covered]
                        left = [h for i, h in enumerate(r["heard"], 1) if i not in covered]
                        t["said"] += len(said)
                        t["heard"] += sum(said)
                        t["left_out"] += len(left)
                        t["false"] += sum(left)
                        print(f"{question:<19} {voice} {'clean' if noise is None else f'{noise:.0f} dB':>6} "
                              f"{mode:<7} {length:5.1f} s audio {r['seconds']:5.2f} s  heard "
                              f"{''.join('x' if h else '.' for h in r['heard'])} (said {covered})", flush=True)
    print()
    print(f"{'':<8} {'s per s of audio':>17} {'peak memory':>12} {'said and heard':>15} {'left out, heard':>16}")
    for mode, t in totals.items():
        print(f"{mode:<8} {t['cpu'] / t['audio']:17.2f} {t['peak']:9.0f} MB {t['heard']:>8} of {t['said']:<4}"
              f" {t['false']:>8} of {t['left_out']}")
    ours, base = totals["steered"], totals["stock"]
    print(f"ratio (steered / stock): time {ours['cpu'] / base['cpu']:.2f}x, peak memory "
          f"{ours['peak'] / base['peak']:.2f}x")


if __name__ == "__main__":
    main()
