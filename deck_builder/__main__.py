"""python -m deck_builder: the same as the deck-builder command."""

from deck_builder.interrupts import run

if __name__ == "__main__":
    run()
