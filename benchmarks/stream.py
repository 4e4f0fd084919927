"""Hearing an answer while it is recorded (the studio's pieces, listen.hear_stream) against
hearing the whole recording after Done (the upload, as the studio did before): the time from
Done to the key points heard, for a 60 s and a 120 s answer.

    python benchmarks/stream.py [--lengths 60,120] [--pace 1]
    python benchmarks/stream.py --demux    # the two ways to read a growing WebM, CPU only

Needs the listen extra and Debian's flite. A real studio (`deck-builder studio`, its own
process) on a copy of decks/example; flite's slt voice says the reworded answer to
difficult-decision of benchmarks/listen.py over and over, cut at the length; PyAV encodes it
as WebM/Opus at 64 kbit/s, written front to back as MediaRecorder writes it, and it is cut into
as many pieces as it has seconds (about 8,700 bytes each), as the page's recorder hands them over. Ours: the pieces are sent as the page sends them, paced at
--pace times real time (1: as the user speaks), then the last, empty one at Done. The baseline:
the same recording uploaded whole at Done. Both are timed from the request made at Done to
/heard saying done (asked every 20 ms), each in a new mock of the same studio, steered by the
same points; both must hear the same points.

--demux compares, in this process, the two ways to decode a recording that grows a second at a
time: the demuxer reading a blocking file-like object fed by the pieces (what the studio does),
and decoding the accumulated bytes again at each piece, skipping the samples already fed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from listen import CASES, speak  # noqa: E402

QUESTION = CASES[0][0]
URL_RE = re.compile(r"http://127\.0\.0\.1:(\d+)/#key=([A-Za-z0-9_-]+)")


def recording(seconds: float, folder: Path) -> bytes:
    """SECONDS of flite saying the answer again and again -> live WebM/Opus at 64 kbit/s."""
    import av

    wav = folder / "long.wav"
    once = speak(CASES[0][1], "slt", folder / "once.wav", None, 0)
    with wave.open(str(folder / "once.wav")) as w:
        rate, frames = w.getframerate(), w.readframes(w.getnframes())
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((frames * (int(seconds / once) + 1))[: int(seconds * rate) * 2])
    out = folder / f"{seconds:.0f}s.webm"
    with av.open(str(wav)) as src, av.open(str(out), "w", format="webm", options={"live": "1"}) as dst:
        stream = dst.add_stream("libopus", rate=48000)
        stream.bit_rate = 64000
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        for frame in src.decode(audio=0):
            for piece in resampler.resample(frame):
                for packet in stream.encode(piece):
                    dst.mux(packet)
        for packet in stream.encode(None):
            dst.mux(packet)
    return out.read_bytes()


class Studio:
    """`deck-builder studio` on WS in its own process."""

    def __init__(self, ws: Path):
        self.proc = subprocess.Popen([sys.executable, "-m", "deck_builder", "studio", str(ws), "--no-open",
                                      "--seconds", "600"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
        for line in self.proc.stdout:
            m = URL_RE.search(line)
            if m:
                self.port, self.key = int(m.group(1)), m.group(2)
                break
        else:
            sys.exit("the studio did not start")
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()  # its terminal, drained

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str = "application/json"):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Host": f"127.0.0.1:{self.port}", "X-Studio-Key": self.key, "Content-Type": content_type}
        conn.request(method, path, body, headers)
        resp = conn.getresponse()
        data = json.loads(resp.read() or b"null")
        conn.close()
        if resp.status >= 400:
            sys.exit(f"{method} {path}: {resp.status} {data}")
        return data

    def answer(self) -> str:
        mock = self.request("POST", "/api/mock", json.dumps({"questions": [QUESTION], "seconds": 600}).encode())
        return f"/api/mock/{mock['id']}/answers/0"

    def heard(self, answer: str) -> dict:
        while (data := self.request("GET", f"{answer}/heard"))["state"] == "listening":
            threading.Event().wait(0.02)
        return data

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def pieces_of(webm: bytes, seconds: float) -> list[bytes]:
    """WEBM in one piece a second, as the page's MediaRecorder (timeslice 1000 ms) hands it over."""
    size = -(-len(webm) // int(seconds))
    return [webm[i:i + size] for i in range(0, len(webm), size)]


def streamed(studio: Studio, webm: bytes, seconds: float, pace: float) -> tuple[float, dict]:
    answer = studio.answer()
    pieces = pieces_of(webm, seconds)
    start = time.monotonic()
    for seq, piece in enumerate(pieces):
        threading.Event().wait(max(0.0, start + seq / pace - time.monotonic()))  # the recorder's second
        studio.request("POST", f"{answer}/chunk?seq={seq}", piece, "audio/webm")
    threading.Event().wait(max(0.0, start + len(pieces) / pace - time.monotonic()))
    t0 = time.perf_counter()
    studio.request("POST", f"{answer}/chunk?seq={len(pieces)}&last=1&seconds=1", b"", "audio/webm")
    heard = studio.heard(answer)
    return time.perf_counter() - t0, heard


def whole(studio: Studio, webm: bytes) -> tuple[float, dict]:
    answer = studio.answer()
    t0 = time.perf_counter()
    studio.request("POST", f"{answer}/recording?seconds=1", webm, "audio/webm")
    heard = studio.heard(answer)
    return time.perf_counter() - t0, heard


def demux(webm: bytes, seconds: float) -> None:
    """CPU seconds to decode WEBM to PCM as it grows a piece at a time, both ways."""
    import io

    import av

    from deck_builder.rehearse import listen

    pieces = pieces_of(webm, seconds)

    def to_pcm(frames, resampler) -> int:
        return sum(p.samples for f in frames for p in resampler.resample(f))

    t0 = time.process_time()
    feed = listen.Feed()
    done = []

    def reader() -> None:
        with av.open(feed) as c:
            done.append(to_pcm(c.decode(audio=0), av.AudioResampler(format="s16", layout="mono", rate=16000)))

    thread = threading.Thread(target=reader)
    thread.start()
    for n, piece in enumerate(pieces):
        feed.append(piece, last=n == len(pieces) - 1)
    thread.join()
    blocking = time.process_time() - t0

    t0 = time.process_time()
    fed = 0
    for n in range(1, len(pieces) + 1):  # at each piece: decode all so far, keep what is new
        with av.open(io.BytesIO(b"".join(pieces[:n]))) as c:
            total = to_pcm(c.decode(audio=0), av.AudioResampler(format="s16", layout="mono", rate=16000))
        fed = max(fed, total)
    again = time.process_time() - t0
    print(f"{seconds:5.0f} s answer, decoded to 16 kHz PCM a piece at a time: blocking reader {blocking:6.2f} s CPU, "
          f"decoding the accumulated bytes again {again:6.2f} s CPU ({again / blocking:.0f}x); "
          f"{done[0] / 16000:.1f} and {fed / 16000:.1f} s of audio", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="60,120", help="answers' lengths in seconds")
    parser.add_argument("--pace", type=float, default=1.0, help="pieces sent at this many times real time")
    parser.add_argument("--demux", action="store_true", help="compare the two ways of decoding a growing WebM")
    args = parser.parse_args()
    if shutil.which("flite") is None:
        sys.exit("flite is needed for the speech: apt-get install flite")
    lengths = [float(x) for x in args.lengths.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        recordings = {n: recording(n, Path(tmp)) for n in lengths}
        if args.demux:
            for n in lengths:
                demux(recordings[n], n)
            return
        ws = Path(tmp) / "example"
        shutil.copytree(REPO / "decks" / "example", ws, ignore=shutil.ignore_patterns("build", ".deck-builder"))
        studio = Studio(ws)
        try:
            print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; pieces paced at {args.pace:g}x "
                  "real time", flush=True)
            print(f"{'answer':>7} {'in pieces, Done to heard':>25} {'whole upload, Done to heard':>28} {'ratio':>6}")
            for n in lengths:
                ours, heard_ours = streamed(studio, recordings[n], n, args.pace)
                base, heard_base = whole(studio, recordings[n])
                same = heard_ours.get("heard") == heard_base.get("heard")
                kept_up = heard_ours["stream"]["decoded_at_done"] == heard_ours["stream"]["chunks"] - 1
                print(f"{n:6.0f}s {ours:23.2f} s {base:26.2f} s {base / ours:5.1f}x"
                      f"  (same points heard: {'yes' if same else 'NO'}; all pieces decoded by Done: "
                      f"{'yes' if kept_up else 'no'})", flush=True)
                if not same:
                    print(f"  in pieces: {heard_ours}\n  whole: {heard_base}")
        finally:
            studio.stop()


if __name__ == "__main__":
    main()
