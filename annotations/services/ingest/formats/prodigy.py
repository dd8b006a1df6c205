"""Prodigy and spaCy JSONL: ``spans`` of ``{start, end, label}`` and the ``answer``.

Only an ``accept`` answer brings its spans in (no answer counts as one); a ``reject`` or
``ignore`` keeps the text and reports the spans it leaves out. ``tokens`` go unread without a
word only when ``spans`` came with them: the spans are what the tokens were for.
"""

from typing import Any

from annotations.services.ingest.records import (
    ERR_SPANS_NOT_LIST,
    WARN_ANSWER,
    WARN_SPAN_SHAPE,
    RawSpan,
    Record,
)

ACCEPT = "accept"


def read_spans(obj: dict[str, Any], record: Record) -> set[str]:
    """Add the record's Prodigy spans to it; return the keys read (none without ``spans``)."""
    if "spans" not in obj:
        return set()
    items = obj["spans"]
    if not isinstance(items, list):
        record.warnings.append(ERR_SPANS_NOT_LIST.format(key="spans"))
        return {"spans", "tokens"}
    spans = []
    for index, item in enumerate(items):
        if isinstance(item, dict) and "label" in item:
            spans.append(
                RawSpan(
                    "spans",
                    index,
                    item.get("start"),
                    item.get("end"),
                    item["label"],
                    item.get("text"),
                )
            )
        else:
            record.warnings.append(WARN_SPAN_SHAPE.format(key="spans", index=index))
    answer = obj.get("answer", ACCEPT)
    if answer == ACCEPT:
        record.spans.extend(spans)
    elif spans:
        record.warnings.append(WARN_ANSWER.format(answer=answer, count=len(spans)))
    return {"spans", "tokens", "answer"}
