"""The tokenizer the token-level formats (conll, spacy) share: spaCy's rules, no model needed.

``pipeline()`` (annotations.sentences) is spaCy's rule-based English tokenizer and nothing
else (no download), with the rule-based sentencizer added; sentence units split by it too.
Tokens are never altered: each is an exact slice of the text at a known code-point offset, so
a span either starts and ends on token boundaries or is reported. spaCy is imported on the
first token-level export only: the web workers that never run one do not pay its start-up
time and memory.
"""

from typing import Any

# The splitter is shared with sentence units (annotations.sentences); re-exported for the
# token-level formats, which import it from here.
from annotations.sentences import pipeline, sentences

__all__ = ["pipeline", "sentences"]


def token_bounds(doc: Any) -> tuple[dict[int, int], dict[int, int]]:
    """Map the start and the end offset of each non-space token to its index."""
    starts, ends = {}, {}
    for token in doc:
        if not token.is_space:
            starts[token.idx] = token.i
            ends[token.idx + len(token.text)] = token.i
    return starts, ends


def document_name(row: dict[str, Any]) -> str:
    """Name a document for a warning: its id, and its external id when it has one."""
    where = f"document {row['id']}"
    if row.get("external_id"):
        where += f" ({row['external_id']})"
    return where


def describe(row: dict[str, Any], span: dict[str, Any]) -> str:
    """Name a span for a warning: document, label, offsets and text."""
    return (
        f"{document_name(row)}: {span['label']} [{span['start']}, {span['end']}) {span['text']!r}"
    )


MISALIGNED = "{span} does not start and end on token boundaries (tokens {tokens}); left out."
OVERLAPS = "{span} overlaps {other}, and tokens carry one entity each; left out."


def misaligned(row: dict[str, Any], span: dict[str, Any], doc: Any) -> str:
    """Say that a span does not align, naming the tokens it cuts into."""
    covering = doc.char_span(span["start"], span["end"], alignment_mode="expand")
    tokens = [token.text for token in covering] if covering is not None else []
    return MISALIGNED.format(span=describe(row, span), tokens=tokens)


def place_entities(
    row: dict[str, Any], doc: Any
) -> tuple[list[tuple[int, int, dict[str, Any]]], list[str]]:
    """Return (first token, last token, entity) of each entity that fits, and why others do not."""
    starts, ends = token_bounds(doc)
    placed: list[tuple[int, int, dict[str, Any]]] = []
    problems: list[str] = []
    owner: dict[int, dict[str, Any]] = {}  # token index -> the entity placed on it
    # Earliest first and, from one start, the longest: the outer of two nested entities wins.
    for span in sorted(row["entities"], key=lambda s: (s["start"], -s["end"], s["label"])):
        first, last = starts.get(span["start"]), ends.get(span["end"])
        if first is None or last is None:
            problems.append(misaligned(row, span, doc))
            continue
        other = next((owner[i] for i in range(first, last + 1) if i in owner), None)
        if other is not None:
            described = f"{other['label']} [{other['start']}, {other['end']})"
            problems.append(OVERLAPS.format(span=describe(row, span), other=described))
            continue
        for index in range(first, last + 1):
            owner[index] = span
        placed.append((first, last, span))
    return placed, problems


def bio_tags(row: dict[str, Any], doc: Any, report: Any) -> list[str]:
    """Tag each token of the doc with the row's entities in BIO; report the entities left out."""
    placed, problems = place_entities(row, doc)
    tags = ["O"] * len(doc)
    for first, last, span in placed:
        tags[first] = f"B-{span['label']}"
        for index in range(first + 1, last + 1):
            tags[index] = f"I-{span['label']}"
    for message in problems:
        report.warn(message)
    return tags
