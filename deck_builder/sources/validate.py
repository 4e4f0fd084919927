"""Located YAML trees -> a validated Workspace, collecting every problem on the way."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from . import keys
from .media import HEIC, PHOTO_WARN_BYTES, photo_problem
from .model import (
    Answer,
    Bank,
    Company,
    Fact,
    Person,
    Points,
    Product,
    Question,
    Settings,
    Story,
    Text,
)
from .problems import Location, Problem
from .textrules import (
    ID_RE,
    LOOKALIKES,
    MARKDOWN_NESTING,
    MAX_TEXT_CHARS,
    MAYBE_DEEP,
    PLACEHOLDERS,
    ascii_twin,
    char_name,
    markdown_too_deep,
    odd_characters,
    parse_cloze,
    placeholder_names,
    slug,
)
from .yamlhints import (
    CURLY_QUOTES,
    bullet_hint,
    comment_message,
    curly_hint,
    lookalike_hint,
    quoted,
)
from .yamltree import Map, Node, Scalar, Seq, describe

PHOTO_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")
_LOCALE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")
# U+001F is Anki's field separator; the others have no place on a card either.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CLOZE_IN_LINK = re.compile(r"\]\([^)]*?(\{\{c\d+::)")
_VOICE = re.compile(r"^[A-Za-z0-9 _.-]+$")  # goes inside Anki's {{tts ... voices=A,B:Field}}
_DEEP_START = " \t>*+-.)0123456789"  # what a line MAYBE_DEEP matches starts with


def nearest(word: str, choices) -> str | None:
    """The closest valid spelling of a misspelt key or id, if any is close."""
    import difflib  # only for a message: imported when one needs it

    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return match[0] if match else None


def did_you_mean(word: str, choices) -> str:
    """ " (did you mean 'x'?)", or, when WORD is a known one with an invisible or look-alike
    character pasted in (they print the same), which character to retype."""
    twin = ascii_twin(word).strip()
    if twin != word and twin in choices:
        return f" (it holds {_odd_list(word)}: retype it as '{twin}')"
    guess = nearest(word, choices)
    return f" (did you mean '{guess}'?)" if guess else ""


def _question_hint(qid: str, questions) -> str:
    """Why an id names no question: renamed (and where), a pasted character, or a typo."""
    for q in questions.values():
        if q.renamed_from == qid:
            return f" (its question is '{q.id}' now, renamed_from '{qid}': use '{q.id}' here)"
    return did_you_mean(qid, questions)


def _odd_list(word: str) -> str:
    return " and ".join(char_name(c) for c in odd_characters(word))


class Reader:
    """Reads values out of located trees, recording a Problem for everything that is wrong."""

    def __init__(self, results: dict | None = None) -> None:
        self.problems: list[Problem] = []
        # A warm compiler's memory of what each reader made of a tree (SourceMemory.results),
        # or None: every tree is read afresh.
        self.results = results
        # Ids written in the sources even where their item is broken; None when a file could
        # not be read at all. A reference to them is not reported again (the item has its error).
        self.declared_questions: set[str] | None = set()
        self.declared_stories: set[str] | None = set()

    def unknown_question(self, qid: str) -> bool:
        """Whether a reference to this question id should be reported."""
        return self.declared_questions is not None and qid not in self.declared_questions

    def unknown_story(self, sid: str) -> bool:
        return self.declared_stories is not None and sid not in self.declared_stories

    def error(self, loc: Location, message: str) -> None:
        self.problems.append(Problem(loc, "error", message))

    def warn(self, loc: Location, message: str) -> None:
        self.problems.append(Problem(loc, "warning", message))

    # -- shapes -------------------------------------------------------------------------
    def record(self, node: Node, what: str, required: tuple[str, ...], optional: tuple[str, ...],
               at: Location | None = None) -> dict | None:
        """A mapping with known keys -> {key: node}; unknown and missing keys are problems
        (missing ones reported ``at`` the key that holds the mapping, when given)."""
        if _broken(node):
            return None
        if not isinstance(node, Map):
            hint = lookalike_hint(node.value) if isinstance(node, Scalar) else ""
            self.error(node.loc, f"{what}: expected a mapping (key: value), got {describe(node)}{hint}")
            return None
        valid = required + optional
        out = {}
        guessed = set()
        for key, (key_loc, value) in node.entries.items():
            if key not in valid:
                twin = ascii_twin(key).strip()
                if twin != key and twin in valid:  # prints the same: a pasted character is hiding in it
                    guess, hint = twin, f"it holds {_odd_list(key)}: retype it as '{twin}'"
                else:
                    guess = nearest(key, valid)
                    hint = f"did you mean '{guess}'?" if guess else "valid keys: " + ", ".join(valid)
                self.error(key_loc, f"{what}: unknown key '{key}' ({hint})")
                guessed.add(guess)
                continue
            out[key] = value
        for key in required:
            if key not in out and key not in guessed:  # a misspelt key is reported once, above
                self.error(at or node.loc, f"{what}: missing required key '{key}'")
        return out

    def mapping(self, node: Node, what: str) -> list[tuple[str, Location, Node]]:
        """A mapping with free keys (ids) -> [(key, key location, value)]; nothing is empty."""
        if isinstance(node, Scalar) and node.null:
            return []  # nothing written, or already reported
        if not isinstance(node, Map):
            hint = lookalike_hint(node.value) if isinstance(node, Scalar) else ""
            self.error(node.loc, f"{what}: expected a mapping (key: value), got {describe(node)}{hint}")
            return []
        return [(key, key_loc, value) for key, (key_loc, value) in node.entries.items()]

    def items(self, node: Node | None, what: str) -> list[Node]:
        if node is None or (isinstance(node, Scalar) and node.null):  # nothing, or already reported
            return []
        if not isinstance(node, Seq):
            hint = bullet_hint(node.value) if isinstance(node, Scalar) else ""
            self.error(node.loc, f"{what}: expected a list (lines starting with '- '), got {describe(node)}{hint}")
            return []
        return node.items

    # -- values -------------------------------------------------------------------------
    def text(self, node: Node | None, what: str, required: bool = False, placeholders: bool = True,
             shown: bool = True, located: bool = False) -> str | None:
        """Text (numbers and dates stay exactly as typed); placeholders are checked. SHOWN: the text
        is shown on a card, so words YAML dropped as a trailing comment are reported. LOCATED: a
        Text that keeps its place, for the few texts a later message points at; otherwise the
        parser's own string (no copy, no location: the node's is at hand while validating)."""
        # Most text is plain: no comment, no control character, no placeholder (one test each;
        # printable text has no control character, and one line that does not start like a list
        # or quote cannot be nested deep, so neither needs its regular expression).
        if (type(node) is Scalar and not node.null and not node.broken and node.comment is None
                and "{" not in (value := node.value) and len(value) <= MAX_TEXT_CHARS
                and (value.isprintable() or not _CONTROL.search(value))
                and (not required or value.strip())
                and (value[:1] not in _DEEP_START and "\n" not in value or not MAYBE_DEEP.search(value))):
            return Text(value, node.loc) if located else value
        if node is None or _broken(node):
            return None
        if isinstance(node, Scalar) and node.null:
            if node.comment is not None and shown:
                (self.error if required else self.warn)(node.comment[0], comment_message(what, "", node.comment[1]))
            elif required:
                self.error(node.loc, f"{what}: expected text, got nothing")
            return None
        if isinstance(node, Map) and node.oneline:
            [(key, (_, value))] = node.entries.items()
            dropped = f" {value.comment[1]}" if value.comment is not None else ""  # the fix keeps every word
            self.error(node.loc, _colon_message(what, key, (value.value + dropped).strip()))
            return None
        if isinstance(node, Map) and not node.flow and len(node.entries) == 1:
            [(key, (_, value))] = node.entries.items()
            if (isinstance(value, Scalar) and not value.null and not value.style and value.loc.line > node.loc.line
                    and value.comment is None):  # "Next steps:" and its text on the line under it
                self.error(node.loc, _colon_end_message(what, key, value, node.loc.line))
                return None
        if not isinstance(node, Scalar):
            hint = " (text starting with '{' or '[' must be in quotes)" if node.flow else ""
            self.error(node.loc, f"{what}: expected text, got {describe(node)}{hint}")
            return None
        if node.comment is not None and shown:
            self.warn(node.comment[0], comment_message(what, node.value, node.comment[1], node.comment[2]))
        value = node.value
        bad = _CONTROL.search(value)
        if bad:  # written as a YAML escape such as "\x1f" (raw ones are refused while reading)
            self.error(node.loc, f"{what}: control character U+{ord(bad.group()):04X} is not allowed in text; delete it")
            return None
        if required and not value.strip():
            self.error(node.loc, f"{what}: expected text, got an empty text")
            return None
        if shown and markdown_too_deep(value):
            self.error(node.loc, f"{what}: this text nests lists or quotes {MARKDOWN_NESTING // 2 - 1} levels deep or "
                       "more, and a card shows nothing past that depth, nor what follows it: flatten it to a few levels")
            return None
        if shown and len(value) > MAX_TEXT_CHARS:
            pages = max(2, round(len(value) / MAX_TEXT_CHARS))
            self.warn(node.loc, f"{what}: this text is {len(value):,} characters long (about {pages:,} pages), and a card "
                      f"shows all of it, on a phone too: keep what you need to recall, under {MAX_TEXT_CHARS:,} "
                      "characters, and the rest outside the deck")
        for name, offset in (placeholder_names(value) if "{" in value else ()):
            if name in PLACEHOLDERS and not placeholders:
                self.error(_offset_loc(node, offset), f"{what}: placeholders like {{{name}}} cannot be used here; write it out")
            elif name not in PLACEHOLDERS:
                known = " and ".join("{" + p + "}" for p in PLACEHOLDERS)
                guess = nearest(name, PLACEHOLDERS)
                hint = f"did you mean {{{guess}}}? " if guess else ""
                self.error(
                    _offset_loc(node, offset),
                    f"{what}: unknown placeholder {{{name}}} ({hint}the placeholders are {known})",
                )
        return Text(value, node.loc) if located else value

    def text_list(self, node: Node | None, what: str, shown: bool = True, located: bool = False) -> tuple[str, ...]:
        out = []
        for item in self.items(node, what):
            t = self.text(item, f"{what} item", required=True, shown=shown, located=located)
            if t is not None:
                out.append(t)
        return tuple(out)

    def points(self, node: Node | None, what: str) -> Points:
        """text_list of talking points, and where each one is written (beside them, not on each)."""
        out, locs = [], []
        for item in self.items(node, what):
            t = self.text(item, f"{what} item", required=True)
            if t is not None:
                out.append(t)
                locs.append(item.loc)
        return Points(out, tuple(locs))

    def flag(self, node: Node, what: str) -> bool | None:
        """true/false (yes/no, on/off also work, as in YAML 1.1)."""
        t = self.text(node, what, required=True, shown=False)
        if t is None:
            return None
        value = t.strip().lower()
        if value in ("true", "yes", "on"):
            return True
        if value in ("false", "no", "off"):
            return False
        self.error(node.loc, f"{what}: expected true or false, got '{t}'")
        return None

    def ident(self, node: Node | None, what: str, located: bool = False) -> str | None:
        t = self.text(node, what, required=True, shown=False, located=located)
        if t is not None and not self.key_ident(t, node.loc, f"{what}:"):
            return None
        return t

    def key_ident(self, key: str, loc: Location, what: str) -> bool:
        if not ID_RE.match(key):
            twin = ascii_twin(key)
            if twin != key and ID_RE.match(twin):  # looks right, but a pasted character is hiding in it
                self.error(loc, f"{what} '{key}' holds {_odd_list(key)}: retype it as '{twin}'")
            else:
                self.error(loc, f"{what} '{key}' is not a valid id; use lowercase letters, digits and hyphens, like '{slug(key)}'")
            return False
        return True


def _colon_message(what: str, key: str, value: str) -> str:
    """Text with ': ' in it, which YAML read as a one-line 'key: value'."""
    if not value:  # "- Next steps:": the colon ends the line
        return (f"{what}: YAML read this as a key with nothing after it, because of the ':' at the end; "
                f"put the whole text in quotes: {quoted(key + ':')}")
    whole = f"{key}: {value}"
    if key[:1] in CURLY_QUOTES and value[-1:] in CURLY_QUOTES:  # Word's quotes around the text
        return (f"{what}: YAML read this as 'key: value' because of the ': ' after '{key[1:]}'{curly_hint(key)}: "
                f"write {quoted(whole[1:-1])}")
    return (f"{what}: YAML read this as 'key: value' because of the ': ' after '{key}'; "
            f"put the whole text in quotes: {quoted(whole)}")


def _colon_end_message(what: str, key: str, value: Scalar, line: int) -> str:
    """Text ending in ':' with more text on the indented line under it, which YAML read as a key
    and its value."""
    start = (f"{what}: YAML read this as a key with the indented line under it as its value, because of the ':' "
             f"at the end of '{key}:'")
    whole = f"{key}: {' '.join(value.value.split())}"
    if value.multiline or len(whole) > 120:
        return f"{start}; write the text as a block ('|') with every line of it indented under it"
    dash = "- " if what.endswith("item") else ""
    return f"{start}; put the whole text in quotes; write lines {line}-{value.loc.line} as: {dash}{quoted(whole)}"


def _looks_like(node: Node, names: tuple[str, ...]) -> bool:
    return isinstance(node, Map) and all(n in node.entries for n in names)


def _broken(node) -> bool:
    return isinstance(node, Scalar) and node.broken


def _offset_loc(node: Scalar, offset: int) -> Location:
    """The column of a character inside a one-line scalar (multi-line ones point at its start)."""
    if node.multiline or node.style in ("|", ">"):
        return node.loc
    if node.style == '"':
        if "\\" in node.value or '"' in node.value:
            return node.loc  # escapes: the written text is longer than the value
        return Location(node.loc.file, node.loc.line, node.loc.col + 1 + offset)
    if node.style == "'":  # a quote inside is written twice
        return Location(node.loc.file, node.loc.line, node.loc.col + 1 + offset + node.value[:offset].count("'"))
    return Location(node.loc.file, node.loc.line, node.loc.col + offset)


def _item_id(r: Reader, fields: dict, name: str | None) -> str | None:
    """An item's own 'id:', or one made from its name."""
    if "id" in fields:
        return r.ident(fields["id"], "id")
    return slug(name) if name else None


class _Ids:
    """Ids within one namespace; a second item with the same id is reported with both places."""

    def __init__(self, reader: Reader, one: str, many: str):
        self.reader, self.one, self.many, self.seen = reader, one, many, {}

    def claim(self, ident: str, loc: Location, derived: bool = False) -> bool:
        """DERIVED: the id was made from the item's text, not written by the user."""
        if ident in self.seen:
            first = self.seen[ident]
            where = f"{first.file}:{first.line}" if first.file != loc.file else f"line {first.line}"
            if derived:
                msg = (f"two {self.many} would share the id '{ident}' (the other is at {where}); "
                       f"give one of them its own 'id:'")
            else:
                msg = f"duplicate {self.one} id '{ident}' (first at {where}); ids must be unique"
            self.reader.error(loc, msg)
            return False
        self.seen[ident] = loc
        return True


# -- the files ------------------------------------------------------------------------------

def remembered(r: Reader, reader, node: Node, *args, key: tuple = (), depends: object = None):
    """READER(r, node, *args), its problems and the question ids it declared, from R's memory
    (r.results) when it last read this very tree under KEY (which file) with DEPENDS (all else
    it looks at) equal."""
    _results = r.results
    if _results is None:
        return reader(r, node, *args)
    slot = (reader, key, r.declared_questions is None)
    hit = _results.get(slot)
    if hit is not None and hit[0] is node and hit[1] == depends:
        _, _, result, problems, declared = hit
    else:
        start, outer = len(r.problems), r.declared_questions
        if outer is not None:
            # the reader sees every id declared so far (read_company asks), and all it
            # declares is learnt, also ids another file declared too
            r.declared_questions = _Declaring(outer)
        try:
            result = reader(r, node, *args)
        finally:
            declared = frozenset(getattr(r.declared_questions, "added", ()))
            r.declared_questions = outer
        problems = tuple(r.problems[start:])
        del r.problems[start:]
        _results[slot] = (node, depends, result, problems, declared)
    r.problems.extend(problems)
    if r.declared_questions is not None:
        r.declared_questions.update(declared)
    return result


class _Declaring(set):
    """The declared question ids, recording which ones a reader adds."""

    def __init__(self, ids):
        super().__init__(ids)
        self.added: set[str] = set()

    def add(self, ident) -> None:
        self.added.add(ident)
        super().add(ident)


def company_depends(r: Reader, node: Node, root: Path, questions: dict) -> object:
    """All read_company looks at besides its tree: the questions (ids, renames, which are
    declared) and its photos, by their bytes (a photo replaced by another of the same size
    and time is noticed). None when R remembers nothing (nothing to compare)."""
    if r.results is None:
        return None
    photos = []
    people = node.entries.get("people", (None, None))[1] if isinstance(node, Map) else None
    for person in people.items if isinstance(people, Seq) else ():
        photo = person.entries.get("photo", (None, None))[1] if isinstance(person, Map) else None
        if isinstance(photo, Scalar) and photo.value and "\x00" not in photo.value:
            try:
                path = (root / photo.value).resolve()
                photos.append((photo.value, str(path), path.read_bytes() if path.is_file() else None))
            except (OSError, ValueError):
                photos.append((photo.value, None, None))
    declared = None if r.declared_questions is None else frozenset(r.declared_questions)
    return (str(root.resolve()), frozenset((q.id, q.renamed_from) for q in questions.values()), declared, tuple(photos))


def read_settings(r: Reader, node: Node | None, available_banks) -> Settings:
    """deck.yaml -> Settings (defaults for everything missing)."""
    if node is None:
        return Settings()
    f = r.record(node, "deck.yaml", keys.SETTINGS.required, keys.SETTINGS.optional)
    if f is None:
        return Settings()
    kwargs = {}
    if "deck" in f:
        deck = r.text(f["deck"], "deck", required=True, placeholders=False)
        if deck is not None:
            if any(not part.strip() for part in deck.split("::")):
                r.error(f["deck"].loc, "deck: a deck name cannot have an empty part around '::'")
            else:
                kwargs["deck"] = str(deck).strip()
    if "banks" in f:
        before = len(r.problems)
        banks = []
        for name in r.text_list(f["banks"], "banks", shown=False, located=True):
            if name not in available_banks:
                r.error(name.loc, f"banks: unknown built-in bank '{name}'{did_you_mean(name, available_banks)}; "
                        f"the built-in banks are {', '.join(sorted(available_banks))}")
            elif name in banks:
                r.error(name.loc, f"banks: '{name}' is listed twice")
            else:
                banks.append(str(name))
        kwargs["banks"] = tuple(banks)
        if len(r.problems) > before:
            r.declared_questions = None  # a bank not read: references to its questions cannot be checked
    if "tts" in f:
        tts = r.text(f["tts"], "tts", shown=False)
        if tts is not None:
            if not _LOCALE.match(tts):
                twin = str(tts).strip().replace("-", "_")
                if _LOCALE.match(twin):  # en-US, as browsers and Windows write it
                    r.error(f["tts"].loc, f"tts: '{tts}' is not a locale; write it as {twin}")
                else:
                    r.error(f["tts"].loc, f"tts: '{tts}' is not a locale; write it like en_US or de_DE")
            else:
                kwargs["tts"] = str(tts)
    if "voices" in f:
        voices = []
        for v in r.text_list(f["voices"], "voices", shown=False, located=True):
            if not _VOICE.match(v):
                r.error(v.loc, f"voices: '{v}' is not a voice name; use letters, digits, spaces, '-', '_' and '.'")
            else:
                voices.append(str(v).strip())
        kwargs["voices"] = tuple(voices)
    if "point_cards" in f:
        flag = r.flag(f["point_cards"], "point_cards")
        if flag is not None:
            kwargs["point_cards"] = flag
    if "bring_forward" in f:
        flag = r.flag(f["bring_forward"], "bring_forward")
        if flag is not None:
            kwargs["bring_forward"] = flag
    return Settings(**kwargs)


def read_bank(r: Reader, node: Node, name: str) -> Bank | None:
    """A question bank file -> Bank."""
    if _looks_like(node, ("name",)) and not isinstance(node.entries.get("bank", (None, None))[1], Scalar) \
            and any(k in node.entries for k in ("facts", "people", "products", "role", "tailoring")):
        r.error(node.loc, "this looks like a company file (it has 'name' and company keys), but questions/ holds "
                "question banks: move it to companies/")
        return None
    f = r.record(node, "question bank", keys.BANK.required, keys.BANK.optional)
    if f is None:
        return None
    title = r.text(f.get("bank"), "bank", required=True)
    questions = []
    ids = _Ids(r, "question", "questions")
    for item in r.items(f.get("questions"), "questions"):
        q = r.record(item, "question", keys.QUESTION.required, keys.QUESTION.optional)
        if q is None:
            continue
        qid = r.ident(q.get("id"), "id")
        if qid is not None and r.declared_questions is not None:
            r.declared_questions.add(str(qid))
        ask = r.text(q.get("ask"), "ask", required=True)
        category = r.text(q.get("category"), "category", required=False, shown=False)  # only a tag
        if category is not None and not ID_RE.match(category.strip().lower().replace(" ", "-")):
            r.error(q["category"].loc, "category: use a word or two of letters and digits, like 'leadership'")
            category = None
        why = r.text(q.get("why"), "why")
        former = _former_id(r, q, qid, "question")
        if qid is None or ask is None or not ids.claim(qid, item.loc):
            continue
        questions.append(Question(str(qid), ask, name, category, why, item.loc, former))
    return Bank(name, str(title or name), tuple(questions))


def read_answers(r: Reader, node: Node, questions: dict[str, Question], stories: dict) -> dict[str, Answer]:
    """answers.yaml -> {question id: Answer}."""
    answers = {}
    for qid, key_loc, value in r.mapping(node, "answers.yaml"):
        if qid not in questions and r.unknown_question(qid):
            r.error(key_loc, f"answers.yaml: no question has the id '{qid}'{_question_hint(qid, questions)}; "
                    "answers are keyed by the id of a question in the banks you include")
        f = r.record(value, f"answer to '{qid}'", keys.ANSWER.required, keys.ANSWER.optional, at=key_loc)
        if f is None:
            continue
        points = r.points(f.get("points"), "points")  # lint points at each one
        if "points" in f and _empty(f["points"]):
            r.error(f["points"].loc, "points: give at least one talking point")
        linked = _story_refs(r, f.get("stories"), stories)
        notes = r.text(f.get("notes"), "notes")
        if qid in questions and points:
            answers[qid] = Answer(qid, points, linked, notes, key_loc)
    return answers


def _story_refs(r: Reader, node, stories) -> tuple[str, ...]:
    out = []
    for item in r.items(node, "stories"):  # r.text_list's reading, keeping each item's node
        ref = r.text(item, "stories item", required=True, shown=False)
        if ref is None:
            continue
        if ref not in stories and not r.unknown_story(ref):
            continue  # declared but broken, or stories.yaml unreadable: reported there
        if ref not in stories:
            r.error(item.loc, f"stories: no story has the id '{ref}'{did_you_mean(ref, stories)}; "
                    "story ids are the keys in stories.yaml")
        else:
            out.append(ref)
    return tuple(out)


def read_stories(r: Reader, node: Node) -> dict[str, Story]:
    """stories.yaml -> {story id: Story}."""
    stories = {}
    for sid, key_loc, value in r.mapping(node, "stories.yaml"):
        valid_id = r.key_ident(sid, key_loc, "story id")
        f = r.record(value, f"story '{sid}'", keys.STORY.required, keys.STORY.optional, at=key_loc)
        if f is None:
            continue
        title = r.text(f.get("title"), "title", required=True)
        result = r.text(f.get("result"), "result", required=True, located=True)  # lint points at it
        parts = {k: r.text(f.get(k), k) for k in ("situation", "task", "action")}
        if valid_id and title is not None and result is not None:
            stories[sid] = Story(sid, title, result, loc=key_loc, **parts)
    return stories


def read_company(r: Reader, node: Node, cid: str, root: Path, questions: dict[str, Question]) -> Company | None:
    """companies/ID.yaml -> Company."""
    if _looks_like(node, ("bank", "questions")):
        r.error(node.loc, "this looks like a question bank (it has 'bank' and 'questions'), but companies/ holds "
                "company files: move it to questions/")
        return None
    if isinstance(node, Map) and not node.entries and not node.flow:
        r.error(node.loc, "company: this file is empty (or holds only comments), and a company file needs at least a "
                f"name: start it with its name, like name: {quoted(cid.replace('-', ' ').title())}")
        return None
    f = r.record(node, "company", keys.COMPANY.required, keys.COMPANY.optional)
    if f is None:
        return None
    name = r.text(f.get("name"), "name", required=True, placeholders=False, located=True)
    role = r.text(f.get("role"), "role", placeholders=False)

    facts, fact_ids = [], _Ids(r, "fact", "facts")
    for item in r.items(f.get("facts"), "facts"):
        fact = _read_fact(r, item)
        explicit = isinstance(item, Map) and "id" in item.entries
        if fact is not None and fact_ids.claim(fact.id, item.loc, derived=not explicit):
            facts.append(fact)

    products, product_ids = [], _Ids(r, "product", "products")
    for item in r.items(f.get("products"), "products"):
        p = r.record(item, "product", keys.PRODUCT.required, keys.PRODUCT.optional)
        if p is None:
            continue
        pname = r.text(p.get("name"), "name", required=True)
        about = r.text(p.get("about"), "about", required=True)
        pid = _item_id(r, p, pname)
        if pname and about and pid and product_ids.claim(pid, item.loc, derived="id" not in p):
            products.append(Product(str(pid), pname, about, item.loc))

    people, person_ids = [], _Ids(r, "person", "people")
    for item in r.items(f.get("people"), "people"):
        p = r.record(item, "person", keys.PERSON.required, keys.PERSON.optional)
        if p is None:
            continue
        pname = r.text(p.get("name"), "name", required=True)
        prole = r.text(p.get("role"), "role", required=True)
        notes = r.text(p.get("notes"), "notes")
        photo = _read_photo(r, p.get("photo"), root)
        pid = _item_id(r, p, pname)
        if pname and prole and pid and person_ids.claim(pid, item.loc, derived="id" not in p):
            people.append(Person(str(pid), pname, prole, notes, photo, item.loc))

    tailoring = {}
    for qid, key_loc, value in r.mapping(f["tailoring"], "tailoring") if "tailoring" in f else ():
        if qid not in questions:
            if r.unknown_question(qid):
                r.error(key_loc, f"tailoring: no question has the id '{qid}'{_question_hint(qid, questions)}")
            continue
        points = r.points(value, f"tailoring for '{qid}'")
        if points:
            tailoring[qid] = points
        elif _empty(value):
            r.error(value.loc, f"tailoring for '{qid}': give at least one point")

    asks = r.text_list(f.get("questions_to_ask"), "questions_to_ask", located=True)
    former = _former_id(r, f, cid, "company")
    if name is None:
        return None
    return Company(cid, name, role, tuple(facts), tuple(products), tuple(people), tailoring, asks, node.loc, former)


def _former_id(r: Reader, fields: dict, ident: str | None, what: str) -> Text | None:
    """An item's renamed_from: the id its notes were first built with (not its own id)."""
    if "renamed_from" not in fields:
        return None
    former = r.ident(fields["renamed_from"], "renamed_from", located=True)
    if former is not None and former == ident:
        r.error(former.loc, f"renamed_from: '{former}' is this {what}'s own id; renamed_from names the id it had "
                "before, so delete the line if it was never renamed")
        return None
    return former


def _read_fact(r: Reader, item: Node) -> Fact | None:
    if not isinstance(item, Map):
        hint = lookalike_hint(item.value) if isinstance(item, Scalar) else ""
        r.error(item.loc, f"fact: expected a mapping with q and a (or cloze), got {describe(item)}{hint}")
        return None
    if "cloze" in item.entries:
        f = r.record(item, "cloze fact", keys.CLOZE_FACT.required, keys.CLOZE_FACT.optional)
        if f is None:
            return None
        text = r.text(f.get("cloze"), "cloze", required=True)
        if text is None:
            return None
        segments, problems = parse_cloze(text)
        node = item.entries["cloze"][1]
        link = _CLOZE_IN_LINK.search(text)
        if link:
            problems.append((link.start(1), "a hidden part cannot be inside a link's address or title; "
                             "hide the link text instead, like [{{c1::text}}](address)"))
        for offset, message in problems:
            r.error(_offset_loc(node, offset), f"cloze: {message}")
        if problems:
            return None
        source = r.text(f.get("source"), "source")
        # the id leaves the hidden parts out, so correcting an answer keeps the note
        fid = r.ident(f["id"], "id") if "id" in f else slug(_visible(segments))
        return Fact(str(fid), cloze=text, source=source, loc=item.loc) if fid else None
    f = r.record(item, "fact", keys.FACT.required, keys.FACT.optional)
    if f is None:
        return None
    q = r.text(f.get("q"), "q", required=True)
    a = r.text(f.get("a"), "a", required=True)
    source = r.text(f.get("source"), "source")
    fid = r.ident(f["id"], "id") if "id" in f else (slug(q) if q else None)
    if q is None or a is None or fid is None:
        return None
    return Fact(str(fid), q=q, a=a, source=source, loc=item.loc)


def _empty(node: Node) -> bool:
    return (isinstance(node, Seq) and not node.items) or (isinstance(node, Scalar) and node.null and not node.broken)


def _visible(segments) -> str:
    return " ".join(s for s in segments if isinstance(s, str))


def _same_names(path: Path) -> list[str]:
    """The names in PATH's folder that are PATH's name once normalised (NFC): a name typed on one
    system and the file another system wrote (macOS stores an accent as a character of its own)."""
    want = unicodedata.normalize("NFC", path.name)
    try:
        return sorted(e for e in os.listdir(path.parent) if unicodedata.normalize("NFC", e) == want)
    except OSError:
        return []


def _retype_path(photo: str, root: Path) -> str:
    """For a photo path that names no file: the invisible or look-alike characters in it, and the
    path to write when it names a file without them."""
    odd = [c for c in odd_characters(photo) if c in LOOKALIKES]
    if not odd:
        return ""
    held = " and ".join(char_name(c) for c in odd)
    twin = ascii_twin(photo)
    if twin != photo and (root / twin).is_file():
        return f" (it holds {held}: retype it as '{twin}')"
    return f" (it holds {held}, which a file name rarely has)"


def _read_photo(r: Reader, node, root: Path) -> Path | None:
    photo = r.text(node, "photo", shown=False, located=True)
    if photo is None:
        return None
    if "\x00" in photo:
        r.error(photo.loc, "photo: the path holds a NUL character")
        return None
    raw = Path(photo)
    if raw.is_absolute():
        r.error(photo.loc, f"photo: '{photo}' is an absolute path; give a path inside the workspace, like media/{raw.name}")
        return None
    try:
        return _photo_path(r, photo, raw, root)
    except OSError as exc:
        r.error(photo.loc, f"photo: '{photo}' cannot be used ({exc.strerror or exc})")
        return None


def _photo_path(r: Reader, photo: Text, raw: Path, root: Path) -> Path | None:
    real_root = root.resolve()
    if (root / raw).is_symlink() and not (root / raw).exists():
        r.error(photo.loc, f"photo: '{photo}' is a link to a file that is not there (moved or deleted): "
                f"copy the picture itself to {photo}")
        return None
    path = (root / raw).resolve()
    if not path.is_relative_to(real_root):
        if ".." not in raw.parts:
            r.error(photo.loc, f"photo: '{photo}' is a link to a file outside the workspace; "
                    "copy the picture itself into the workspace instead of linking to it")
        else:
            r.error(photo.loc, f"photo: '{photo}' is outside the workspace; copy the picture into media/ "
                    f"and refer to it as media/{raw.name}")
        return None
    if path.suffix.lower() in (".heic", ".heif"):  # the iPhone's own format, by its name
        r.error(photo.loc, f"photo: '{photo}' is not a picture Anki shows: it is {HEIC}; save or export it as a JPEG "
                "or PNG picture")
        return None
    if path.suffix.lower() not in PHOTO_TYPES:
        r.error(photo.loc, f"photo: '{photo}' is not a picture Anki shows; use one of {', '.join(PHOTO_TYPES)}")
        return None
    same = _same_names(path)
    if len(same) > 1:  # Linux keeps both; macOS and Windows would find either one
        a = next((n for n in same if unicodedata.is_normalized("NFC", n)), same[0])
        b = next(n for n in same if n != a)
        msg = (f"photo: '{photo}' could be either of two files in {path.parent.relative_to(real_root).as_posix() or '.'}/ "
               f"whose names differ only in how an accent is stored ('{a}' with it as part of the letter, '{b}' "
               "with it as a separate character, as macOS writes names): delete or rename one of them")
        (r.warn if path.is_file() else r.error)(photo.loc, msg)
        if not path.is_file():
            return None
    elif not path.is_file() and same:  # the same name, its accents stored as another system stores them
        path = (path.parent / same[0]).resolve()
        if not path.is_relative_to(real_root):
            r.error(photo.loc, f"photo: '{photo}' is a link to a file outside the workspace; "
                    "copy the picture itself into the workspace instead of linking to it")
            return None
    if not path.is_file():
        r.error(photo.loc, f"photo: no file '{photo}' in the workspace{_retype_path(photo, root)}")
        return None
    with open(path, "rb") as fh:
        head = fh.read(4096)
    size = path.stat().st_size
    problem = photo_problem(head, size, path.suffix.lower())
    if problem:
        r.error(photo.loc, f"photo: '{photo}' {problem}")
        return None
    if size > PHOTO_WARN_BYTES:
        r.warn(photo.loc, f"photo: '{photo}' is {size / 1e6:.1f} MB, and every phone that syncs the deck downloads it: "
               "a picture 400 pixels wide (under 200 KB) is plenty for a card; make it smaller")
    return path
