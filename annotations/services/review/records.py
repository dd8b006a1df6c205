"""Gold's claim records: built from the records the annotators gave the same claim.

When gold is built, each gold claim (a label and offsets) that has no record yet takes one
from the sources' records at that place: the verdict by majority (the verdict most given,
giving none is no vote; a tie leaves it empty), the normalised text, date, type and
justification the same way, and the evidence as the union of everyone's (each passage or
source once, in the order first given). A verdict the records do not all give alike is a
conflict (``"kind": "claim_record"``) naming each verdict and who gave it, and what gold
took, so a reviewer sees it. A record gold already has (a reviewer's, carried through the
rebuild) is left as it is. Each record written is logged like any gold edit.

Accepting one claim into gold (``gold_record_accept``) merges the same way: the accepted
claim's record with the record gold's claim already has, if any.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.models import User

from annotations import selectors, voting
from annotations.models import Annotation, LabelKind, Span
from annotations.services.claims import claim_record_write

FIELDS = ("normalized_text", "claim_date", "claim_type", "verdict", "justification")


def gold_records_build(
    *, gold: Annotation, spans: Sequence[Span], sources: Iterable[Annotation], actor: User | None
) -> list[dict[str, Any]]:
    """Give gold's claims the sources' records (see the module doc); return the conflicts."""
    claims = [span for span in spans if span.label.kind == LabelKind.CLAIM]
    if not claims:
        return []
    source_spans = list(
        Span.objects.filter(annotation__in=list(sources), label__kind=LabelKind.CLAIM)
        .select_related("annotation__author")
        .order_by("annotation_id", "id")
    )
    records = selectors.claim_records_of_spans(span_ids=[span.pk for span in source_spans])
    have = selectors.claim_records_of_spans(span_ids=[span.pk for span in claims])
    by_place: dict[tuple[int, int, int], list[tuple[str, dict[str, Any]]]] = {}
    for span in source_spans:
        if span.pk in records:
            who = span.annotation.author.username if span.annotation.author else "gold"
            by_place.setdefault((span.label_id, span.start, span.end), []).append(
                (who, records[span.pk])
            )
    conflicts: list[dict[str, Any]] = []
    for claim in claims:
        given = by_place.get((claim.label_id, claim.start, claim.end))
        if not given or claim.pk in have:
            continue
        conflicts.extend(_write_merged(gold, claim, given, actor))
    return conflicts


def gold_record_accept(
    *, gold: Annotation, claim: Span, source: Span, actor: User | None
) -> list[dict[str, Any]]:
    """Merge the accepted ``source`` claim's record into gold's ``claim``; return the conflicts.

    Gold's own record (if any) and the source's are merged as a build merges records (each
    field most given, a tie empty and the verdict's listed; the evidence their union). A
    source without a record changes nothing.
    """
    if claim.label.kind != LabelKind.CLAIM:
        return []
    records = selectors.claim_records_of_spans(span_ids=[source.pk, claim.pk])
    if source.pk not in records:
        return []
    given: list[tuple[str, dict[str, Any]]] = []
    if claim.pk in records:
        given.append(("gold", records[claim.pk]))
    author = source.annotation.author
    given.append((author.username if author else "gold", records[source.pk]))
    return _write_merged(gold, claim, given, actor)


def _write_merged(
    gold: Annotation, claim: Span, given: list[tuple[str, dict[str, Any]]], actor: User | None
) -> list[dict[str, Any]]:
    """Write the records ``given`` (who, record) merged as gold's claim's record."""
    body: dict[str, Any] = {
        name: _most_given(record[name] for _, record in given) for name in FIELDS
    }
    body["evidence"] = _union(record["evidence"] for _, record in given)
    conflicts: list[dict[str, Any]] = []
    verdicts = {who: record["verdict"] for who, record in given}
    if len(set(verdicts.values())) > 1:
        conflicts.append(
            {
                "kind": "claim_record",
                "attribute": "verdict",
                "label": claim.label.name,
                "start": claim.start,
                "end": claim.end,
                "text": claim.text,
                "values": verdicts,
                "gold": body["verdict"],
            }
        )
    claim_record_write(locked=gold, span=claim, body=body, actor=actor)
    return conflicts


def _most_given(values: Iterable[Any]) -> Any:
    """The value most given (empty ones are no vote); a tie, or none given: empty."""
    given = [value for value in values if value not in ("", None)]
    winner = voting.plurality(voting.tally(given))
    return "" if winner is None else winner


def _union(lists: Iterable[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    seen: set[tuple[Any, ...]] = set()
    found: list[dict[str, Any]] = []
    for evidence in lists:
        for item in evidence:
            key = tuple(sorted(item.items()))
            if key not in seen:
                seen.add(key)
                found.append(item)
    return found
