"""doccano's sequence-labelling JSONL: ``{"text", "label": [[start, end, "LABEL"], ...]}``.

``label`` holds the entities and ``claims`` the claims, as triples of the same shape. They are
two lists because doccano's projects forbid overlapping spans by default and a claim usually
holds entities: a single list would lose every entity nested in a claim on import. doccano
imports the column named in its import dialog (``label`` by default) and keeps the other keys
as the example's metadata, so a default import brings the entities in and keeps the claims in
the metadata; an import with the label column set to ``claims`` (into a project for claims)
brings the claims in. Our own importer reads both lists. doccano has no claimant,
check-worthiness or stance. ``id``, ``external_id`` and ``meta`` ride along (and ``split`` and
``release`` when the export has them), so that importing the file back gives the same
documents.

A line whose annotation has relations also has them as doccano's relation extraction
projects write them: ``entities``, every span (entities, claims and sentences) as
``{"id", "label", "start_offset", "end_offset"}``, and ``relations``, each ``{"id",
"from_id", "to_id", "type"}`` naming those ids. A line with document labels has them in
``cats``, a list of label names, as doccano's intent detection projects write a document's
categories beside its spans (``label`` holds the spans, so the categories cannot go there as
doccano's text classification puts them). doccano has no attributes, no sentence units
(sentence labels are spans in ``entities`` only when the line has relations) and no label
groups: those stay in the jsonl export.
"""

from collections.abc import Generator, Iterable
from typing import Any

import orjson

PROVENANCE_KEYS = ("annotator", "split", "release")


def _triples(spans: Iterable[dict[str, Any]]) -> list[list[Any]]:
    return [list(triple) for triple in sorted((s["start"], s["end"], s["label"]) for s in spans)]


def render(
    rows: Iterable[dict[str, Any]], report: Any, options: Any
) -> Generator[bytes, None, None]:
    """Yield one doccano line per row, spans in text order."""
    for row in rows:
        line = {
            "id": row["id"],
            "text": row["text"],
            "label": _triples(row["entities"]),
            "claims": _triples(row["claims"]),
            "external_id": row["external_id"],
            "meta": row["meta"],
        }
        if row.get("relations"):
            line["entities"] = [
                {
                    "id": span["id"],
                    "label": span["label"],
                    "start_offset": span["start"],
                    "end_offset": span["end"],
                }
                for span in sorted(
                    (*row["entities"], *row["claims"], *row.get("sentences", ())),
                    key=lambda span: (span["start"], span["end"], span["id"]),
                )
            ]
            line["relations"] = [
                {
                    "id": number,
                    "from_id": relation["source"],
                    "to_id": relation["target"],
                    "type": relation["label"],
                }
                for number, relation in enumerate(row["relations"], start=1)
            ]
        if row.get("document_labels"):
            line["cats"] = [name for names in row["document_labels"].values() for name in names]
        for key in PROVENANCE_KEYS:
            if key in row:
                line[key] = row[key]
        yield orjson.dumps(line) + b"\n"
