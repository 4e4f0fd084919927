"""The workspace as typed, validated values. YAML keys equal attribute names.

Every item keeps ``loc`` (where it was written) so later stages can point at it. Its texts
are plain strings, except the few a message after validation points at: a story's result,
questions to ask and renamed_from are ``Text``, which keeps its place; talking points (most
texts) are ``Points``, which keeps their places beside them. A workspace of 10,000 notes
holds about 90,000 texts, and a str subclass cannot have ``__slots__``: a location on each
cost an instance dict apiece, a sixth of a build's peak memory (benchmarks/scale.py). The
records have slots for the same reason. Those made per item (questions, answers, stories,
facts, products, people) are never changed once made, but are not frozen dataclasses, whose
__init__ costs about 0.5 us more per object (unsafe_hash keeps them hashable as before).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .problems import Location


class Points(tuple):
    """Talking points in order (plain strings), and where each is written: ``locs``, one
    instance dict for the list instead of one per point."""

    locs: tuple[Location, ...]

    def __new__(cls, texts, locs: tuple[Location, ...]) -> "Points":
        self = super().__new__(cls, texts)
        self.locs = locs
        return self


class Text(str):
    """A piece of the user's text that remembers where it was written (an instance dict each:
    only for the texts later messages point at, see above)."""

    loc: Location

    def __new__(cls, value: str, loc: Location) -> "Text":
        self = super().__new__(cls, value)
        self.loc = loc
        return self


@dataclass(frozen=True, slots=True)
class Settings:
    """deck.yaml."""

    deck: str = "Interview Prep"  # root deck name; companies become subdecks of it
    banks: tuple[str, ...] = ("second-interview",)  # built-in banks to include
    tts: str | None = None  # locale such as en_US: questions are read aloud
    voices: tuple[str, ...] = ()  # TTS voice names to prefer, in order
    point_cards: bool = True  # one cloze card per key point, besides the whole-answer card
    bring_forward: bool = True  # push makes the cards rehearsals found weak due today


@dataclass(slots=True, unsafe_hash=True)  # not frozen: see above
class Question:
    """One question of a bank, in the interviewer's voice."""

    id: str
    ask: str
    bank: str  # the bank's name: a built-in bank name or the file name under questions/
    category: str | None = None
    why: str | None = None  # what the interviewer is looking for
    loc: Location = Location("")
    renamed_from: Text | None = None  # the id its notes were first built with

    @property
    def identity(self) -> str:
        """The id its notes' GUIDs are made from: the first id it was built with."""
        return self.renamed_from or self.id


@dataclass(frozen=True, slots=True)
class Bank:
    name: str
    title: str
    questions: tuple[Question, ...]


@dataclass(slots=True, unsafe_hash=True)  # not frozen: see above
class Answer:
    """answers.yaml: your talking points for one question."""

    question_id: str
    points: Points  # short, in the order you would say them
    stories: tuple[str, ...] = ()  # story ids from stories.yaml
    notes: str | None = None
    loc: Location = Location("")


@dataclass(slots=True, unsafe_hash=True)  # not frozen: see above
class Story:
    """stories.yaml: a STAR story."""

    id: str
    title: str
    result: Text  # the measurable outcome
    situation: str | None = None
    task: str | None = None
    action: str | None = None
    loc: Location = Location("")


@dataclass(slots=True, unsafe_hash=True)  # not frozen: see above
class Fact:
    """A company fact: a question and answer, or a cloze text."""

    id: str
    q: str | None = None
    a: str | None = None
    cloze: str | None = None
    source: str | None = None
    loc: Location = Location("")


@dataclass(slots=True, unsafe_hash=True)  # not frozen: see above
class Product:
    id: str
    name: str
    about: str
    loc: Location = Location("")


@dataclass(slots=True, unsafe_hash=True)  # not frozen: see above
class Person:
    id: str
    name: str
    role: str
    notes: str | None = None
    photo: Path | None = None  # resolved, inside the workspace
    loc: Location = Location("")


@dataclass(frozen=True, slots=True)
class Company:
    """companies/ID.yaml: what you researched about one company."""

    id: str
    name: Text  # located: a warning about two files of one company points at it
    role: str | None = None
    facts: tuple[Fact, ...] = ()
    products: tuple[Product, ...] = ()
    people: tuple[Person, ...] = ()
    tailoring: dict[str, Points] = field(default_factory=dict)
    questions_to_ask: tuple[Text, ...] = ()
    loc: Location = Location("")
    renamed_from: Text | None = None  # the file name its notes were first built with

    @property
    def identity(self) -> str:
        """The id its notes' GUIDs are made from: the first file name it was built with."""
        return self.renamed_from or self.id


@dataclass(frozen=True, slots=True)
class Workspace:
    """Everything in one workspace folder, validated."""

    root: Path
    shown_root: str  # the folder as the user named it, for messages
    settings: Settings
    banks: tuple[Bank, ...]
    questions: dict[str, Question]  # by id, in bank order
    answers: dict[str, Answer]
    stories: dict[str, Story]
    companies: dict[str, Company]
