"""The workspace as typed, validated values. YAML keys equal attribute names.

Every item keeps ``loc`` (where it was written) so later stages can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .problems import Location


class Text(str):
    """A piece of the user's text that remembers where it was written."""

    loc: Location

    def __new__(cls, value: str, loc: Location) -> "Text":
        self = super().__new__(cls, value)
        self.loc = loc
        return self


@dataclass(frozen=True)
class Settings:
    """deck.yaml."""

    deck: str = "Interview Prep"  # root deck name; companies become subdecks of it
    banks: tuple[str, ...] = ("second-interview",)  # built-in banks to include
    tts: str | None = None  # locale such as en_US: questions are read aloud
    voices: tuple[str, ...] = ()  # TTS voice names to prefer, in order
    point_cards: bool = True  # one cloze card per key point, besides the whole-answer card


@dataclass(frozen=True)
class Question:
    """One question of a bank, in the interviewer's voice."""

    id: str
    ask: Text
    bank: str  # the bank's name: a built-in bank name or the file name under questions/
    category: Text | None = None
    why: Text | None = None  # what the interviewer is looking for
    loc: Location = Location("")
    renamed_from: Text | None = None  # the id its notes were first built with

    @property
    def identity(self) -> str:
        """The id its notes' GUIDs are made from: the first id it was built with."""
        return self.renamed_from or self.id


@dataclass(frozen=True)
class Bank:
    name: str
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Answer:
    """answers.yaml: your talking points for one question."""

    question_id: str
    points: tuple[Text, ...]  # short, in the order you would say them
    stories: tuple[Text, ...] = ()  # story ids from stories.yaml
    notes: Text | None = None
    loc: Location = Location("")


@dataclass(frozen=True)
class Story:
    """stories.yaml: a STAR story."""

    id: str
    title: Text
    result: Text  # the measurable outcome
    situation: Text | None = None
    task: Text | None = None
    action: Text | None = None
    loc: Location = Location("")


@dataclass(frozen=True)
class Fact:
    """A company fact: a question and answer, or a cloze text."""

    id: str
    q: Text | None = None
    a: Text | None = None
    cloze: Text | None = None
    source: Text | None = None
    loc: Location = Location("")


@dataclass(frozen=True)
class Product:
    id: str
    name: Text
    about: Text
    loc: Location = Location("")


@dataclass(frozen=True)
class Person:
    id: str
    name: Text
    role: Text
    notes: Text | None = None
    photo: Path | None = None  # resolved, inside the workspace
    loc: Location = Location("")


@dataclass(frozen=True)
class Company:
    """companies/ID.yaml: what you researched about one company."""

    id: str
    name: Text
    role: Text | None = None
    facts: tuple[Fact, ...] = ()
    products: tuple[Product, ...] = ()
    people: tuple[Person, ...] = ()
    tailoring: dict[str, tuple[Text, ...]] = field(default_factory=dict)
    questions_to_ask: tuple[Text, ...] = ()
    loc: Location = Location("")
    renamed_from: Text | None = None  # the file name its notes were first built with

    @property
    def identity(self) -> str:
        """The id its notes' GUIDs are made from: the first file name it was built with."""
        return self.renamed_from or self.id


@dataclass(frozen=True)
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
