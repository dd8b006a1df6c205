"""Reads of claim links and clusters: lists, one cluster's appearances, the review queue.

Every read is scoped to one project; members and links come with what a page shows of them
(document, text, claimant, date, verdict) in a bounded number of queries.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, OuterRef, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, NullIf

from annotations import builtins
from annotations.db import spanvalues
from annotations.models import (
    ClaimCluster,
    ClaimLink,
    ClaimLinkStatus,
    ClaimRecord,
    Project,
    Span,
    claimant_of,
)

_SPAN_FIELDS = (
    "text",
    "start",
    "end",
    "annotation__document_id",
    "annotation__document__external_id",
    "claim_record__normalized_text",
    "claim_record__verdict",
    "claim_record__claim_date",
    "claim_record__cluster_id",
)


@dataclass(frozen=True)
class Appearance:
    span_id: int
    document_id: int
    external_id: str
    start: int
    end: int
    text: str
    normalized_text: str
    claim_date: Any
    claimant: str
    verdict: str


def claim_link_list(*, project: Project, status: str | None = None) -> QuerySet[ClaimLink]:
    """The project's links (of one status), best score first, with both claims' documents."""
    links = ClaimLink.objects.filter(project=project).select_related(
        "first__annotation__document",
        "second__annotation__document",
        "first__claim_record",
        "second__claim_record",
    )
    if status:
        links = links.filter(status=status)
    return links.order_by(F("score").desc(nulls_last=True), "id")


def claim_link_get(*, project_id: int, link_id: int) -> ClaimLink | None:
    """The project's link with this id, or None."""
    return ClaimLink.objects.filter(project_id=project_id, pk=link_id).first()


def claim_link_get_any(*, link_id: int) -> ClaimLink | None:
    """The link with this id (its project is checked by the caller), or None."""
    return ClaimLink.objects.select_related("project").filter(pk=link_id).first()


def claim_cluster_list(*, project: Project) -> QuerySet[ClaimCluster]:
    """The project's clusters with their size and canonical claim's text, biggest first."""
    return (
        ClaimCluster.objects.filter(project=project)
        .annotate(
            size=Count("records"),
            canonical_text=Coalesce(
                NullIf(F("canonical__claim_record__normalized_text"), Value("")),
                F("canonical__text"),
                output_field=TextField(),
            ),
        )
        .order_by("-size", "id")
    )


def claim_cluster_get(*, cluster_id: int) -> ClaimCluster | None:
    """The cluster with this id and its project, or None."""
    return ClaimCluster.objects.select_related("project").filter(pk=cluster_id).first()


def cluster_appearances(*, cluster: ClaimCluster) -> list[Appearance]:
    """Every claim of the cluster: document, text, date, claimant, verdict (one query)."""
    spans = Span.objects.filter(claim_record__cluster=cluster).order_by(
        "annotation__document_id", "start", "id"
    )
    return [_appearance(row) for row in _span_rows(spans)]


def appearances_of(*, span_ids: list[int]) -> dict[int, Appearance]:
    """The claims with these ids, as appearances (one query)."""
    return {row["pk"]: _appearance(row) for row in _span_rows(Span.objects.filter(pk__in=span_ids))}


def _span_rows(spans: QuerySet[Span]) -> Iterator[dict[str, Any]]:
    return iter(
        spans.values(
            "pk",
            *_SPAN_FIELDS,
            claimant_span=claimant_of(OuterRef("pk"), "text"),
            source=spanvalues.builtin_value(builtins.CLAIMANT_TEXT),
        )
    )


def _appearance(row: dict[str, Any]) -> Appearance:
    return Appearance(
        span_id=row["pk"],
        document_id=row["annotation__document_id"],
        external_id=row["annotation__document__external_id"],
        start=row["start"],
        end=row["end"],
        text=row["text"],
        normalized_text=row["claim_record__normalized_text"] or "",
        claim_date=row["claim_record__claim_date"],
        claimant=row["claimant_span"] or row["source"] or "",
        verdict=row["claim_record__verdict"] or "",
    )


def qrels_rows(*, project: Project) -> Iterator[dict[str, Any]]:
    """Decided links as qrels rows: query claim, matched claim, relevance (1 same, 0 not)."""
    links = ClaimLink.objects.filter(
        project=project, status__in=(ClaimLinkStatus.CONFIRMED, ClaimLinkStatus.REJECTED)
    ).order_by("first_id", "second_id")
    for first, second, status in links.values_list("first_id", "second_id", "status").iterator():
        yield {"query": first, "match": second, "relevance": int(status == "confirmed")}


def cluster_rows(*, project: Project) -> Iterator[dict[str, Any]]:
    """Each cluster with its canonical text, verdict and members (two queries in all)."""
    clusters = list(claim_cluster_list(project=project).order_by("id"))
    members: dict[int, list[dict[str, Any]]] = {cluster.pk: [] for cluster in clusters}
    spans = Span.objects.filter(claim_record__cluster__project=project).order_by(
        "annotation__document_id", "start", "id"
    )
    for row in _span_rows(spans):
        appearance = _appearance(row)
        members[row["claim_record__cluster_id"]].append(
            {
                "span": appearance.span_id,
                "document": appearance.document_id,
                "external_id": appearance.external_id,
                "start": appearance.start,
                "end": appearance.end,
                "text": appearance.text,
                "normalized_text": appearance.normalized_text,
                "claim_date": None
                if appearance.claim_date is None
                else appearance.claim_date.isoformat(),
                "claimant": appearance.claimant,
                "verdict": appearance.verdict,
            }
        )
    for cluster in clusters:
        yield {
            "cluster": cluster.pk,
            "canonical": cluster.canonical_id,
            "canonical_text": cluster.canonical_text or "",  # type: ignore[attr-defined]
            "verdict": cluster.verdict,
            "members": members[cluster.pk],
        }


def cluster_record_count(*, project: Project) -> int:
    """How many claims of the project are in a cluster."""
    return ClaimRecord.objects.filter(cluster__project=project).count()
