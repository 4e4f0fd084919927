from deck_builder.cli import main

main()
