"""The note types: field lists designed once, templates, and their stable ids.

Anki forks a note type when its fields *or its templates* change under the same id (measured
with anki 26.9: an added template gave "Name+" and every existing note "conflicting"), so both
lists are fixed here with room to grow (each type has an Extra field). A note type's id is
derived from its name, fields and template names: a future change to either is a new note
type with a new id, which Anki merges when the user ticks "Merge note types" on import.
Template *contents* and CSS may change freely; Anki updates them in place.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from importlib import resources

from ..sources.textrules import cloze_numbers

FRONT_BACK, CLOZE = 0, 1


def stable_id(text: str) -> int:
    """An Anki id derived from TEXT: the same on every build and machine, in [2**30, 2**31)."""
    return (1 << 30) + int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big") % (1 << 30)


@dataclass(frozen=True)
class Template:
    name: str
    front: str
    back: str


@dataclass(frozen=True)
class NoteType:
    name: str
    fields: tuple[str, ...]
    templates: tuple[Template, ...]
    kind: int = FRONT_BACK

    @cached_property
    def id(self) -> int:
        """Stable across builds and machines; changes only with the field or template list."""
        schema = "\x1f".join([self.name, *self.fields, "|", *(t.name for t in self.templates), str(self.kind)])
        return stable_id(schema)


def card_ordinals(nt: NoteType, fields) -> list[int]:
    """The cards a note of this type gives in Anki: cloze numbers, or template ordinals from 1.

    Every front template here shows a field that deck-builder always fills, so a standard
    note gives all its templates' cards.
    """
    if nt.kind == CLOZE:
        return cloze_numbers(fields[0])
    return list(range(1, len(nt.templates) + 1))


def stylesheet() -> str:
    """The one stylesheet every note type shares."""
    return resources.files("deck_builder.cards").joinpath("card.css").read_text(encoding="utf-8")


def _speak(field: str, tts: str | None, voices: tuple[str, ...]) -> str:
    """Anki's TTS tag for a field, or nothing: no tts tag at all unless deck.yaml asks."""
    if not tts:
        return ""
    opts = f" voices={','.join(voices)}" if voices else ""
    return f"{{{{tts {tts}{opts}:{field}}}}}"


def _context() -> str:
    return '<div class="db-context">{{Context}}</div>'


def _back() -> str:
    """The start of a back side. Anki desktop, AnkiMobile and AnkiDroid scroll to the element
    with id "answer" when the answer is shown; at the top, the question stays in view on a
    phone instead of scrolling off (measured at 400 px by tests/test_reviewer.py)."""
    return '<div id="answer"></div>' + _context()


def _extra() -> str:
    return '{{#Extra}}<div class="db-extra">{{Extra}}</div>{{/Extra}}'


def note_types(tts: str | None = None, voices: tuple[str, ...] = ()) -> dict[str, NoteType]:
    """All note types by short name; templates read the question aloud when tts is set."""
    answer = NoteType(
        "deck-builder Answer",
        ("Prompt", "Points", "Stories", "Why", "Notes", "Context", "Extra"),
        (Template(
            "Rehearse",
            f'{_context()}<div class="db-prompt">{{{{Prompt}}}}</div>{_speak("Prompt", tts, voices)}'
            '<div class="db-hint">Answer aloud (1-2 minutes), then turn the card.</div>',
            f'{_back()}<div class="db-prompt">{{{{Prompt}}}}</div><hr class="db-line">'
            '<div class="db-answer-points">{{Points}}</div>'
            '{{#Stories}}<div class="db-section"><div class="db-label">Your story</div>{{Stories}}</div>{{/Stories}}'
            '{{#Why}}<div class="db-section db-why"><div class="db-label">What they look for</div>{{Why}}</div>{{/Why}}'
            '{{#Notes}}<div class="db-section db-notes"><div class="db-label">Notes</div>{{Notes}}</div>{{/Notes}}'
            f'{_extra()}',
        ),),
    )
    story = NoteType(
        "deck-builder Story",
        ("Title", "Situation", "Task", "Action", "Result", "Context", "Extra"),
        (
            Template(
                "Story",
                f'{_context()}<div class="db-prompt">{{{{Title}}}}</div>{_speak("Title", tts, voices)}'
                '<div class="db-hint">Tell the story: situation, task, action, result.</div>',
                f'{_back()}<div class="db-prompt">{{{{Title}}}}</div><hr class="db-line">'
                '<dl class="db-star">'
                '{{#Situation}}<dt>Situation</dt><dd>{{Situation}}</dd>{{/Situation}}'
                '{{#Task}}<dt>Task</dt><dd>{{Task}}</dd>{{/Task}}'
                '{{#Action}}<dt>Action</dt><dd>{{Action}}</dd>{{/Action}}'
                '<dt>Result</dt><dd>{{Result}}</dd></dl>'
                f'{_extra()}',
            ),
            Template(
                "Result",
                f'{_context()}<div class="db-prompt">{{{{Title}}}}</div>'
                '<div class="db-hint">What was the measurable result?</div>',
                f'{_back()}<div class="db-prompt">{{{{Title}}}}</div><hr class="db-line">'
                '<div class="db-result">{{Result}}</div>',
            ),
        ),
    )
    basic = NoteType(
        "deck-builder Basic",
        ("Prompt", "Answer", "Source", "Context", "Extra"),
        (Template(
            "Card",
            f'{_context()}<div class="db-prompt">{{{{Prompt}}}}</div>{_speak("Prompt", tts, voices)}',
            f'{_back()}<div class="db-prompt">{{{{Prompt}}}}</div><hr class="db-line">'
            '<div class="db-answer">{{Answer}}</div>'
            '{{#Source}}<div class="db-source">Source: {{Source}}</div>{{/Source}}'
            f'{_extra()}',
        ),),
    )
    cloze = NoteType(
        "deck-builder Cloze",
        ("Text", "Source", "Context", "Extra"),
        (Template(
            "Cloze",
            f'{_context()}<div class="db-cloze">{{{{cloze:Text}}}}</div>',
            f'{_back()}<div class="db-cloze">{{{{cloze:Text}}}}</div>'
            '{{#Source}}<div class="db-source">Source: {{Source}}</div>{{/Source}}'
            f'{_extra()}',
        ),),
        kind=CLOZE,
    )
    person = NoteType(
        "deck-builder Person",
        ("Name", "Role", "Company", "Notes", "Photo", "Context", "Extra"),
        (
            Template(
                "Who is",
                f'{_context()}{{{{#Photo}}}}<div class="db-photo">{{{{Photo}}}}</div>{{{{/Photo}}}}'
                f'<div class="db-prompt">{{{{Name}}}}</div>{_speak("Name", tts, voices)}'
                '<div class="db-hint">Who is this, and what do you know about them?</div>',
                f'{_back()}{{{{#Photo}}}}<div class="db-photo">{{{{Photo}}}}</div>{{{{/Photo}}}}'
                '<div class="db-prompt">{{Name}}</div><hr class="db-line">'
                '<div class="db-answer">{{Role}}, {{Company}}</div>'
                '{{#Notes}}<div class="db-section db-notes">{{Notes}}</div>{{/Notes}}'
                f'{_extra()}',
            ),
            Template(
                "Name",
                f'{_context()}<div class="db-prompt">Who is the {{{{Role}}}} at {{{{Company}}}}?</div>',
                f'{_back()}<div class="db-prompt">Who is the {{{{Role}}}} at {{{{Company}}}}?</div><hr class="db-line">'
                '{{#Photo}}<div class="db-photo">{{Photo}}</div>{{/Photo}}'
                '<div class="db-answer">{{Name}}</div>'
                '{{#Notes}}<div class="db-section db-notes">{{Notes}}</div>{{/Notes}}',
            ),
        ),
    )
    return {"answer": answer, "story": story, "basic": basic, "cloze": cloze, "person": person}
