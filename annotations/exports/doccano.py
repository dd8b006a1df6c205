"""doccano's sequence-labelling JSONL: ``{"text", "label": [[start, end, "LABEL"], ...]}``.

Entities and claims both become ``label`` triples (doccano has no claimant, check-worthiness or
stance); ``id``, ``external_id`` and ``meta`` ride along, as doccano keeps unknown keys as
metadata, so that importing the file back gives the same documents.
"""

from collections.abc import Generator, Iterable
from typing import Any

import orjson


def render(
    rows: Iterable[dict[str, Any]], report: Any, options: Any
) -> Generator[bytes, None, None]:
    """Yield one doccano line per row, spans in text order."""
    for row in rows:
        spans = sorted(
            (span["start"], span["end"], span["label"])
            for span in (*row["entities"], *row["claims"])
        )
        line = {
            "id": row["id"],
            "text": row["text"],
            "label": [list(span) for span in spans],
            "external_id": row["external_id"],
            "meta": row["meta"],
        }
        if "annotator" in row:
            line["annotator"] = row["annotator"]
        yield orjson.dumps(line) + b"\n"
