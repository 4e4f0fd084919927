"""Find a workspace's files, read each one into a located tree and validate it all."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from .model import Bank, Question, Workspace
from .problems import Location, Problem, ProblemsError, UserError
from .validate import Reader, read_answers, read_bank, read_company, read_settings, read_stories
from .yamltree import Map, load_file, parse


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


def load_workspace(folder: str | os.PathLike) -> tuple[Workspace, list[Problem]]:
    """A workspace folder -> (Workspace, warnings); raises ProblemsError listing every error."""
    root = Path(folder)
    shown_root = os.fspath(folder)
    if not root.exists():
        raise UserError(f"no workspace at '{shown_root}': the folder does not exist (create one with 'deck-builder init {shown_root}')")
    if not root.is_dir():
        raise UserError(f"'{shown_root}' is a file; give the workspace folder that holds deck.yaml and answers.yaml")

    r = Reader()

    real_root = root.resolve()

    def read(rel: str, unreadable: str | None = None):
        path = root / rel
        if not path.is_file():
            return None
        shown = shown_path(shown_root, rel)
        if not path.resolve().is_relative_to(real_root):
            r.error(Location(shown), "this file is a link to a file outside the workspace; copy the file "
                    "itself into the workspace (deck-builder reads nothing outside it)")
            if unreadable:
                setattr(r, unreadable, None)
            return None
        tree, problems = load_file(path, shown)
        r.problems.extend(problems)
        if tree is None and unreadable:  # references into it cannot be checked
            setattr(r, unreadable, None)
        return tree

    def folder_files(name: str) -> list[str]:
        d = root / name
        if not d.is_dir():
            return []
        files = []
        for entry in sorted(d.iterdir()):
            rel = f"{name}/{entry.name}"
            if entry.name.endswith(".yml"):
                r.warn(Location(shown_path(shown_root, rel)), f"ignored: deck-builder reads only .yaml files; rename it to {entry.stem}.yaml")
            elif entry.name.endswith(".yaml") and entry.is_file():
                files.append(rel)
        return files

    for rel in ("deck.yml", "answers.yml", "stories.yml"):
        if (root / rel).exists():
            r.warn(Location(shown_path(shown_root, rel)), f"ignored: deck-builder reads {rel[:-4]}.yaml; rename this file")

    available = builtin_banks()
    deck_tree = read("deck.yaml", "declared_questions")
    settings = read_settings(r, deck_tree, available)

    banks: list[Bank] = []
    for name in settings.banks:
        bank = read_builtin_bank(r, name, available[name])
        if bank:
            banks.append(bank)
    for rel in folder_files("questions"):
        tree = read(rel, "declared_questions")
        if tree is not None:
            bank = read_bank(r, tree, Path(rel).stem)
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

    stories_tree = read("stories.yaml", "declared_stories")
    stories = read_stories(r, stories_tree) if stories_tree is not None else {}
    if isinstance(stories_tree, Map) and r.declared_stories is not None:
        r.declared_stories.update(stories_tree.entries)
    answers_tree = read("answers.yaml")
    answers = read_answers(r, answers_tree, questions, stories) if answers_tree is not None else {}

    companies = {}
    for rel in folder_files("companies"):
        cid = Path(rel).stem
        tree = read(rel)
        if not r.key_ident(cid, Location(shown_path(shown_root, rel)), "company file name"):
            continue
        if tree is not None:
            company = read_company(r, tree, cid, root, questions)
            if company:
                companies[cid] = company

    ws = Workspace(root, shown_root, settings, tuple(banks), questions, answers, stories, companies)
    if not any(p.is_error for p in r.problems) and not has_cards(ws):
        r.error(Location(shown_path(shown_root, "answers.yaml")), "nothing to study yet: add talking points to answers.yaml, "
                "a story to stories.yaml or a company under companies/ (see 'deck-builder init')")
    errors = [p for p in r.problems if p.is_error]
    if errors:
        raise ProblemsError(r.problems)
    return ws, r.problems


def has_cards(ws: Workspace) -> bool:
    """Whether the workspace yields at least one note."""
    return bool(ws.answers or ws.stories or any(
        c.facts or c.products or c.people or c.tailoring or c.questions_to_ask for c in ws.companies.values()
    ))


def find_company(ws: Workspace, company_id: str):
    """A company by id, or a UserError naming the nearest id and all of them."""
    from .validate import did_you_mean

    company = ws.companies.get(company_id)
    if company is None:
        known = ", ".join(ws.companies) or "none yet"
        raise UserError(f"no company '{company_id}'{did_you_mean(company_id, ws.companies)}; the companies are: {known}")
    return company
