"""deck-builder init: copy the commented starter workspace into a folder, never overwriting."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .problems import UserError


def skeleton_files() -> dict[str, object]:
    """Relative path -> packaged file, for every file of the starter workspace."""
    out = {}

    def walk(node, prefix: str) -> None:
        for entry in node.iterdir():
            if entry.name.startswith(("__", ".")) and entry.name != ".deck-builder":
                continue  # .deck-builder/schemas: the editor schemas, so the files' first lines work
            rel = f"{prefix}{entry.name}"
            if entry.is_dir():
                walk(entry, rel + "/")
            else:
                out[rel] = entry

    walk(resources.files("deck_builder.skeleton"), "")
    return dict(sorted(out.items()))


def init_workspace(folder: str) -> list[str]:
    """FOLDER -> the files written; refuses (writing nothing) if any of them already exists."""
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise UserError(f"'{folder}' is a file; give a folder for the new workspace")
    files = skeleton_files()
    ours = {rel for rel in files if rel.startswith(".deck-builder/")}  # the editor schemas: replaced, not clashes
    clashes = [rel for rel in files if rel not in ours and (root / rel).exists()]
    if clashes:
        raise UserError(
            f"'{folder}' already has {', '.join(clashes)}; nothing was written "
            "(init never overwrites: choose a new folder or move those files away)"
        )
    written = []
    try:
        for rel, entry in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb" if rel in ours else "xb") as fh:  # "x": fail rather than overwrite, even in a race
                fh.write(entry.read_bytes())
            written.append(rel)
    except OSError as exc:
        raise UserError(f"cannot write {exc.filename}: {exc.strerror}") from None
    return written
