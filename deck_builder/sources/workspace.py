"""Find a workspace's files, read each one into a located tree and validate it all."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .model import Bank, Question, Workspace
from .problems import Location, Problem, ProblemsError, UserError
from .validate import (
    Reader,
    company_depends,
    nearest,
    read_answers,
    read_bank,
    read_company,
    read_settings,
    read_stories,
    remembered,
)
from .yamltree import Map, load_file, parse

STATE_DIR = ".deck-builder"  # what deck-builder keeps in a workspace: build state, schemas, history


def builtin_banks() -> dict[str, object]:
    """Names of the built-in banks -> their files (package data, so plain installs have them)."""
    folder = resources.files("deck_builder.banks")
    return {
        entry.name[: -len(".yaml")]: entry
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    }


def read_builtin_bank(r: Reader, name: str, entry) -> Bank | None:
    """A built-in bank (ENTRY: its file in the package); any problem goes to R."""
    tree, problems = parse(entry.read_text(encoding="utf-8"), f"<built-in bank {name}>")
    r.problems.extend(problems)
    return read_bank(r, tree, name) if tree is not None else None


def shown_path(shown_root: str, rel: str) -> str:
    """A file's path as messages print it: relative to where the user is, like a compiler's."""
    if shown_root in ("", "."):
        return rel
    return os.path.join(shown_root, rel)


# Files the operating system and editors make beside the user's own, never sources: macOS's
# AppleDouble "._name" files (on USB drives, network shares and in zips; invisible in Finder)
# and .DS_Store, Windows' Thumbs.db and desktop.ini, Office's "~$name" lock files, and editor
# swap, backup and temporary files (vim 4913 and .swp, emacs #name# .#name and name~, JetBrains
# ___jb_tmp___, *.bak, *.tmp).
_SYSTEM_NAMES = {".ds_store", "thumbs.db", "ehthumbs.db", "desktop.ini", "4913", ".directory", "icon\r"}
_SYSTEM_PREFIXES = ("._", "~$", ".~lock.", ".#", "#")
_SYSTEM_SUFFIXES = (".swp", ".swo", ".swx", "~", ".tmp", ".bak", ".orig", "___jb_tmp___", "___jb_old___", "#")


def is_system_file(name: str) -> bool:
    """Whether NAME is made by the operating system or an editor rather than written by the user."""
    lower = name.lower()
    return lower in _SYSTEM_NAMES or lower.startswith(_SYSTEM_PREFIXES) or lower.endswith(_SYSTEM_SUFFIXES)


TOP_FILES = ("deck.yaml", "answers.yaml", "stories.yaml")
FOLDERS = ("questions", "companies")
_SKIPPED_DIRS = ("build", STATE_DIR)  # what deck-builder writes itself
_SCAN_LIMIT = 5000  # entries looked at for stray files: a workspace has dozens; a home folder, millions


@dataclass
class Sources:
    """The workspace's files, as paths relative to its root (forward slashes)."""

    top: dict[str, str]  # "deck.yaml" -> its path, for those that exist
    banks: list[str]  # questions/**/*.yaml
    companies: list[str]  # companies/**/*.yaml
    problems: list[tuple[str, str, str]]  # (path, "error" or "warning", message) for what is not read


# A name that is a source with something stuck to it: Windows hides a ".txt" that Notepad adds,
# macOS keeps a space typed after the name.
_ALMOST_YAML = re.compile(r"^(.+\.ya?ml)(\.txt|\.rtf|\s+)$", re.I)


def find_sources(root: Path) -> Sources:
    """Every file the workspace holds -> which are sources, and a problem for each that looks like
    one but will not be read (nothing the user wrote is skipped without a word)."""
    walk = _Walker(root)
    top: dict[str, str] = {}
    folders: dict[str, list[str]] = {name: [] for name in FOLDERS}
    for entry in walk.entries(root, ""):
        name = entry.name
        if name in _SKIPPED_DIRS:
            continue
        if entry.is_dir():
            folder = name.lower()
            if folder in FOLDERS:  # "Companies" is companies, as on macOS and Windows
                walk.sources(entry, name, folders[folder])
                continue
            guess = nearest(folder, FOLDERS + ("company", "question"))
            right = {"company": "companies", "question": "questions"}.get(guess, guess)
            if guess is not None and _has_yaml(entry):
                walk.warn(name, f"this folder is not read: deck-builder reads {right}/; rename the folder to {right}")
            else:
                walk.strays(entry, name)
        elif name in TOP_FILES:
            top[name] = name
        elif name.lower().endswith((".yaml", ".yml")):
            walk.warn(name, _stray_top_file(entry))
        else:
            walk.almost(name, name)
    for name in FOLDERS:
        folders[name].sort()
    return Sources(top, folders["questions"], folders["companies"], walk.problems)


class _Walker:
    """Walks the workspace's folders once: no folder twice (links can loop), nothing outside
    the workspace, and every folder it cannot enter said."""

    def __init__(self, root: Path):
        self.real_root = root.resolve()
        self.visited: set[Path] = set()
        self.problems: list[tuple[str, str, str]] = []
        self.stray_entries = 0

    def warn(self, rel: str, message: str, severity: str = "warning") -> None:
        self.problems.append((rel, severity, message))

    def entries(self, folder: Path, rel: str, needed: bool = True) -> list[Path]:
        """FOLDER's entries that are the user's, sorted; [] (and said) when it cannot be read.
        NEEDED: its files would be sources, so leaving them out is an error."""
        try:
            real = folder.resolve()
            if rel and not real.is_relative_to(self.real_root):
                if needed:  # (a stray folder outside, such as a linked media/, is none of our business)
                    self.warn(rel, "this folder is a link to a folder outside the workspace, so its files are not "
                              "read; copy them into the workspace (deck-builder reads nothing outside it)", "error")
                return []
            if real in self.visited:
                self.warn(rel, "this folder is a link to a folder that is read already, so it is skipped")
                return []
            self.visited.add(real)
            found = sorted(folder.iterdir(), key=lambda e: e.name)
        except OSError as exc:
            self.warn(rel or ".", f"cannot read this folder ({exc.strerror or exc}), so its files are left out",
                      "error" if needed else "warning")
            return []
        return [e for e in found if not (is_system_file(e.name) or e.name.startswith("."))]

    def sources(self, folder: Path, rel: str, found: list[str]) -> None:
        """FOLDER's .yaml files, subfolders too, into FOUND."""
        for entry in self.entries(folder, rel):
            name = entry.name
            path = f"{rel}/{name}"
            if entry.is_dir():
                self.sources(entry, path, found)
            elif name.endswith(".yaml"):
                found.append(path)
            elif name.lower().endswith(".yaml"):
                self.warn(path, f"ignored: rename it to {name[:-5]}.yaml (lowercase .yaml)")
            elif name.lower().endswith(".yml"):
                self.warn(path, f"ignored: deck-builder reads only .yaml files; rename it to {name[:-4]}.yaml")
            elif _ALMOST_YAML.match(name):
                self.almost(path, name)
            elif name.lower().endswith(".txt"):
                self.warn(path, f"ignored: deck-builder reads only .yaml files here; if it is a "
                          f"{'company' if rel.lower().startswith('companies') else 'question bank'} file, "
                          f"save it as plain text named {name[:-4]}.yaml")
            else:
                self.almost(path, name)

    def strays(self, folder: Path, rel: str) -> None:
        """YAML files in a folder deck-builder does not read: each one said, up to a limit."""
        for entry in self.entries(folder, rel, needed=False):
            self.stray_entries += 1
            if self.stray_entries > _SCAN_LIMIT:
                if self.stray_entries == _SCAN_LIMIT + 1:
                    self.warn(rel, f"stopped looking for stray YAML files after {_SCAN_LIMIT} files outside "
                              "questions/ and companies/ (those two are always read in full)")
                return
            name = entry.name
            path = f"{rel}/{name}"
            if entry.is_dir():
                self.strays(entry, path)
            elif name.lower().endswith((".yaml", ".yml")):
                top = rel.split("/", 1)[0]
                self.warn(path, f"ignored: deck-builder does not read files in {top}/; "
                          "question banks go in questions/ and company files in companies/")

    def almost(self, rel: str, name: str) -> None:
        """A name that is a YAML file's with something added (a hidden .txt, a trailing space)."""
        m = _ALMOST_YAML.match(name)
        if m:
            extra = m.group(2)
            why = ("Windows hides the '.txt' at the end unless file name extensions are shown"
                   if extra.strip() else "the name ends in a space")
            self.warn(rel, f"ignored: rename it to {m.group(1).strip()} ({why})")


def _has_yaml(folder: Path) -> bool:
    try:
        return any(p.suffix.lower() in (".yaml", ".yml") for p in folder.rglob("*"))
    except OSError:
        return False


def _stray_top_file(entry: Path) -> str:
    """Why a YAML file at the top of the workspace is not read, and where it belongs."""
    name = entry.name
    stem = name.rsplit(".", 1)[0]
    if name.lower().endswith(".yml") and f"{stem}.yaml" in TOP_FILES:
        return f"ignored: deck-builder reads {stem}.yaml; rename this file"
    if name.lower() in TOP_FILES:
        return f"ignored: rename it to {name.lower()} (lowercase)"
    head = ""
    try:
        with open(entry, encoding="utf-8", errors="replace") as fh:
            head = fh.read(4000)
    except OSError:
        pass
    keys = set(re.findall(r"^([a-z_]+):", head, re.M))
    if "name" in keys and keys & {"facts", "people", "products", "role", "tailoring", "questions_to_ask"}:
        return f"this looks like a company file, but company files are read only from companies/: move it to companies/{name}"
    if {"bank", "questions"} <= keys:
        return f"this looks like a question bank, but banks are read only from questions/: move it to questions/{name}"
    import difflib  # only for a message

    guess = next(iter(difflib.get_close_matches(name.lower(), TOP_FILES, n=1, cutoff=0.8)), None)
    if guess:
        return f"ignored: deck-builder reads {guess}; rename this file if it is meant to be that"
    return ("ignored: deck-builder reads deck.yaml, answers.yaml, stories.yaml and the files in questions/ and "
            "companies/; move it there if it belongs to the deck")


class SourceMemory:
    """What a warm compiler remembers of the sources (build.Compiler owns one): each file's
    tree by its bytes (yamltree.load_file) and what each reader made of a tree
    (validate.remembered). Memory only; one build at a time."""

    __slots__ = ("trees", "results")

    def __init__(self) -> None:
        self.trees: dict = {}
        self.results: dict = {}


def load_workspace(folder: str | os.PathLike, memory: SourceMemory | None = None) -> tuple[Workspace, list[Problem]]:
    """A workspace folder -> (Workspace, warnings); raises ProblemsError listing every error.
    MEMORY (a warm compiler's, or None for a cold read) skips what did not change."""
    root = Path(folder)
    shown_root = os.fspath(folder)
    check_folder(root, shown_root)

    r = Reader(memory.results if memory is not None else None)
    real_root = root.resolve()
    sources = find_sources(root)
    for rel, severity, message in sources.problems:
        (r.error if severity == "error" else r.warn)(Location(shown_path(shown_root, rel)), message)
    if not sources.top and not sources.banks and not sources.companies:
        raise UserError(_no_sources_message(root, shown_root))

    def read(rel: str):
        """REL's located tree, or None (and its problems reported) when it cannot be read."""
        path = root / rel
        shown = shown_path(shown_root, rel)
        if not path.resolve().is_relative_to(real_root):
            r.error(Location(shown), "this file is a link to a file outside the workspace; copy the file "
                    "itself into the workspace (deck-builder reads nothing outside it)")
            return None
        tree, problems = load_file(path, shown, memory.trees if memory is not None else None)
        r.problems.extend(problems)
        return tree

    available = builtin_banks()
    deck_tree = read("deck.yaml") if "deck.yaml" in sources.top else None
    if "deck.yaml" in sources.top and deck_tree is None:
        r.declared_questions = None  # its banks are unknown: references to their questions cannot be checked
    settings = read_settings(r, deck_tree, available)

    banks: list[Bank] = []
    for name in settings.banks:
        bank = read_builtin_bank(r, name, available[name])
        if bank:
            banks.append(bank)
    bank_files = _ids_from_file_names(r, shown_root, sources.banks, "question bank")
    for name, rel in bank_files.items():
        tree = read(rel)
        if tree is None:
            r.declared_questions = None
            continue
        bank = remembered(r, read_bank, tree, name, key=(name,))
        del tree  # validated: a cold build drops each tree before reading the next file (peak memory)
        if bank:
            banks.append(bank)

    questions: dict[str, Question] = {}
    for bank in banks:
        for q in bank.questions:
            if q.id in questions:
                first = questions[q.id]
                where = (f"the built-in bank '{first.bank}'" if first.loc.file.startswith("<")
                         else f"bank '{first.bank}' ({first.loc})")
                r.error(q.loc, f"question id '{q.id}' is already used by {where}; "
                        "ids must be unique across all banks you include")
            else:
                questions[q.id] = q
    _check_renames(r, questions, "question", lambda q: q.renamed_from.loc)

    stories_tree = read("stories.yaml") if "stories.yaml" in sources.top else None
    if "stories.yaml" in sources.top and stories_tree is None:
        r.declared_stories = None
    stories = remembered(r, read_stories, stories_tree) if stories_tree is not None else {}
    if isinstance(stories_tree, Map) and r.declared_stories is not None:
        r.declared_stories.update(stories_tree.entries)
    del stories_tree
    answers_tree = read("answers.yaml") if "answers.yaml" in sources.top else None
    answers = read_answers(r, answers_tree, questions, stories) if answers_tree is not None else {}
    del answers_tree

    companies = {}
    for cid, rel in _ids_from_file_names(r, shown_root, sources.companies, "company").items():
        tree = read(rel)
        if tree is not None:
            company = remembered(r, read_company, tree, cid, root, questions, key=(cid,),
                                 depends=company_depends(r, tree, root, questions))
            del tree
            if company:
                companies[cid] = company
    _check_renames(r, companies, "company", lambda c: c.renamed_from.loc)

    ws = Workspace(root, shown_root, settings, tuple(banks), questions, answers, stories, companies)
    if not any(p.is_error for p in r.problems) and not has_cards(ws):
        where = "answers.yaml" if "answers.yaml" in sources.top else next(iter(sources.top), None) or shown_root
        r.error(Location(shown_path(shown_root, where) if where != shown_root else shown_root),
                "nothing to study yet: add talking points to answers.yaml, "
                "a story to stories.yaml or a company under companies/ (see 'deck-builder init')")
    errors = [p for p in r.problems if p.is_error]
    if errors:
        raise ProblemsError(r.problems)
    return ws, r.problems


def check_folder(root: Path, shown_root: str) -> None:
    """A UserError unless ROOT is a folder (every command words this the same)."""
    if not root.exists():
        raise UserError(f"no workspace at '{shown_root}': the folder does not exist (create one with 'deck-builder init {shown_root}')")
    if not root.is_dir():
        raise UserError(f"'{shown_root}' is a file; give the workspace folder that holds deck.yaml and answers.yaml")


def _no_sources_message(root: Path, shown_root: str) -> str:
    """A folder with none of the workspace's files: say so, and where a workspace might be instead."""
    inner = sorted(p.parent for p in root.glob("*/answers.yaml")) + sorted(p.parent for p in root.glob("*/deck.yaml"))
    hint = ""
    if inner:
        sub = shown_path(shown_root, inner[0].name)
        hint = f"; '{sub}' looks like one: run the command on that folder"
    else:
        hint = f" (start one with 'deck-builder init {shown_root}')"
    return (f"no workspace in '{shown_root}': it has no deck.yaml, answers.yaml, stories.yaml, questions/ "
            f"or companies/{hint}")


def _check_renames(r: Reader, items: dict, what: str, where) -> None:
    """Each renamed_from names an id no other item has or claims, so two items never share notes."""
    claimed: dict[str, object] = {}
    for ident, item in items.items():
        former = item.renamed_from
        if former is None:
            continue
        if former in items:
            other = items[former]
            if what == "company":
                place = f" ({other.loc.file})"
            else:
                place = f" (in the built-in bank '{other.bank}')" if other.loc.file.startswith("<") else f" ({other.loc})"
            r.error(where(item), f"renamed_from: '{former}' is still the id of a {what}{place}; "
                    f"if this {what} replaces it, delete the old one, otherwise remove renamed_from")
        elif former in claimed:
            r.error(where(item), f"renamed_from: '{former}' is also claimed by '{claimed[former].id}' "
                    f"({where(claimed[former])}); only one {what} can keep its notes")
        else:
            claimed[former] = item


def _ids_from_file_names(r: Reader, shown_root: str, files: list[str], what: str) -> dict[str, str]:
    """Files (in subfolders too) -> {id: file}: the id is the file name, unique across the tree."""
    out: dict[str, str] = {}
    for rel in files:
        ident = Path(rel).stem
        loc = Location(shown_path(shown_root, rel))
        if not r.key_ident(ident, loc, f"{what} file name"):
            continue
        if ident in out:
            r.error(loc, f"two {what} files are named {ident}.yaml: {shown_path(shown_root, out[ident])} and this one; "
                    f"the file name is the {what}'s id, so rename one of them")
            continue
        out[ident] = rel
    return out


def has_cards(ws: Workspace) -> bool:
    """Whether the workspace yields at least one note."""
    return bool(ws.answers or ws.stories or any(
        c.facts or c.products or c.people or c.tailoring or c.questions_to_ask for c in ws.companies.values()
    ))


def only_company(ws: Workspace, command: str):
    """The workspace's one company, or a UserError saying which to choose (or that there is none)."""
    if len(ws.companies) == 1:
        return next(iter(ws.companies.values()))
    if not ws.companies:
        raise UserError(f"{command} is about one company, and there is none yet: add its research as companies/ID.yaml")
    raise UserError(f"which company? give --company ID; the companies are: {', '.join(ws.companies)}")


def find_company(ws: Workspace, company_id: str):
    """A company by id, or a UserError naming the nearest id and all of them."""
    from .validate import did_you_mean

    company = ws.companies.get(company_id)
    if company is None:
        known = ", ".join(ws.companies) or "none yet"
        raise UserError(f"no company '{company_id}'{did_you_mean(company_id, ws.companies)}; the companies are: {known}")
    return company
