"""The cards: the model's items become notes, with their text rendered for Anki.

The second stage. `derive` turns each question, story, fact and person into a `NoteSpec`
(a GUID from the item's identity, never its text), `render` turns Markdown into the HTML a
card shows (escaped, with cloze markup kept), and `notetypes` holds the note types, their
templates and `card.css`. Plain functions of their inputs; a warm build passes a
`render.Renderer` that remembers what it rendered.
"""
