"""Nothing lost to a renderer's limit (issue 18 point 5): text nested deeper than the parser
reads is an error on its line; anything less deep is on the card, with what follows it."""

from __future__ import annotations

from deck_builder.cards.render import Renderer


def _nested(levels: int) -> str:
    return "\n".join("  " * i + f"- level {i + 1}" for i in range(levels)) + "\n\nAfter the list."


def test_a_list_nested_ten_levels_keeps_every_level_and_what_follows():
    html = Renderer().block(_nested(10), {})
    assert "level 10" in html
    assert "After the list." in html


def test_a_list_nested_forty_levels_keeps_every_level_and_what_follows():
    html = Renderer().block(_nested(40), {})
    assert "level 40" in html
    assert "After the list." in html


def test_quotes_nested_forty_deep_keep_what_follows():
    html = Renderer().block("> " * 40 + "deep\n\nAfter the quote.", {})
    assert "After the quote." in html
