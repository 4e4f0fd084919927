"""Help in the editor: JSON Schemas made from keys.py, and workspaces wired to them.

The YAML language server (VS Code's YAML extension, Neovim's yamlls, Helix, Zed...) and the
JetBrains IDEs read a schema named on a file's first line,
``# yaml-language-server: $schema=PATH``, with PATH relative to the file's own folder.
The schemas live in the workspace (``.deck-builder/schemas/``), so that line works on every
machine and in every copy of the workspace, with no network.

The schemas check the shape: keys, required keys, text or list or mapping, ids and the other
one-word formats. `deck-builder check` also checks what spans files or needs the workspace
(question and story ids, placeholders, cloze syntax, photos, duplicates).

Editors read YAML 1.2, where ``1999`` is a number and ``true`` a boolean, and deck-builder
keeps every value as the text typed, so wherever text is allowed, numbers and booleans are too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..atomic import replacing
from . import keys
from .keys import Key, Record
from .problems import UserError
from .workspace import STATE_DIR

SCHEMA_DIR = f"{STATE_DIR}/schemas"
DRAFT = "http://json-schema.org/draft-07/schema#"  # the newest draft every editor above reads

# file kind -> (schema file name, title)
KINDS = {
    "deck": ("deck.schema.json", "deck.yaml: the settings of a deck-builder workspace"),
    "answers": ("answers.schema.json", "answers.yaml: your talking points, keyed by question id"),
    "stories": ("stories.schema.json", "stories.yaml: your STAR stories, keyed by story id"),
    "bank": ("bank.schema.json", "questions/NAME.yaml: a question bank"),
    "company": ("company.schema.json", "companies/ID.yaml: your research on one company"),
}
TOP_FILES = {"deck.yaml": "deck", "answers.yaml": "answers", "stories.yaml": "stories"}
FOLDERS = {"questions": "bank", "companies": "company"}

# -- values ----------------------------------------------------------------------------------

# Patterns are written so Python's re and JavaScript's RegExp (with the u flag) read them alike.
# deck-builder matches with Python's re, whose $ also matches before a final line break.
_ID = r"^[a-z0-9]+(-[a-z0-9]+)*\n?$"
_NOT_BLANK = r"\S"
_NO_CONTROL = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"  # validate._CONTROL
_TEXT_TYPES = ["string", "number", "boolean"]
_TEXT_MESSAGE = "expected text (put text that contains ': ' or starts with { or [ in quotes)"
_LIST_MESSAGE = "expected a list (lines starting with '- ')"
_ID_MESSAGE = "not a valid id: use lowercase letters, digits and hyphens, like 'why-us'"


def _text(nullable: bool = True, filled: bool = False, pattern: str | None = None, message: str = "") -> dict:
    checks = [{"pattern": _NO_CONTROL, "patternErrorMessage": "control characters are not allowed in text; delete it"}]
    if filled:
        checks.insert(0, {"pattern": _NOT_BLANK, "patternErrorMessage": "expected text, got an empty text"})
    if pattern:
        checks.append({"pattern": pattern, "patternErrorMessage": message})
    return {"type": _TEXT_TYPES + (["null"] if nullable else []), "errorMessage": _TEXT_MESSAGE, "allOf": checks}


def _list(items: dict, nullable: bool = True, **more) -> dict:
    return {"type": ["array", "null"] if nullable else "array", "errorMessage": _LIST_MESSAGE, "items": items, **more}


def _id() -> dict:
    return _text(nullable=False, filled=True, pattern=_ID, message=_ID_MESSAGE)


def _points() -> dict:
    return _list(_text(nullable=False, filled=True), nullable=False, minItems=1)


# -- records ---------------------------------------------------------------------------------

def _plain(markdown: str) -> str:
    return re.sub(r"\*\*|`", "", markdown)


def _described(schema: dict, text: str) -> dict:
    """SCHEMA with hover text: Markdown for the YAML language server, plain for the rest."""
    return {"description": _plain(text), "markdownDescription": text, **schema}


def _key_help(key: Key) -> str:
    meaning = re.sub(r"\(section (\d+)\)", r"(docs/format.md, section \1)", key.meaning)
    if key.required:
        need = "Required"
    else:
        need = "Optional" + (f"; default: {key.default}" if key.default not in ("—", "none") else "")
    return f"{meaning}\n\n{need}. Type: {key.type}."


def _record(record: Record, **more) -> dict:
    """A mapping with exactly RECORD's keys, each with its hover text."""
    return {
        "type": "object",
        "properties": {k.name: _described(VALUES[k.kind](), _key_help(k)) for k in record.keys},
        "required": list(record.required),
        "additionalProperties": False,
        **more,
    }


def _fact() -> dict:
    """A fact: question/answer, or (with a cloze key) cloze; both forms' keys are suggested."""
    qa, cloze = keys.FACT, keys.CLOZE_FACT
    schema = _record(Record(qa.keys[:2] + cloze.keys[:1] + qa.keys[2:]))  # q, a, cloze, source, id
    schema["required"] = []
    schema["if"] = {"required": ["cloze"]}
    schema["then"] = {"required": list(cloze.required), "properties": {k: False for k in qa.required}}
    schema["else"] = {"required": list(qa.required)}
    return schema


VALUES = {  # keys.py's value kinds -> their JSON Schema
    keys.TEXT: _text,
    keys.FILLED: lambda: _text(nullable=False, filled=True),
    keys.ID: _id,
    keys.CATEGORY: lambda: _text(pattern=r"^\s*[A-Za-z0-9]+([- ][A-Za-z0-9]+)*\s*$",
                                 message="use a word or two of letters and digits, like 'leadership'"),
    keys.LOCALE: lambda: {**_text(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?\n?$",
                                  message="not a locale; write it like en_US or de_DE"), "type": ["string", "null"]},
    keys.FLAG: lambda: {"type": ["boolean", "string"], "errorMessage": "expected true or false",
                        "pattern": r"^\s*([Tt][Rr][Uu][Ee]|[Yy][Ee][Ss]|[Oo][Nn]|[Ff][Aa][Ll][Ss][Ee]|[Nn][Oo]|[Oo][Ff][Ff])\s*$"},
    keys.PATH: lambda: _text(filled=True),
    keys.TEXTS: lambda: _list(_text(nullable=False, filled=True)),
    keys.POINTS: _points,
    keys.STORY_IDS: lambda: _list(_id()),
    keys.BANK_NAMES: lambda: _list({"enum": sorted(_builtin_questions())}, uniqueItems=True),
    keys.VOICES: lambda: _list(_text(nullable=False, filled=True, pattern=r"^[A-Za-z0-9 _.-]+\n?$",
                                     message="not a voice name; use letters, digits, spaces, '-', '_' and '.'")),
    keys.QUESTIONS: lambda: _list(_record(keys.QUESTION)),
    keys.FACTS: lambda: _list(_fact()),
    keys.PRODUCTS: lambda: _list(_record(keys.PRODUCT)),
    keys.PEOPLE: lambda: _list(_record(keys.PERSON)),
    keys.TAILORING: lambda: _by_question("points", nullable=True),
}


def _builtin_questions() -> dict[str, dict[str, str]]:
    """Built-in bank name -> {question id: question}, for completion and hover."""
    from .validate import Reader
    from .workspace import builtin_banks, read_builtin_bank

    out = {}
    for name, entry in sorted(builtin_banks().items()):
        bank = read_builtin_bank(Reader(), name, entry)
        out[name] = {q.id: str(q.ask).strip() for q in bank.questions} if bank else {}
    return out


def _by_question(name: str, nullable: bool) -> dict:
    """A mapping keyed by question id, each value the file's definitions/NAME; the built-in
    questions are suggested, with their text as hover."""
    ref = {"allOf": [{"$ref": f"#/definitions/{name}"}]}
    suggested = {}
    for bank, questions in _builtin_questions().items():
        for qid, ask in questions.items():
            suggested.setdefault(qid, _described(ref, f"{ask}\n\n(built-in bank `{bank}`)"))
    return {
        "type": ["object", "null"] if nullable else "object",
        "propertyNames": {"pattern": _ID, "patternErrorMessage": "a question id: " + _ID_MESSAGE},
        "properties": suggested,
        "additionalProperties": ref,
    }


def file_schema(kind: str) -> dict:
    """The JSON Schema of one kind of workspace file (a key of KINDS)."""
    _, title = KINDS[kind]
    definitions = {}
    if kind == "deck":
        body = _record(keys.SETTINGS, type=["object", "null"])
    elif kind == "answers":
        body = _by_question("answer", nullable=True)
        definitions["answer"] = _record(keys.ANSWER)
    elif kind == "stories":
        body = {
            "type": ["object", "null"],
            "propertyNames": {"pattern": _ID, "patternErrorMessage": "a story id: " + _ID_MESSAGE},
            "additionalProperties": _record(keys.STORY),
        }
    elif kind == "bank":
        body = _record(keys.BANK)
    else:
        body = _record(keys.COMPANY)
        definitions["points"] = _points()  # of a tailoring entry
    head = {"$schema": DRAFT, "title": title, "description": f"{title} (deck-builder; see docs/format.md)"}
    return {**head, **body, **({"definitions": definitions} if definitions else {})}


def schema_texts() -> dict[str, str]:
    """Schema file name -> its JSON text, for every kind."""
    return {name: json.dumps(file_schema(kind), indent=2, ensure_ascii=False) + "\n"
            for kind, (name, _) in KINDS.items()}


def shipped_schemas() -> dict[str, bytes]:
    """Schema file name -> the bytes shipped in the package (the starter workspace's copies,
    which `python scripts/update_schemas.py` makes from schema_texts())."""
    folder = resources.files("deck_builder.skeleton").joinpath(STATE_DIR, "schemas")
    return {name: folder.joinpath(name).read_bytes() for name, _ in KINDS.values()}


def write_schemas(root: Path) -> list[str]:
    """Write this version's schemas into ROOT/.deck-builder/schemas -> the files that changed."""
    folder = root / SCHEMA_DIR
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, data in shipped_schemas().items():
        path = folder / name
        try:
            if path.read_bytes() == data:
                continue
        except OSError:
            pass
        with replacing(path) as tmp:
            tmp.write_bytes(data)
        changed.append(f"{SCHEMA_DIR}/{name}")
    return changed


def refresh_schemas(root: Path) -> None:
    """After a build: bring a wired workspace's schemas up to this version (an upgrade may add keys)."""
    if (root / SCHEMA_DIR).is_dir():
        try:
            write_schemas(root)
        except OSError:
            pass  # editor help only: the build itself has succeeded


# -- wiring files to their schema ------------------------------------------------------------

_MODELINE = re.compile(r"^#\s+yaml-language-server\s*:.*?\$schema=(\S+)|^#\s*\$schema:\s*(\S+)")


def file_kind(rel: str) -> str | None:
    """A workspace file's kind from its place (POSIX path relative to the workspace), or None."""
    if rel in TOP_FILES:
        return TOP_FILES[rel]
    parts = rel.split("/")
    if len(parts) > 1 and parts[0].lower() in FOLDERS and rel.endswith(".yaml"):
        if not any(p.startswith((".", "~$")) for p in parts):
            return FOLDERS[parts[0].lower()]
    return None


def schema_line(rel: str, kind: str) -> str:
    """The first line that names the schema for the file at REL."""
    depth = rel.count("/")
    return f"# yaml-language-server: $schema={'../' * depth}{SCHEMA_DIR}/{KINDS[kind][0]}"


def workspace_files(root: Path) -> list[str]:
    """The workspace's YAML files that have a schema, as POSIX paths relative to ROOT: the files
    deck-builder reads (workspace.find_sources), subfolders included, system files left out."""
    from .workspace import find_sources

    sources = find_sources(root)
    return [*(rel for rel in TOP_FILES if rel in sources.top), *sources.banks, *sources.companies]


@dataclass
class Wiring:
    """What wiring a workspace did, file by file (POSIX paths relative to the workspace)."""

    schemas: list[str] = field(default_factory=list)  # schema files written or updated
    added: list[str] = field(default_factory=list)  # a schema line was put at the top
    corrected: list[str] = field(default_factory=list)  # its schema line pointed to the wrong place
    already: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # names a schema of its own: left alone
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)


def wire_workspace(folder: str | os.PathLike) -> Wiring:
    """Write the schemas into the workspace and name the right one at the top of each file.

    Only that one line is added (or corrected, when a file has moved); every other byte of
    each file stays as it was."""
    root, shown = Path(folder), os.fspath(folder)
    if not root.is_dir():
        if not root.exists():
            raise UserError(f"no workspace at '{shown}': the folder does not exist "
                            f"(create one with 'deck-builder init {shown}')")
        raise UserError(f"'{shown}' is a file; give the workspace folder that holds deck.yaml and answers.yaml")
    files = workspace_files(root)
    if not files:
        raise UserError(f"'{shown}' has none of deck.yaml, answers.yaml, stories.yaml, questions/ or companies/; "
                        f"nothing was written (start a workspace with 'deck-builder init {shown}')")
    try:
        report = Wiring(schemas=write_schemas(root))
        for rel in files:
            path = root / rel
            if path.is_symlink():
                report.skipped.append((rel, "it is a link; run this in the folder of the file it points to"))
                continue
            new = _wired(path.read_bytes(), rel, file_kind(rel), report)
            if new is not None:
                with replacing(path) as tmp:
                    tmp.write_bytes(new)
                    shutil.copymode(path, tmp)
    except OSError as exc:
        raise UserError(f"cannot write {exc.filename}: {exc.strerror or exc}") from None
    return report


def _wired(data: bytes, rel: str, kind: str, report: Wiring) -> bytes | None:
    """DATA with the schema line in place, or None when the file is to stay as it is."""
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    try:
        text = data[len(bom):].decode("utf-8")
    except UnicodeDecodeError:
        report.skipped.append((rel, "it is not UTF-8 text ('deck-builder check' says where)"))
        return None
    want = schema_line(rel, kind)
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):  # the comments before the first value
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        match = _MODELINE.match(stripped)
        if not match:
            continue
        ref = match.group(1) or match.group(2)
        if ref == want.split("=", 1)[1]:
            report.already.append(rel)
            return None
        if f"{SCHEMA_DIR}/" not in ref:
            report.other.append(rel)
            return None
        ending = line[len(line.rstrip("\r\n")):]
        lines[i] = want + ending
        report.corrected.append(rel)
        return bom + "".join(lines).encode("utf-8")
    eol = "\r\n" if "\r\n" in text else "\n"
    report.added.append(rel)
    return bom + (want + eol).encode("utf-8") + data[len(bom):]
