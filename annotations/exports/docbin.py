"""spaCy's binary training format: a ``.spacy`` DocBin, loaded with ``DocBin().from_disk()``.

Each row becomes a Doc tokenised by ``tokens.pipeline()`` (so its tokens are the conll
export's), its entities set with ``char_span(..., alignment_mode="strict")``, its claims in
the span group ``doc.spans["claims"]`` (span groups may overlap), and in ``doc.user_data``
the document's ``id``, ``external_id``, ``meta``, ``annotators``/``annotator``,
``reviewed_by``, ``split`` and ``release`` (when the export has them) and ``export_warnings``.
An entity that does not align to token boundaries, or overlaps one already placed, is left out
and reported (in the report and in ``export_warnings``). A DocBin is one compressed blob: it is
built in memory and leaves in one piece, unlike the line-based formats, which stream.
"""

from collections.abc import Generator, Iterable
from typing import Any

from annotations.exports.base import ExportOptions, ExportReport
from annotations.exports.tokens import misaligned, pipeline, place_entities

PIPE_BATCH = 64
USER_DATA_KEYS = (
    "id",
    "external_id",
    "meta",
    "annotators",
    "annotator",
    "reviewed_by",
    "split",
    "release",
)


def render(
    rows: Iterable[dict[str, Any]], report: ExportReport, options: ExportOptions
) -> Generator[bytes, None, None]:
    """Yield the DocBin of every row, as bytes, once all rows are in."""
    from spacy.tokens import DocBin

    nlp = pipeline()
    docs = DocBin(store_user_data=True)
    pairs = ((row["text"], row) for row in rows)
    for doc, row in nlp.pipe(pairs, as_tuples=True, batch_size=PIPE_BATCH):
        placed, problems = place_entities(row, doc)
        doc.ents = [_char_span(doc, entity) for _, _, entity in placed]
        claims = []
        for claim in row["claims"]:
            span = _char_span(doc, claim)
            if span is None:
                problems.append(misaligned(row, claim, doc))
            else:
                claims.append(span)
        doc.spans["claims"] = claims
        for message in problems:
            report.warn(message)
        for key in USER_DATA_KEYS:
            if key in row:
                doc.user_data[key] = row[key]
        doc.user_data["export_warnings"] = problems
        docs.add(doc)
    yield docs.to_bytes()


def _char_span(doc: Any, span: dict[str, Any]) -> Any:
    return doc.char_span(span["start"], span["end"], label=span["label"], alignment_mode="strict")
