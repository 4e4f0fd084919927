"""deck-builder: compile interview preparation into an Anki deck that survives rebuilds."""

__version__ = "0.1.0"
