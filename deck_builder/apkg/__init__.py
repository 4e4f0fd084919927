"""The Anki package and the build state: what changed since the last build, and the file.

The third stage. `state` reads and writes `.deck-builder/state.json` (what the last build
sent: each note's hash and modification time), `plan` compares the new notes with it and
gives every changed note a time newer than any before (so Anki never skips it), flags
removed items, and `renames` spots an item or file the user renamed. `package` writes the
.apkg with genanki, through a temporary file and a rename.
"""
