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
        for key in PROVENANCE_KEYS:
            if key in row:
                line[key] = row[key]
        yield orjson.dumps(line) + b"\n"
