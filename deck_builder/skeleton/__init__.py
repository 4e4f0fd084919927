"""The commented starter workspace that ``deck-builder init`` copies."""
