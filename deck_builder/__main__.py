"""python -m deck_builder: the same as the deck-builder command."""

try:
    from deck_builder.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python is still starting: nothing has been done yet
    import sys

    print("\nInterrupted while starting; nothing was changed.", file=sys.stderr)
    raise SystemExit(130) from None

main()
