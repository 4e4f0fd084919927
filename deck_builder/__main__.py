"""python -m deck_builder: the same as the deck-builder command."""

try:
    from deck_builder.cli import main
except BaseException as exc:  # Ctrl-C while Python is still importing: nothing has been done yet
    import sys

    if not isinstance(exc, KeyboardInterrupt) and not isinstance(exc.__cause__, KeyboardInterrupt):
        raise
    print("\nInterrupted while starting; nothing was changed.", file=sys.stderr)
    raise SystemExit(130) from None

main()
