"""Hugging Face-ready records: one per document, ``tokens`` with ``ner_tags`` as BIO ids.

Each record is ``{"id", "external_id", "tokens", "token_starts", "ner_tags", "ner_tag_names"}``
(plus ``split`` and ``release`` when the export has them). ``ner_tags[i]`` is an index into
``ner_tag_names``, which is the same in every record of an export: ``O`` is 0, then ``B-X`` and
``I-X`` for each entity label of the project, in the project's order (as the Hugging Face
``conll2003`` dataset numbers its tags). The names ride in every record so that the file alone
says what the ids mean: ``datasets.load_dataset("json", data_files=...)`` loads it as it is,
and ``ClassLabel(names=ds[0]["ner_tag_names"])`` turns the ids into a class feature.
``token_starts`` are the tokens' code-point offsets in the document's text, so every tag can be
placed back exactly. Tokens and entities left out are the ``conll`` export's (``tokens``).
``parquet`` writes these same records; ``jsonl`` writes them one a line (this module).

A project with document labels adds ``document_labels``: the names of the labels given, in
the project's order (every group's, as one list: a multi-label classification target).
Relations, attributes, claims and sentence labels have no place in token tags: the jsonl
export carries them.
"""

from collections.abc import Generator, Iterable, Iterator
from typing import Any

import orjson

from annotations.exports.base import ExportOptions, ExportReport
from annotations.exports.tokens import bio_tags, pipeline

PIPE_BATCH = 64
PROVENANCE_KEYS = ("split", "release")


def tag_names(options: ExportOptions) -> list[str]:
    """``O``, then ``B-`` and ``I-`` of each entity label of the project, in order."""
    names = ["O"]
    for label in options.names_of("entity"):
        names += [f"B-{label}", f"I-{label}"]
    return names


def records(
    rows: Iterable[dict[str, Any]], report: ExportReport, options: ExportOptions
) -> Iterator[dict[str, Any]]:
    """Yield one Hugging Face record per row."""
    names = tag_names(options)
    ids = {name: index for index, name in enumerate(names)}
    nlp = pipeline()
    pairs = ((row["text"], row) for row in rows)
    for doc, row in nlp.pipe(pairs, as_tuples=True, batch_size=PIPE_BATCH):
        tags = bio_tags(row, doc, report)
        tokens = [token for token in doc if not token.is_space]
        record = {
            "id": row["id"],
            "external_id": row["external_id"],
            "tokens": [token.text for token in tokens],
            "token_starts": [token.idx for token in tokens],
            "ner_tags": [ids[tags[token.i]] for token in tokens],
            "ner_tag_names": names,
        }
        if options.groups:
            given = row.get("document_labels") or {}
            record["document_labels"] = [name for names in given.values() for name in names]
        for key in PROVENANCE_KEYS:
            if key in row:
                record[key] = row[key]
        yield record


def render(
    rows: Iterable[dict[str, Any]], report: ExportReport, options: ExportOptions
) -> Generator[bytes, None, None]:
    """Yield one record a line, as JSON."""
    for record in records(rows, report, options):
        yield orjson.dumps(record) + b"\n"
