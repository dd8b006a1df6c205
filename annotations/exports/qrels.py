"""CheckThat!-style qrels for claim retrieval: ``query<TAB>0<TAB>match<TAB>relevance``.

One line per decided claim link (``selectors.qrels_rows``), in both directions (either claim
may be the one asked about): relevance 1 for a confirmed link ("same claim"), 0 for a
rejected one (a hard negative: matching found it, a person said no). Suggested links are not
judgements and are left out. Claims are named by their span id, the id the API, the
``clusters`` export and the jsonl export's claims share. The ``0`` column is TREC's unused
iteration field, kept because the scorers read four columns.
"""

from collections.abc import Generator, Iterable
from typing import Any


def render(rows: Iterable[dict[str, Any]], report: Any, options: Any) -> Generator[str, None, None]:
    """Yield two qrels lines per decided link."""
    for row in rows:
        query, match, relevance = row["query"], row["match"], row["relevance"]
        yield f"{query}\t0\t{match}\t{relevance}\n{match}\t0\t{query}\t{relevance}\n"
