"""Built-in question banks, shipped inside the package as ``deck_builder.banks``.

Each ``NAME.yaml`` here is a bank that ``deck.yaml`` can include with ``banks: [NAME]``.
"""
