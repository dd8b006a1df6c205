"""The native format: one JSON object a line, exactly the export selector's rows."""

from collections.abc import Generator, Iterable
from typing import Any

import orjson


def render(
    rows: Iterable[dict[str, Any]], report: Any, options: Any
) -> Generator[bytes, None, None]:
    """Yield each row as one line of JSON (UTF-8, nothing escaped that need not be)."""
    for row in rows:
        yield orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)
