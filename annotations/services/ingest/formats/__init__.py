"""Other tools' formats, one module each, read into ``Record``s; pure like parsing.

- ``labelstudio``: Label Studio tasks (JSON export and task files) and JSON-MIN span lists.
- ``prodigy``: Prodigy / spaCy JSONL ``spans`` and ``answer``.
- ``conll``: CoNLL / IOB token-per-line files (IOB1, IOB2/BIO, BIOES/BILOU), text rebuilt.
- ``brat``: a .zip of brat standoff .txt/.ann pairs, read through a guarded archive.

Each reads what it can take into records and says, as warnings of the record (the line),
what it cannot: nothing is dropped without a word.
"""
