"""Hear a recorded answer on the user's machine: which of the question's key points it heard.

    recording (WebM/Opus, Ogg, MP4) -> 16 kHz mono PCM (PyAV)
    the question's points and story + the commonest English words -> a small language model
    PCM + that model -> a transcript (pocketsphinx, its bundled US-English model)
    transcript + each point -> heard or not heard

A whole recording is heard by hear(); one still being recorded by hear_stream(), which reads
it from a Feed that the studio appends each piece to as the page sends it: the demuxer waits
in Feed.read for the next piece, so each byte is demuxed and decoded once, and pocketsphinx
has heard all but the last packet when the answer ends. Both feed the recogniser through a
Listener, in the same 30 ms frames (the same recording, the same transcript), and end an
utterance at a pause every 8 s or so, so that little is left to do after the last word
(benchmarks/stream.py).

Nothing leaves the machine and nothing is downloaded: pocketsphinx's wheel carries its model.
Both are optional (the `listen` extra) and imported only here, inside the functions that use
them. Errors are almost all points said but not heard, so the page says "not heard", never
"missed"; a point left out must never be reported heard, which is what the thresholds below
were tuned for (on flite's voices, clean and noisy; tests/test_listen.py).
"""

from __future__ import annotations

import importlib.util
import re
import tempfile
import threading
from contextlib import nullcontext
from dataclasses import dataclass
from difflib import SequenceMatcher
from importlib import resources
from pathlib import Path

INSTALL = "pip install 'deck-builder[listen]'"
RATE = 16000  # what pocketsphinx's US-English acoustic model was trained on
# A point is heard when most of its content words are: at least HEARD_SHARE of them, and
# at least two when it has two or more (one shared word is chance, in a minute of talk).
HEARD_SHARE = 0.5
FUZZY = 0.84  # "warehouse" / "warehouses" after stemming; not "cost" / "cast"
# Words that carry no point of their own (the recogniser hears them everywhere).
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing done down during each even ever every few for from further
get got had has have having he her here hers herself him himself his how i if in into is it its itself
just let like made make many me more most much my myself no nor not now of off on once one only or other
our ours ourselves out over own really same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up us very was we well were what
when where which while who whom why will with would you your yours yourself yourselves
i'm i've i'd i'll it's don't didn't can't won't that's there's we're they're you're we've
able across along already always another around away back came come first going good got great know
lot made new next put right said say see take thing things think time two way went year years
within without upon onto toward towards per via among behind beyond
""".split())


def missing() -> str | None:
    """None when the recogniser can run here; else what to install, in the user's words."""
    absent = [name for name in ("pocketsphinx", "av") if importlib.util.find_spec(name) is None]
    if not absent:
        return None
    return (f"To see which key points were heard, install the recogniser ({' and '.join(absent)}): "
            f"{INSTALL}, then start the studio again. It runs on this computer; nothing is sent anywhere.")


@dataclass(frozen=True)
class Hearing:
    """What the recogniser made of one answer."""

    transcript: str
    heard: tuple[bool, ...]  # one per key point, in the review's order
    seconds: float  # the audio's length


# -- audio -----------------------------------------------------------------------------------

def decode_audio(path: Path) -> bytes:
    """A recording (any container and codec FFmpeg reads) -> 16 kHz mono 16-bit PCM."""
    import av

    out = bytearray()
    with av.open(str(path)) as container:
        stream = next((s for s in container.streams if s.type == "audio"), None)
        if stream is None:
            return b""
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        for frame in container.decode(stream):
            for piece in resampler.resample(frame):
                out += bytes(piece.planes[0])[: piece.samples * 2]
        for piece in resampler.resample(None):  # what the resampler still holds
            out += bytes(piece.planes[0])[: piece.samples * 2]
    return bytes(out)


# -- words -----------------------------------------------------------------------------------

UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
         "sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> list[str]:
    """12 -> ["twelve"], 1998 -> ["one", "thousand", "nine", "hundred", "ninety", "eight"]."""
    if n < 20:
        return [UNITS[n]]
    if n < 100:
        return [TENS[n // 10]] + (number_words(n % 10) if n % 10 else [])
    if n < 1000:
        return [UNITS[n // 100], "hundred"] + (number_words(n % 100) if n % 100 else [])
    if n < 1_000_000:
        return number_words(n // 1000) + ["thousand"] + (number_words(n % 1000) if n % 1000 else [])
    return number_words(n // 1_000_000) + ["million"] + (number_words(n % 1_000_000) if n % 1_000_000 else [])


# A figure is said as words, but they are no evidence of a point: one figure often appears
# in two points (a saving in the problem and in the result), and "point" in "one point four"
# made a left-out point heard at 15 dB of noise (benchmarks/listen.py).
NUMBER_WORDS = frozenset(UNITS) | frozenset(TENS) | {"point", "hundred", "thousand", "million"}
TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+(?:'[a-z]+)?")


def spoken_words(text: str) -> list[str]:
    """Text as it is said, lower case: "$1.4M in 20 days" -> one point four m in twenty days."""
    words: list[str] = []
    for token in TOKEN.findall(text.lower().replace("\u2019", "'")):
        if token[0].isdigit():
            whole, _, fraction = token.replace(",", "").partition(".")
            words += number_words(int(whole[:9]))
            if fraction:
                words += ["point"] + [UNITS[int(d)] for d in fraction[:3]]
        else:
            words.append(token)
    return words


def stem(word: str) -> str:
    """A light English stemmer: enough for "closing" / "closed" / "closes" to meet."""
    for suffix in ("ingly", "edly", "ings", "ing", "ied", "ies", "ed", "es", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # "stopp(ed)" -> "stop"
    return word.rstrip("e") if len(word) > 4 else word


def content_words(text: str) -> list[str]:
    """The words of TEXT that carry its meaning, stemmed, each once."""
    out: list[str] = []
    for word in spoken_words(text):
        if word in STOPWORDS or len(word) < 3 or word in NUMBER_WORDS:
            continue
        s = stem(word)
        if s not in out:
            out.append(s)
    return out


def _matches(word: str, said: set[str]) -> bool:
    if word in said:
        return True
    return len(word) >= 5 and any(abs(len(w) - len(word)) <= 2 and SequenceMatcher(None, word, w).ratio() >= FUZZY
                                  for w in said)


def heard_points(points: list[str], transcript: str) -> tuple[bool, ...]:
    """Each point -> whether the transcript holds enough of its content words."""
    said = set(content_words(transcript))
    out = []
    for point in points:
        words = content_words(point)
        if not words:
            out.append(False)
            continue
        found = sum(_matches(w, said) for w in words)
        out.append(found >= max(min(2, len(words)), HEARD_SHARE * len(words)))
    return tuple(out)


# -- the recogniser --------------------------------------------------------------------------

def common_words() -> list[str]:
    """The bundled model's commonest words (scripts/common_words.py wrote the list)."""
    text = (resources.files("deck_builder.rehearse") / "common-words.txt").read_text(encoding="utf-8")
    return text.split()


def steering_model(texts: list[str], folder: Path) -> Path:
    """The question's own texts (points, story) + the common words -> an ARPA model in FOLDER."""
    from pocketsphinx.lm import ArpaBoLM

    sentences = "\n".join(" ".join(spoken_words(t)) for t in texts if spoken_words(t))
    model = ArpaBoLM(text=sentences, add_start=True, word_file_count=1)
    known = set(model.grams_1)
    for word in common_words():  # read_word_file's job, without a second file
        if word not in known:
            model.grams_1[word] = 1
    model.compute()
    path = folder / "steer.lm"
    with open(path, "w", encoding="utf-8") as fh:
        model.write(fh)
    return path


# A long answer is heard as utterances that end at a pause: pocketsphinx's second passes
# (fwdflat at end_utt, bestpath in hyp) cost about 2.7 s for one two-minute utterance, and
# only the last utterance's are left for after Done (benchmarks/stream.py).
SEGMENT_SECONDS = 8.0  # an utterance ends at the first pause after this long
# A pause: this long of frames that the strictest voice-activity detector calls not speech.
# flite, which the tests speak with, pauses 0.15 to 0.3 s between sentences (0.18 s of it
# that the loosest detector hears as not speech).
PAUSE_SECONDS = 0.15


class Listener:
    """16 kHz PCM, in pieces of any size, -> pocketsphinx steered by LANGUAGE_MODEL. The PCM is
    fed in the voice-activity detector's frames, so a recording gives the same transcript
    whether it comes whole or a piece at a time."""

    def __init__(self, language_model: Path | None):
        from pocketsphinx import Decoder, Vad

        options = {"loglevel": "FATAL"}
        if language_model is not None:
            options["lm"] = str(language_model)
        self.decoder = Decoder(**options)
        self.vad = Vad(Vad.STRICT, RATE)
        self.frame = self.vad.frame_bytes
        self.segment = round(SEGMENT_SECONDS / self.vad.frame_length)
        self.pause = round(PAUSE_SECONDS / self.vad.frame_length)
        self.samples = 0
        self.utterances: list[str] = []
        self._pending = bytearray()
        self._frames = 0  # in the utterance so far
        self._quiet = 0  # frames of no speech just before now
        self.decoder.start_utt()

    def feed(self, pcm: bytes) -> None:
        self._pending += pcm
        self.samples += len(pcm) // 2
        while len(self._pending) >= self.frame:
            frame = bytes(self._pending[: self.frame])
            del self._pending[: self.frame]
            self.decoder.process_raw(frame)
            self._frames += 1
            self._quiet = 0 if self.vad.is_speech(frame) else self._quiet + 1
            if self._frames >= self.segment and self._quiet >= self.pause:
                self._end()
                self.decoder.start_utt()

    def _end(self) -> None:
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        if hyp is not None and hyp.hypstr:
            self.utterances.append(hyp.hypstr)
        self._frames = self._quiet = 0

    def finish(self) -> str:
        """The transcript, once the recording has ended."""
        if self._pending:
            self.decoder.process_raw(bytes(self._pending))
            self._pending.clear()
        self._end()
        return " ".join(self.utterances)


def transcribe(pcm: bytes, language_model: Path | None = None) -> str:
    """16 kHz mono PCM -> the words pocketsphinx heard (the stock model when none is given)."""
    from pocketsphinx import Decoder

    options = {"loglevel": "FATAL"}
    if language_model is not None:
        options["lm"] = str(language_model)
    decoder = Decoder(**options)
    # Words of the user's that the dictionary cannot say (names, jargon) stay out of the
    # model (pocketsphinx has no letter-to-sound rules): the other words of a point carry it.
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp is not None else ""


class Stalled(Exception):
    """A recording that stopped growing before it was finished (the page went away)."""


class Feed:
    """A recording being written, read by the demuxer as it grows: read() waits for the next
    piece, and returns b"" (the end) once the last one was added and read.

    `chunks` counts the pieces added; `caught_up` is how many of them had been read whole the
    last time the reader, with the container open, had to wait for more: every packet before
    that had been decoded and fed to the recogniser (hear_stream decodes each packet before it
    asks for the next)."""

    def __init__(self, stall: float = 60.0):
        self.stall = stall  # seconds without a new piece before the reader gives up
        self.opened = False  # set by the reader once the container's header is read
        self.chunks = 0
        self.caught_up = 0
        self.caught_up_at_end = None  # caught_up when the last piece came
        self.received = 0  # bytes added
        self.consumed = 0  # bytes read
        self._pending = bytearray()
        self._ended = False
        self._broken = False
        self._cv = threading.Condition()

    def append(self, data: bytes, last: bool = False) -> None:
        with self._cv:
            if last:
                self.caught_up_at_end = self.caught_up
            self._pending += data
            self.received += len(data)
            self.chunks += 1
            self._ended = self._ended or last
            self._cv.notify_all()

    @property
    def broken(self) -> bool:
        return self._broken

    def abandon(self) -> None:
        """The recording will not be finished: the reader comes to an end, hear_stream raises Stalled."""
        with self._cv:
            self._broken = True
            self._cv.notify_all()

    def read(self, size: int = -1) -> bytes:
        with self._cv:
            while not self._pending and not self._ended and not self._broken:
                if self.opened:
                    self.caught_up = self.chunks
                if not self._cv.wait(self.stall):
                    self._broken = True
            if self._broken:
                return b""  # an end to the demuxer (an exception would be printed, then dropped)
            size = len(self._pending) if size is None or size < 0 else size
            out = bytes(self._pending[:size])
            del self._pending[:size]
            self.consumed += len(out)
            if self.opened and not self._pending and self._ended:
                self.caught_up = self.chunks
            return out


def hear_stream(feed: Feed, points: list[str], context: list[str], turn=None) -> Hearing:
    """A recording read from FEED as it grows -> what was heard, fed to the recogniser packet
    by packet. TURN (a lock or semaphore) is held while decoding each packet and at the end,
    never while waiting for the next piece."""
    import av

    turn = turn if turn is not None else nullcontext()
    with tempfile.TemporaryDirectory(prefix="deck-builder-listen-") as tmp, turn:
        listener = Listener(steering_model(points + context, Path(tmp)))
    # No seek(): the demuxer reads the growing recording front to back, as a pipe.
    try:
        container = av.open(feed, mode="r")
    except av.FFmpegError:
        if feed.broken:
            raise Stalled("the recording stopped before it was finished") from None
        raise
    with container:
        feed.opened = True
        stream = next((s for s in container.streams if s.type == "audio"), None)
        if stream is None:
            raise ValueError("the recording has no audio")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        for packet in container.demux(stream):
            with turn:
                for frame in packet.decode():
                    for piece in resampler.resample(frame):
                        listener.feed(bytes(piece.planes[0])[: piece.samples * 2])
        if feed.broken:
            raise Stalled("the recording stopped before it was finished")
        with turn:
            for piece in resampler.resample(None):
                listener.feed(bytes(piece.planes[0])[: piece.samples * 2])
            transcript = listener.finish() if listener.samples else ""
    return Hearing(transcript, heard_points(points, transcript), listener.samples / RATE)


def hear(recording: Path, points: list[str], context: list[str]) -> Hearing:
    """A recording and the question's points (and its other texts) -> what was heard."""
    pcm = decode_audio(recording)
    transcript = ""
    if pcm:
        with tempfile.TemporaryDirectory(prefix="deck-builder-listen-") as tmp:
            listener = Listener(steering_model(points + context, Path(tmp)))
        listener.feed(pcm)
        transcript = listener.finish()
    return Hearing(transcript, heard_points(points, transcript), len(pcm) / (2 * RATE))
