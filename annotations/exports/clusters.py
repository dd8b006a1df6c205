"""Claim clusters as JSON lines: one cluster a line, its canonical claim, verdict and members.

``{"cluster", "canonical", "canonical_text", "verdict", "members": [{"span", "document",
"external_id", "start", "end", "text", "normalized_text", "claim_date", "claimant",
"verdict"}]}`` (``selectors.cluster_rows``): every appearance of the claim across the
project's documents, offsets in code points. ``split``/``release`` ride along when the export
has them.
"""

from collections.abc import Generator, Iterable
from typing import Any

import orjson

KEYS = ("cluster", "canonical", "canonical_text", "verdict", "members", "split", "release")


def render(
    rows: Iterable[dict[str, Any]], report: Any, options: Any
) -> Generator[bytes, None, None]:
    """Yield one line per cluster."""
    for row in rows:
        yield orjson.dumps({key: row[key] for key in KEYS if key in row}) + b"\n"
