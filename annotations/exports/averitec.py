"""AVeriTeC-shaped JSON: one object per claim that has a claim record, as AVeriTeC's data is.

The file is a JSON array (an object a line, so it streams) of::

    {"claim": the normalised claim (else the claim's text), "speaker": the claimant or null,
     "claim_date": "DD-MM-YYYY" (AVeriTeC's way) or null, "label": the verdict,
     "justification", "claim_types": [the claim's type] or [],
     "original_claim_url": the document's meta url or null,
     "questions": [{"question": "", "answers": [{"answer", "answer_type", "source_url",
                                               "source_medium"}]}],
     "evidence": the record's evidence in our shape (passages with document and offsets,
                 sources with url, title and published),
     "document_id", "external_id", "start", "end", "text": where the claim is}

AVeriTeC's evidence is question-answer pairs; a record holds evidence without questions, so
each piece is an answer under a question left empty: a passage is an ``Extractive`` answer
(its text, ``source_medium`` ``"Document"``), an external source an ``Abstractive`` one (its
title, ``source_url`` its address, ``source_medium`` ``"Web text"``). The label is the
verdict as stored: AVeriTeC's own four labels on a project with the ``averitec`` scale.
A claim without a record is counted as a warning, never left out silently.
"""

from collections.abc import Generator, Iterable
from typing import Any

import orjson

from annotations.exports.base import ExportOptions, ExportReport

NO_RECORD = (
    "document {document}: claim [{start}, {end}) {text!r} has no claim record: not in AVeriTeC"
)


def averitec_claim(row: dict[str, Any], claim: dict[str, Any]) -> dict[str, Any]:
    """The AVeriTeC object of one claim of a row (the claim has a record)."""
    record = claim["record"]
    meta = row.get("meta")
    url = meta.get("url") if isinstance(meta, dict) else None
    return {
        "claim": record["normalized_text"] or claim["text"],
        "speaker": (claim.get("claimant") or {}).get("text") or None,
        "claim_date": _day_first(record["claim_date"]),
        "label": record["verdict"],
        "justification": record["justification"],
        "claim_types": [record["claim_type"]] if record["claim_type"] else [],
        "original_claim_url": url if isinstance(url, str) and url else None,
        "questions": [{"question": "", "answers": [_answer(item)]} for item in record["evidence"]],
        "evidence": record["evidence"],
        "document_id": row["id"],
        "external_id": row["external_id"],
        "start": claim["start"],
        "end": claim["end"],
        "text": claim["text"],
    }


def _answer(item: dict[str, Any]) -> dict[str, Any]:
    if item.get("url"):
        return {
            "answer": item.get("title") or item["url"],
            "answer_type": "Abstractive",
            "source_url": item["url"],
            "source_medium": "Web text",
        }
    return {
        "answer": item["text"],
        "answer_type": "Extractive",
        "source_url": None,
        "source_medium": "Document",
    }


def _day_first(date: str | None) -> str | None:
    """YYYY-MM-DD as AVeriTeC writes dates: DD-MM-YYYY."""
    if not date:
        return None
    year, month, day = date.split("-")
    return f"{day}-{month}-{year}"


def render(
    rows: Iterable[dict[str, Any]], report: ExportReport, options: ExportOptions
) -> Generator[bytes, None, None]:
    """Yield a JSON array of AVeriTeC claims, one a line."""
    separator = b"[\n"
    for row in rows:
        for claim in row["claims"]:
            if claim.get("record") is None:
                report.warn(
                    NO_RECORD.format(
                        document=row["id"],
                        start=claim["start"],
                        end=claim["end"],
                        text=claim["text"],
                    )
                )
                continue
            yield separator + orjson.dumps(averitec_claim(row, claim))
            separator = b",\n"
    yield b"[]\n" if separator == b"[\n" else b"\n]\n"
