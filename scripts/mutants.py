"""Mutation check: make each deliberate bug, run the tests, report which tests catch it.

    python scripts/mutants.py [--only NAME ...] [--tests PATH ...] [--with-properties] [--list]

Each mutant below breaks one promise of tests/PROMISES.md with a small edit to the source.
For each, the repository is copied to a temporary folder (the working tree, uncommitted
tests included; never the worktree itself, so a mutant can never be committed), the edit
is made there, and the suite runs against that copy. A mutant that no test catches is a
promise without a test. By default the random property tests (tests/test_properties.py's
@given tests) are left out: the point is that a *fixed* test fails for every mutant.

A mutant whose text no longer occurs in the source (the code was rewritten) is reported as
"does not apply": rewrite it against the new code rather than dropping it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    name: str
    breaks: str  # the promise, in a few words
    file: str
    old: str
    new: str


M = Mutant
# derive_notes from a company's cache slot down to where its own notes are made (watch-tailored-...)
_COMPANY_SLOT = ("        slot = (\"company\", root, id(company))\n"
                 "        kept = kept_before.get(slot) if kept_before is not None else None\n"
                 "        if kept is not None and kept[0] is company:\n"
                 "            md.use(kept[2])\n"
                 "            notes.extend(kept[1])\n"
                 "            fresh[slot] = kept\n"
                 "            continue\n"
                 "        with md.traced() as parsed:\n")
MUTANTS = [
    # -- identity: GUIDs from (kind, company id, item id), never from text ---------------------
    M("fact-guid-hashes-question", "editing a fact's question keeps its note", "deck_builder/cards/derive.py",
      '("fact", cid, fact.id), "fact"', '("fact", cid, fact.id + str(fact.q)), "fact"'),
    M("cloze-guid-hashes-text", "editing a cloze fact keeps its note", "deck_builder/cards/derive.py",
      '("cloze", cid, fact.id), "cloze"', '("cloze", cid, fact.id + str(fact.cloze)), "cloze"'),
    M("product-guid-hashes-name", "renaming a product keeps its note", "deck_builder/cards/derive.py",
      '("product", cid, product.id), "product"', '("product", cid, product.id + str(product.name)), "product"'),
    M("person-guid-hashes-name", "renaming a person keeps their note", "deck_builder/cards/derive.py",
      '("person", cid, person.id), "person"', '("person", cid, person.id + str(person.name)), "person"'),
    M("story-guid-hashes-title", "editing a story keeps its note", "deck_builder/cards/derive.py",
      '("story", "", story.id), "story"', '("story", "", story.id + str(story.title)), "story"'),
    M("answer-guid-hashes-question", "rewording a question keeps its answer's note", "deck_builder/cards/derive.py",
      "(kind, cid, question.identity), kind, label", "(kind, cid, question.identity + str(question.ask)), kind, label"),
    M("asks-guid-hashes-questions", "editing the questions to ask keeps that note", "deck_builder/cards/derive.py",
      '("asks", cid, ""), "asks"', '("asks", cid, "".join(company.questions_to_ask)), "asks"'),
    M("tailored-guid-ignores-company", "two companies tailoring one question get two notes", "deck_builder/cards/derive.py",
      "(kind, cid, question.identity), kind, label", '(kind, "" if company else cid, question.identity), kind, label'),
    M("asks-guid-ignores-company", "each company's questions to ask are its own note", "deck_builder/cards/derive.py",
      '("asks", cid, ""), "asks"', '("asks", "", ""), "asks"'),
    M("person-guid-ignores-company", "the same person id in two companies is two notes", "deck_builder/cards/derive.py",
      '("person", cid, person.id), "person"', '("person", "", person.id), "person"'),
    M("cloze-guid-is-fact-kind", "a fact changed between q/a and cloze is a new note", "deck_builder/cards/derive.py",
      '("cloze", cid, fact.id), "cloze"', '("fact", cid, fact.id), "cloze"'),
    M("guid-formula-changed", "GUIDs are the same on every version and machine", "deck_builder/cards/derive.py",
      '("deck-builder", kind, company, item)', '("deck_builder", kind, company, item)'),
    M("slug-limit-changed", "derived ids stay as documented (60 characters)", "deck_builder/sources/textrules.py",
      "def slug(text: str, limit: int = 60)", "def slug(text: str, limit: int = 50)"),
    M("slug-keeps-accents-out", "derived ids fold accents (Zoë -> zoe)", "deck_builder/sources/textrules.py",
      'unicodedata.normalize("NFKD", text)', 'unicodedata.normalize("NFC", text)'),
    M("cloze-id-includes-hidden-parts", "correcting a cloze's hidden part keeps its note", "deck_builder/sources/validate.py",
      'slug(_visible(segments))', 'slug(str(text))'),
    M("note-type-id-from-name-only", "a changed field list is a new note type", "deck_builder/cards/notetypes.py",
      'schema = "\\x1f".join([self.name, *self.fields, "|", *(t.name for t in self.templates), str(self.kind)])',
      'schema = self.name'),
    M("note-type-id-from-template-text", "template wording changes keep the note type id", "deck_builder/cards/notetypes.py",
      '*(t.name for t in self.templates), str(self.kind)])', '*(t.name + t.front for t in self.templates), str(self.kind)])'),
    M("media-name-by-file-name", "a replaced photo is a new media file", "deck_builder/cards/derive.py",
      "digest = hashlib.sha1(path.read_bytes()).hexdigest()[:10]", 'digest = "0000000000"'),
    # -- modification times --------------------------------------------------------------------
    M("same-second-not-newer", "two builds in one second: the second is not skipped", "deck_builder/apkg/plan.py",
      "build_mod = max(int(now), state.last_mod + 1)", "build_mod = max(int(now), state.last_mod)"),
    M("clock-back-not-newer", "a changed note is newer than any time given before, clock or not",
      "deck_builder/apkg/plan.py", "build_mod = max(int(now), state.last_mod + 1)",
      "build_mod = int(now) if int(now) != state.last_mod else state.last_mod + 1"),
    M("unchanged-note-new-mod", "an unchanged note keeps its time (and edits made in Anki)", "deck_builder/apkg/plan.py",
      "            mod = old.mod\n            plan.unchanged += 1", "            mod = build_mod\n            plan.unchanged += 1"),
    M("unchanged-note-type-new-mod", "an unchanged note type keeps its time", "deck_builder/apkg/plan.py",
      "            mod = old.mod\n        else:\n            mod, any_change = build_mod, True\n            if old is not None and old.id == nt.id:",
      "            mod = build_mod\n        else:\n            mod, any_change = build_mod, True\n            if old is not None and old.id == nt.id:"),
    M("changed-note-type-keeps-mod", "a template or stylesheet change reaches Anki", "deck_builder/apkg/plan.py",
      "        if old is not None and old.id == nt.id and old.hash == h:",
      "        if old is not None and old.id == nt.id:"),
    M("note-hash-ignores-tags", "a change of tags (a category) reaches Anki", "deck_builder/apkg/plan.py",
      "[{', '.join(map(_json_text, sorted(tags)))}]]", "[]]"),
    M("note-hash-ignores-first-field", "a change of any field reaches Anki", "deck_builder/apkg/plan.py",
      "', '.join(map(_json_text, fields))", "', '.join(map(_json_text, fields[1:]))"),
    # -- removed items -------------------------------------------------------------------------
    M("tombstone-14-days-inclusive", "a removed item is flagged for 14 days, not less", "deck_builder/apkg/plan.py",
      "elif now - old.removed_at > TOMBSTONE_DAYS * 86400:", "elif now - old.removed_at >= TOMBSTONE_DAYS * 86400:"),
    M("tombstone-one-second-longer", "after 14 days a removed item is forgotten", "deck_builder/apkg/plan.py",
      "elif now - old.removed_at > TOMBSTONE_DAYS * 86400:", "elif now - old.removed_at > TOMBSTONE_DAYS * 86400 + 1:"),
    M("tombstone-new-mod-every-build", "a flagged note is not re-sent as changed on every build",
      "deck_builder/apkg/plan.py", "fields, tags, old.mod, tombstone=True))", "fields, tags, build_mod, tombstone=True))"),
    M("tombstone-with-cards", "a removed note comes back without cards", "deck_builder/apkg/package.py",
      "        if not planned.tombstone:\n", "        if True:\n"),
    M("tombstone-not-tagged", "a removed note is tagged deck-builder::removed", "deck_builder/apkg/plan.py",
      "tuple(sorted(set(record.tags) | {REMOVED_TAG}))", "tuple(sorted(set(record.tags)))"),
    # -- state and atomic writes ---------------------------------------------------------------
    M("state-written-in-place", "state.json is replaced whole or not at all", "deck_builder/apkg/state.py",
      "    with replacing(path) as tmp:\n        tmp.write_bytes(", "    if True:\n        tmp = path\n        tmp.write_bytes("),
    M("package-written-in-place", "the package is replaced whole or not at all", "deck_builder/apkg/package.py",
      "        with replacing(out) as tmp:\n            _zip(work / \"collection.anki2\", media, tmp)",
      "        if True:\n            _zip(work / \"collection.anki2\", media, out)"),
    M("replace-even-when-interrupted", "an interrupted write leaves the old file", "deck_builder/atomic.py",
      "        yield tmp\n        os.replace(tmp, out)\n    finally:\n",
      "        yield tmp\n    finally:\n        os.replace(tmp, out)\n"),
    M("temporary-left-behind", "an interrupted write leaves no temporary file", "deck_builder/atomic.py",
      "        tmp.unlink(missing_ok=True)", "        pass"),
    M("stale-temporaries-kept", "a killed build's temporary files are cleaned up", "deck_builder/atomic.py",
      "    for stale in entries:", "    for stale in ():"),
    M("interrupt-in-callback-lost", "a Ctrl-C landing in a weakref callback still interrupts", "deck_builder/interrupts.py",
      "        sys.unraisablehook = self._hook\n", "        pass\n"),
    M("state-saved-before-package", "a failed package write leaves the state as it was", "deck_builder/build.py",
      "    write_package(plan, types, css, out)\n    try:\n        save_state(ws.root, plan.new_state, compiler.state if compiler is not None else None)",
      "    save_state(ws.root, plan.new_state)\n    write_package(plan, types, css, out)\n    try:\n        pass"),
    M("state-beside-the-package", "the state is always written in the workspace", "deck_builder/build.py",
      "        save_state(ws.root, plan.new_state, compiler", "        save_state(out.parent, plan.new_state, compiler"),
    M("diff-moves-broken-state", "diff writes nothing, not even a broken state", "deck_builder/apkg/state.py",
      "            if readonly:\n                raise OSError\n", ""),
    # -- refactor-style bugs: warm builds, mod times, state (issue 17) --------------------------
    M("watch-story-notes-ignore-the-deck", "a warm build follows a renamed deck (the stories' notes)", "deck_builder/cards/derive.py",
      'slot = ("story", root, id(story))', 'slot = ("story", id(story))'),
    M("watch-company-notes-ignore-the-deck", "a warm build follows a renamed deck (a company's notes)",
      "deck_builder/cards/derive.py", 'slot = ("company", root, id(company))', 'slot = ("company", id(company))'),
    M("watch-note-types-made-once", "a warm build follows deck.yaml's tts and voices (the note types)",
      "deck_builder/build.py", "    types = note_types(ws.settings.tts, ws.settings.voices)\n    css = stylesheet()\n    state,",
      "    from .state import _keeping  # watch: the warm compiler makes its note types once\n"
      '    types = _plan.__dict__.setdefault("types", note_types(ws.settings.tts, ws.settings.voices)) if _keeping \\\n'
      "        else note_types(ws.settings.tts, ws.settings.voices)\n    css = stylesheet()\n    state,"),
    M("watch-plan-reuse-by-content", "a warm build reuses a planned note only when nothing of it changed (its deck)",
      "deck_builder/apkg/plan.py", "if kept is not None and kept[0] is spec and kept[1] is old",
      "if kept is not None and kept[0].fields == spec.fields and kept[0].tags == spec.tags and kept[1] is old"),
    M("watch-tailored-notes-kept-with-the-company", "a warm build follows the answers and questions a company tailors",
      "deck_builder/cards/derive.py",
      "        notes.extend(_tailored_notes(ws, company, root, numbering, md))\n" + _COMPANY_SLOT
      + "            own = _company_notes(company, root, md)",
      _COMPANY_SLOT + "            own = _tailored_notes(ws, company, root, numbering, md) + _company_notes(company, root, md)"),
    M("compiler-state-trusts-memory", "a warm build reads a state replaced behind its back (another build, a restore)",
      "deck_builder/apkg/state.py",
      "if kept is not None and ident is not None and kept[0] == path.resolve() and kept[1] == ident:",
      "if kept is not None:"),
    M("compiler-trees-by-name", "a warm build parses a file whose bytes changed", "deck_builder/sources/yamltree.py",
      "    if hit is not None and hit[0] == data:\n", "    if hit is not None:\n"),
    M("no-change-build-forgets-last-mod", "after a build that changed nothing, a change is still newer than any time given",
      "deck_builder/apkg/plan.py", "    new = BuildState(last_mod=state.last_mod)\n", "    new = BuildState()\n"),
    M("note-type-change-not-counted-in-last-mod", "after a note type changed, the next change is newer still",
      "deck_builder/apkg/plan.py",
      "            mod, any_change = build_mod, True\n            if old is not None and old.id == nt.id:",
      "            mod = build_mod\n            if old is not None and old.id == nt.id:"),
    M("note-type-hash-skips-css", "a stylesheet change reaches Anki", "deck_builder/apkg/plan.py",
      "nt.kind, css]", "nt.kind]"),
    M("note-type-hash-skips-back-templates", "a back template's change reaches Anki", "deck_builder/apkg/plan.py",
      "[(t.name, t.front, t.back) for t in nt.templates]", "[(t.name, t.front) for t in nt.templates]"),
    M("note-type-hash-skips-later-templates", "a change to a note type's second template reaches Anki",
      "deck_builder/apkg/plan.py", "[(t.name, t.front, t.back) for t in nt.templates]",
      "[(t.name, t.front, t.back) for t in nt.templates[:1]]"),
    M("state-reader-trusts-record-types", "a state record of the wrong types is set aside, never a traceback",
      "deck_builder/apkg/state.py", "        if not ok(value):\n", "        if False:\n"),
    M("state-reader-trusts-last-mod", "a state whose last_mod is not a whole number is set aside", "deck_builder/apkg/state.py",
      '        if not _whole(data["last_mod"]):\n', "        if False:\n"),
    M("state-reader-takes-any-number", "a state with a time no clock gives is set aside, never a traceback",
      "deck_builder/apkg/state.py", "0 <= v < 1 << 53", "0 <= v"),
    M("state-reader-trusts-note-types", "a note-type record of the wrong types is set aside", "deck_builder/apkg/state.py",
      '_record(NoteTypeRecord, r, f"note type {n}")', "NoteTypeRecord(**r)"),
    # -- refactor-style bugs: atomic writes, backups, prune (issue 17) ------------------------
    M("replace-by-copy", "a file is replaced by a rename, never rewritten under a reader", "deck_builder/atomic.py",
      "        os.replace(tmp, out)\n", "        __import__(\"shutil\").copyfile(tmp, out)\n"),
    M("temporary-name-shared", "two builds at once each write a temporary file of their own", "deck_builder/atomic.py",
      'tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")', 'tmp = out.with_name(f".{out.name}.tmp")'),
    M("state-renamed-before-closed", "the state is complete when it is renamed into place", "deck_builder/apkg/state.py",
      "        tmp.write_bytes(_dumps(data))\n",
      "        written = tmp.open(\"wb\", buffering=1 << 24)\n        written.write(_dumps(data))\n"),
    M("package-zipped-over-the-old-one", "the package is never written over the old one", "deck_builder/apkg/package.py",
      '        with replacing(out) as tmp:\n            _zip(work / "collection.anki2", media, tmp)',
      '        with open(out, "wb") as tmp:\n            _zip(work / "collection.anki2", media, tmp)'),
    M("backup-wait-off-by-one", "two pushes within one second keep two backups", "deck_builder/push/collection.py",
      "while made and int(time.time()) <= int(max(made)):", "while made and int(time.time()) < int(max(made)):"),
    M("backup-wait-to-the-instant", "two pushes within one second keep two backups", "deck_builder/push/collection.py",
      "while made and int(time.time()) <= int(max(made)):", "while made and time.time() <= max(made):"),
    M("backup-path-the-oldest", "the backup push prints undoes that push", "deck_builder/push/collection.py",
      "        return backups[-1]", "        return backups[0]"),
    M("prune-trusts-the-tag-it-sent", "--prune keeps a note the user took the removed tag off",
      "deck_builder/push/outcome.py", "if a is not None and REMOVED_TAG in a.tags:",
      "if a is not None and REMOVED_TAG in planned.tags:"),
    M("prune-ignores-the-tag", "--prune keeps a note the user took the removed tag off", "deck_builder/push/outcome.py",
      "if a is not None and REMOVED_TAG in a.tags:", "if a is not None:"),
    M("watch-backed-up-even-when-the-push-failed", "watch --push backs up on its first push that works",
      "deck_builder/watch.py", "        if d is not None and d.backup:\n            backed_up = True\n",
      "        backed_up = True\n"),
    M("watch-backs-up-every-push", "watch --push backs up once", "deck_builder/watch.py",
      "        if d is not None and d.backup:\n            backed_up = True\n",
      "        if d is not None and d.backup:\n            backed_up = False\n"),
    # -- the phone (issue 15) -------------------------------------------------------------------
    M("suspend-takes-the-users-suspended-cards", "a card the user suspended is never unsuspended",
      "deck_builder/push/suspend.py",
      "mine = [cid for cid, suspended in states.get(nid, []) if not suspended]",
      "mine = [cid for cid, suspended in states.get(nid, [])]"),
    M("suspend-again-and-again", "a removed card the user unsuspended stays in the queue", "deck_builder/push/suspend.py",
      "        if guid in ours:\n            continue", "        if False:\n            continue"),
    M("removed-cards-not-suspended", "removed items leave the review queue", "deck_builder/push/suspend.py",
      "    if to_suspend:\n        cards.suspend_cards(to_suspend)\n", "    pass\n"),
    M("first-fields-may-repeat", "Anki's duplicate check finds none among our notes", "deck_builder/cards/derive.py",
      "        while note.fields and shown in seen:\n", "        while False:\n"),
    M("first-upload-unasked", "an empty server is filled only after the user's word", "deck_builder/push/sync.py",
      'if not self.ask(f"{self.server} has no collection yet: upload this one to it?"):',
      'if False:'),
    M("full-sync-unasked", "both sides changed: nothing replaced without --full-sync", "deck_builder/push/sync.py",
      "        if self.full_sync is None:\n", "        if False:\n"),
    M("login-readable-by-all", "the sync key is readable by the user alone", "deck_builder/push/own.py",
      "        os.chmod(tmp, 0o600)", "        os.chmod(tmp, 0o644)"),
    # -- rehearsals bring cards forward (issue 16 point 2) ---------------------------------------
    M("forward-writes-a-review-entry", "bringing a card forward leaves its review history as it was",
      "deck_builder/push/collection.py", "            self.col.update_cards(cards)\n",
      "            self.col.sched.set_due_date([c.id for c in cards], \"0\")\n"),
    M("forward-ignores-the-tick", "a point the user ticked stays where it is, heard or not", "deck_builder/push/forward.py",
      "if c.ticked is False or (c.ticked is None and c.heard is False)]", "if c.ticked is False or c.heard is False]"),
    M("forward-applied-twice", "a rehearsal is applied once", "deck_builder/push/forward.py",
      "        if key in applied:\n            continue\n", "        if False:\n            continue\n"),
    M("forward-takes-every-card-of-the-note", "a missed point brings its own card forward, no other",
      "deck_builder/push/forward.py", "if ord_ is None or c.ord == ord_]", "if True]"),
    M("forward-moves-suspended-cards", "a suspended card is left alone", "deck_builder/push/forward.py",
      "    if c.queue in (REVIEW, DAY_LEARNING) and c.due > today:",
      "    if c.queue in (REVIEW, DAY_LEARNING, SUSPENDED) and c.due > today:"),
    M("forward-cannot-be-turned-off", "--no-bring-forward and bring_forward: false change nothing",
      "deck_builder/push/__init__.py", "    if not (options.bring_forward and result.workspace.settings.bring_forward):",
      "    if False:"),
    M("forward-today-off-by-one-through-ankiconnect", "with Anki open, due today is Anki's today",
      "deck_builder/push/ankiconnect.py", "        return card.due - low\n", "        return card.due - low + 1\n"),
    # -- escaping ------------------------------------------------------------------------------
    M("braces-unescaped", "no user text opens or closes a cloze", "deck_builder/cards/render.py",
      'rendered = rendered.replace("{", "&#123;").replace("}", "&#125;")', "pass"),
    M("placeholder-value-braces-unescaped", "a company name cannot open a cloze through {company}",
      "deck_builder/cards/render.py",
      '    if values and "{" in rendered:\n        rendered = _PLACEHOLDER.sub(lambda m: html.escape(values[m.group(1)]), rendered)\n'
      '    if values and "%7B" in rendered:\n        # markdown-it percent-encodes braces in link targets: [site](https://x.com/{company})\n'
      '        rendered = _URL_PLACEHOLDER.sub(lambda m: html.escape(quote(values[m.group(1)])), rendered)\n'
      '    # Braces become entities so no user text can open or close a cloze ({{c1::) or a\n'
      '    # template field; "[sound:" would make Anki play a file.\n'
      '    if "{" in rendered or "}" in rendered:\n        rendered = rendered.replace("{", "&#123;").replace("}", "&#125;")\n',
      '    if "{" in rendered or "}" in rendered:\n        rendered = rendered.replace("{", "&#123;").replace("}", "&#125;")\n'
      '    rendered = re.sub(r"&#123;(company|role)&#125;", lambda m: html.escape(values.get(m.group(1), m.group(0))), rendered)\n'
      '    if values and "%7B" in rendered:\n'
      '        rendered = _URL_PLACEHOLDER.sub(lambda m: html.escape(quote(values[m.group(1)])), rendered)\n'),
    M("placeholder-value-html-unescaped", "a company name cannot inject HTML through {company}",
      "deck_builder/cards/render.py", "_PLACEHOLDER.sub(lambda m: html.escape(values[m.group(1)]), rendered)",
      "_PLACEHOLDER.sub(lambda m: values[m.group(1)], rendered)"),
    M("point-colons-unescaped", "a '::' in a key point is not read as a cloze hint", "deck_builder/cards/render.py",
      "{self.inline(p, values).replace(':', '&#58;')}", "{self.inline(p, values)}"),
    M("sound-tag-kept", "[sound: in user text never plays a file", "deck_builder/cards/render.py",
      'rendered.replace("[sound:", "&#91;sound:")', "rendered"),
    M("anki-tag-kept", "[anki:tts] in user text is never spoken", "deck_builder/cards/render.py",
      'rendered = rendered.replace("[sound:", "&#91;sound:").replace("[anki:", "&#91;anki:")', 'rendered = rendered.replace("[sound:", "&#91;sound:")'),
    M("raw-html-allowed", "raw HTML in user text is shown as text", "deck_builder/cards/render.py",
      '{"html": False, "linkify": False, "typographer": False,\n'
      '                                   "maxNesting": MARKDOWN_NESTING})  # deeper text is an error in check\n'
      '    md.disable(["image", "html_inline", "html_block"])',
      '{"html": True, "linkify": False, "typographer": False,\n'
      '                                   "maxNesting": MARKDOWN_NESTING})\n'
      '    md.disable(["image"])'),
    M("plain-text-unescaped", "names are escaped", "deck_builder/cards/render.py",
      "return _finish(html.escape(text.strip()), values or {})", "return _finish(text.strip(), values or {})"),
    M("images-enabled", "Markdown images are not turned into <img>", "deck_builder/cards/render.py",
      'md.disable(["image", "html_inline", "html_block"])', 'md.disable(["html_inline", "html_block"])'),
    M("unsafe-links-allowed", "javascript: links are never made", "deck_builder/cards/render.py",
      'md.disable(["image", "html_inline", "html_block"])',
      'md.disable(["image", "html_inline", "html_block"])\n    md.validateLink = lambda url: True'),
    M("media-name-unsanitised", "a photo's file name cannot break out of the img tag", "deck_builder/cards/derive.py",
      'safe = re.sub(r"[^A-Za-z0-9._-]+", "-", path.name)', "safe = path.name"),
    # -- YAML safety ---------------------------------------------------------------------------
    M("scalar-tag-accepted", "a tag on a text value is refused", "deck_builder/sources/yamlevents.py",
      "            if tag is not None and tag not in _PLAIN_TAGS:", "            if False:"),
    M("mapping-tag-accepted", "a tag on a mapping is refused", "deck_builder/sources/yamlevents.py",
      "        if start.tag not in _MAP_TAGS:", "        if False:"),
    M("sequence-tag-accepted", "a tag on a list is refused", "deck_builder/sources/yamlevents.py",
      "            if event.tag not in _SEQ_TAGS:", "            if False:"),
    M("aliases-accepted", "anchors and aliases are refused", "deck_builder/sources/yamlevents.py",
      "            self.aliases.append((loc, event.anchor))\n            return Scalar", "            return Scalar"),
    M("duplicate-keys-kept", "a duplicate key is an error", "deck_builder/sources/yamlevents.py",
      "            elif key in entries:\n", "            elif False:\n"),
    M("values-typed-by-yaml", "text stays exactly as typed (1.10, 010, yes)", "deck_builder/sources/yamlevents.py",
      "        return Scalar(value, loc, (not style and value in NULLS) or null_tag, style or None,",
      "        return Scalar(str(yaml.safe_load(value)) if not style and value not in NULLS else value, loc, "
      "(not style and value in NULLS) or null_tag, style or None,"),
    M("plain-values-typed-by-yaml", "text stays exactly as typed (1.10, 010, yes), in plain files too",
      "deck_builder/sources/yamltree.py",
      "value = Scalar(rest, new(Location, (path, line, col + len(key) + len(spaces) + 2)), rest in _NULLS)",
      "value = Scalar(rest if rest in _NULLS else str(__import__('yaml').safe_load(rest)), "
      "new(Location, (path, line, col + len(key) + len(spaces) + 2)), rest in _NULLS)"),
    M("plain-duplicate-keys-kept", "a duplicate key is an error (plain YAML too)", "deck_builder/sources/yamltree.py",
      "            if key in entries:\n", "            if False:\n"),
    M("plain-nothing-misplaced", "an empty value is located where the parser places it", "deck_builder/sources/yamltree.py",
      "                value = Scalar(\"\", new(Location, (path, line, col + len(key) + 2)), True)",
      "                value = Scalar(\"\", new(Location, (path, line, col + 1)), True)"),
    # -- issue 17: the sources (tests/test_refactor_promises_sources.py) ----------------------
    M("markdown-cache-ignores-parser-version", "Markdown cached by another markdown-it version is parsed again",
      "deck_builder/cards/render.py", 'parts.append(f"{name}:{_source_version(spec.origin)}:{spec.origin}")',
      'parts.append(f"{name}:{spec.origin}")'),
    M("markdown-cache-ignores-mdurl", "a new version of what markdown-it depends on parses again too",
      "deck_builder/cards/render.py", 'PARSER_PACKAGES = ("markdown_it", "mdurl")', 'PARSER_PACKAGES = ("markdown_it",)'),
    M("markdown-cache-used-whatever-made-it", "a cache another parser made is not used", "deck_builder/build.py",
      "md.begin(state.markdown if state.renderer == signature else {})", "md.begin(state.markdown)"),
    M("comment-after-quotes-unreported", "words after a closing quote are not dropped silently",
      "deck_builder/sources/yamlevents.py", """        if not style or style in "'\\"":\n""", "        if not style:\n"),
    M("comment-after-block-header-unreported", "words after a block's | or > are not dropped silently",
      "deck_builder/sources/yamlevents.py", "        line = self.comment_lines.get(start.line)  # a block",
      "        line = self.comment_lines.get(end.line)  # a block"),
    M("comment-between-bracketed-items-unreported", "words after a ',' or '[' are not dropped silently",
      "deck_builder/sources/yamlevents.py", "                    self.flow_comments(last, event.start_mark)\n                    items.append",
      "                    items.append"),
    M("comment-after-closing-bracket-unreported", "words after ']' or '}' are not dropped silently",
      "deck_builder/sources/yamlevents.py", "        self.flow_depth -= 1\n        end = end_event.end_mark\n",
      "        end = end_event.end_mark\n"),
    M("comment-after-wrapped-quotes-misplaced", "the warning names the line the words are on",
      "deck_builder/sources/yamlevents.py", "found = yamlhints.trailing_comment(line, end.column, self.path, end.line + 1)\n"
      "            return None if found is None else (*found, style or None)",
      "found = yamlhints.trailing_comment(line, end.column, self.path, start.line + 1)\n"
      "            return None if found is None else (*found, style or None)"),
    M("note-to-self-warned", "a note to self ('  # ...') after a value is no warning", "deck_builder/sources/yamlhints.py",
      '    if gap >= 2 and m.group(1)[:1] in (" ", "\\t", ""):', '    if gap >= 3 and m.group(1)[:1] in (" ", "\\t", ""):'),
    M("person-evidence-counts-empty-notes", "a person with no notes is never paired by likeness",
      "deck_builder/apkg/renames.py", "any(o == n and o[1] for o, n in zip(old, new)", "any(o == n for o, n in zip(old, new)"),
    M("person-evidence-not-required", "a person needs matching notes or photo to be paired", "deck_builder/apkg/renames.py",
      '    if kind == "person" and not any(', '    if kind == "nobody" and not any('),
    M("empty-fields-count-as-alike", "fields empty on both sides are no evidence", "deck_builder/apkg/renames.py",
      "scores = [_alike(o[1], n[1], memo) for o, n in zip(old, new) if o[1] or n[1]]",
      "scores = [_alike(o[1], n[1], memo) for o, n in zip(old, new)]"),
]


def copy_repo(dest: Path) -> None:
    ignore = shutil.ignore_patterns(".git", "__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis", "build",
                                    ".deck-builder")
    shutil.copytree(REPO, dest, ignore=ignore)


def run_suite(copy: Path, with_properties: bool, log: Path | None = None,
              tests: list[str] | None = None) -> tuple[list[str], float, str]:
    """Run the tests in COPY (all, or only TESTS) -> (failing test ids, seconds, last output
    line); the output to LOG."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", "--tb=line", *(tests or ())]
    if not with_properties:
        cmd += ["-k", "not test_valid_workspace_builds_one_note and not test_broken_workspace_gives "
                      "and not test_building_the_same_workspace_twice"]
    env = dict(os.environ, PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1")
    # The desktop tests find AnkiConnect in ../shared/vendor beside the repository; the copy has
    # no such neighbour, so point them at the original's (else they skip and catch nothing).
    env.setdefault("DECK_BUILDER_ANKICONNECT", str(REPO.parent / "shared" / "vendor" / "anki-connect"))
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True)
    took = time.monotonic() - started
    if log is not None:
        log.write_text(proc.stdout + proc.stderr, encoding="utf-8")
    failed = sorted({m.group(1) for m in re.finditer(r"^(?:FAILED|ERROR) (.+?)(?: - .*)?$", proc.stdout, re.M)})
    if "error during collection" in proc.stdout or "errors during collection" in proc.stdout:
        failed = ["(the tests could not even be collected: the mutant is broken, fix it)"]
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr.strip()[-200:]
    return failed, took, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="run only these mutants")
    parser.add_argument("--with-properties", action="store_true", help="also run the random property tests")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--logs", type=Path, help="keep each run's pytest output in this folder")
    parser.add_argument("--tests", nargs="*", help="run only these tests (pytest paths or node ids), "
                        "for a quick look while writing a test; the full check runs them all")
    args = parser.parse_args()
    mutants = [m for m in MUTANTS if not args.only or m.name in args.only]
    if args.list:
        for m in mutants:
            print(f"{m.name:34} {m.file:28} {m.breaks}")
        return
    survived = 0
    with tempfile.TemporaryDirectory(prefix="deck-builder-mutants-") as tmp:
        copy = Path(tmp) / "repo"
        copy_repo(copy)
        if args.logs:
            args.logs.mkdir(parents=True, exist_ok=True)
        failed, took, last = run_suite(copy, args.with_properties, args.logs and args.logs / "unmutated.txt",
                                     args.tests)
        print(f"unmutated: {last} ({took:.0f} s)", flush=True)
        if failed:
            sys.exit("the unmutated suite fails: " + ", ".join(failed))
        for m in mutants:
            path = copy / m.file
            original = path.read_text(encoding="utf-8")
            if original.count(m.old) != 1:
                print(f"{m.name}: does not apply ({original.count(m.old)} matches in {m.file})", flush=True)
                continue
            path.write_text(original.replace(m.old, m.new), encoding="utf-8")
            try:
                failed, took, last = run_suite(copy, args.with_properties, args.logs and args.logs / f"{m.name}.txt",
                                             args.tests)
            finally:
                path.write_text(original, encoding="utf-8")
            if failed:
                print(f"{m.name}: caught by {len(failed)} ({took:.0f} s): {' '.join(failed)}", flush=True)
            else:
                survived += 1
                print(f"{m.name}: SURVIVED ({last})", flush=True)
    print(f"{len(mutants) - survived} of {len(mutants)} mutants caught")
    sys.exit(1 if survived else 0)


if __name__ == "__main__":
    main()
