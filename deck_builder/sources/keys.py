"""Every record's keys, declared once: the validator reads them, the editor schemas are made of
them and a test holds docs/format.md's key tables to them word for word.

A ``Key`` carries what docs/format.md says about it (required?, type, meaning, default) and a
``kind``: how its value is written, which ``schema.py`` turns into a JSON Schema. To add a key,
add one ``Key(...)`` line to its record below (and its row to docs/format.md; the docs test
says if they differ); validate.py then accepts it, and reads it where its code asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

# Value kinds (schema.py has one JSON Schema for each; the names say what the user writes):
TEXT = "text"  # text, or nothing
FILLED = "filled text"  # text that is not empty
ID = "id"
CATEGORY = "category"
LOCALE = "locale"
FLAG = "flag"
PATH = "path"
TEXTS = "list of text"  # nothing counts as an empty list
POINTS = "points"  # a list of text with at least one item
STORY_IDS = "list of story ids"
BANK_NAMES = "list of built-in bank names"
VOICES = "list of voice names"
QUESTIONS = "list of questions"
FACTS = "list of facts"
PRODUCTS = "list of products"
PEOPLE = "list of people"
TAILORING = "tailoring"


@dataclass(frozen=True)
class Key:
    name: str
    kind: str
    required: bool
    type: str  # the columns of the key's row in docs/format.md, word for word
    meaning: str
    default: str = "—"


@dataclass(frozen=True)
class Record:
    """The keys of one kind of mapping, in the order messages list them."""

    keys: tuple[Key, ...]

    @cached_property  # computed once: the validator asks for every item it reads
    def required(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys if k.required)

    @cached_property
    def optional(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys if not k.required)

    def __getitem__(self, name: str) -> Key:
        return next(k for k in self.keys if k.name == name)


SETTINGS = Record((  # deck.yaml
    Key("deck", FILLED, False, "text",
        "Name of the root deck. Use `::` to nest it, as in `Jobs::Prep 2026`. Each company gets a subdeck "
        "`DECK::<company name>`. The name also sets the default output file name. Whitespace at the ends is "
        "removed, and no part around `::` may be empty.", "`Interview Prep`"),
    Key("banks", BANK_NAMES, False, "list of text",
        "The built-in banks to include. `[]`, or an empty value, includes none. Banks in `questions/` are "
        "always included.", "`[second-interview]`"),
    Key("tts", LOCALE, False, "text: a locale `ll` or `ll_CC`, such as `en_US`",
        "Adds Anki's `{{tts}}` tag to the **front** of these cards: the question on Answer cards, the title on "
        "the Story card, the prompt on Basic cards and the name on the person \"Who is\" card. It is not added "
        "to cloze cards, story \"Result\" cards or person \"Name\" cards.", "not set (no speech)"),
    Key("voices", VOICES, False, "list of text",
        "The TTS voices to prefer, in order. They are written as `voices=A,B` inside the tts tag. They have no "
        "effect unless `tts` is set.", "`[]`"),
    Key("point_cards", FLAG, False, "`true` or `false` (`yes`/`no`, `on`/`off` also work)",
        "Besides the card from a question to all its points, give each answer (and each company's tailored "
        "answer) with two or more points one cloze card per point: the question and the other points stay "
        "visible, one point is hidden.", "`true`"),
    Key("bring_forward", FLAG, False, "`true` or `false` (`yes`/`no`, `on`/`off` also work)",
        "After a rehearsal, `push` makes the cards of each question you rated 1 or 2, and of each key point "
        "that was not heard or that you unticked, due today in Anki. Only their due date changes, never their "
        "review history. `false` turns it off (as `push --no-bring-forward` does once).", "`true`"),
))

BANK = Record((  # questions/NAME.yaml
    Key("bank", FILLED, True, "text (not empty)", "The bank's title. It is not shown on any card."),
    Key("questions", QUESTIONS, True, "list of questions", "The questions. The list may be empty."),
))

QUESTION = Record((
    Key("id", ID, True, "id",
        "The key that `answers.yaml` and `tailoring` use for this question. It is part of the note's identity."),
    Key("ask", FILLED, True, "text, inline",
        "The question as the interviewer would put it. It is the front of the card."),
    Key("category", CATEGORY, False,
        "text: a word or two of letters and digits, separated by spaces or hyphens",
        "The theme. It becomes the tag `category::<word>`, lowercased, with spaces changed to `-` "
        "(`Team Work` becomes `category::team-work`).", "none"),
    Key("why", TEXT, False, "text, inline",
        "What the interviewer is looking for. It appears on the back under \"What they look for\".", "none"),
    Key("renamed_from", ID, False, "id",
        "The id this question had when you first built the deck, if you have changed it since. Its notes keep "
        "their identity, so their cards keep their review history (section 4).", "none"),
))

ANSWER = Record((  # answers.yaml, under a question id
    Key("points", POINTS, True, "list of text (at least one), each inline",
        "Your talking points, short and in the order you would say them. The back of the card shows them as "
        "a numbered list."),
    Key("stories", STORY_IDS, False, "list of story ids",
        "Stories from `stories.yaml` that support the answer. Each one appears under \"Your story\" as "
        "**title**: result.", "`[]`"),
    Key("notes", TEXT, False, "text, block", "Reminders for yourself. They appear under \"Notes\".", "none"),
))

STORY = Record((  # stories.yaml, under a story id
    Key("title", FILLED, True, "text (not empty), inline",
        "A short name you will recognise. It is the front of both cards."),
    Key("result", FILLED, True, "text (not empty), block", "The measurable outcome."),
    Key("situation", TEXT, False, "text, block", "The background.", "none"),
    Key("task", TEXT, False, "text, block", "What you were responsible for.", "none"),
    Key("action", TEXT, False, "text, block", "What you did.", "none"),
))

COMPANY = Record((  # companies/ID.yaml
    Key("name", FILLED, True, "text (not empty), plain",
        "The company's name. It fills `{company}` on this company's cards, names its subdeck and appears in "
        "the Context line of each card."),
    Key("role", TEXT, False, "text",
        "The job you are applying for. It fills `{role}` on this company's cards.", "`this role`"),
    Key("facts", FACTS, False, "list of facts", "Facts you want to remember. Each fact is one note.", "`[]`"),
    Key("products", PRODUCTS, False, "list of products",
        "What the company sells. Each product is one note.", "`[]`"),
    Key("people", PEOPLE, False, "list of people",
        "The people you will meet. Each person is one note with two cards.", "`[]`"),
    Key("tailoring", TAILORING, False, "mapping: question id → list of text (at least one), each inline",
        "Points for a question that apply to this company only. Each entry is a \"tailored answer\" note in "
        "the company's deck (section 5). If you write the key, it must hold a mapping: an empty `tailoring:` "
        "is an error.", "none"),
    Key("questions_to_ask", TEXTS, False, "list of text, each inline",
        "Questions you will ask them. The whole list makes **one** note per company.", "`[]`"),
    Key("renamed_from", ID, False, "id",
        "The file name (without `.yaml`) this company had when you first built the deck, if you have renamed "
        "the file since. Its notes keep their identity, so their cards keep their review history (section 4).",
        "none"),
))

_SOURCE = Key("source", TEXT, False, "text, inline",
              "Where you read it. It appears on the back as \"Source: …\".", "none")
_FACT_ID = Key("id", ID, False, "id", "The fact's stable identity (section 4).",
               "derived from `q`, or from the cloze text")

FACT = Record((  # a fact in its question/answer form
    Key("q", FILLED, True, "text, inline", "The question on the front."),
    Key("a", FILLED, True, "text, block", "The answer on the back."),
    _SOURCE,
    _FACT_ID,
))

CLOZE_FACT = Record((  # a fact that has a cloze key
    Key("cloze", FILLED, True, "text containing at least one deletion",
        "A sentence with hidden parts (section 3). A cloze fact cannot also have `q` or `a`."),
    _SOURCE,
    _FACT_ID,
))

PRODUCT = Record((
    Key("name", FILLED, True, "text, plain", "The product's name. The front of the card reads \"What is NAME?\"."),
    Key("about", FILLED, True, "text, block", "What it is. It is the back of the card."),
    Key("id", ID, False, "id", "The product's stable identity.", "derived from `name`"),
))

PERSON = Record((
    Key("name", FILLED, True, "text, plain", "The person's name."),
    Key("role", FILLED, True, "text, inline", "Their job title."),
    Key("notes", TEXT, False, "text, block", "Anything useful about them.", "none"),
    Key("photo", PATH, False, "path relative to the workspace",
        "A picture that appears on both cards (see `media/`).", "none"),
    Key("id", ID, False, "id", "The person's stable identity.", "derived from `name`"),
))


# Every key name any record has: messages tell a key from a word that only looks like one.
ALL_KEYS = frozenset(k.name for record in (v for v in list(globals().values()) if isinstance(v, Record))
                     for k in record.keys)
