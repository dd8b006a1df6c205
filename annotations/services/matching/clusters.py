"""Claim links and the clusters they form: the one writer of ``ClaimLink`` and ``ClaimCluster``.

A link says two claim spans of a project are the same claim (``confirmed``), may be
(``suggested``: made by matching, above ``SUGGEST_SIMILARITY``) or are not (``rejected``).
The first span of a link is always the one with the lower id (the database holds it).

Confirmed links form clusters: the connected components of the graph whose edges are the
confirmed links. ``clusters_refresh`` keeps ``ClaimCluster`` equal to those components after
every decision, for the components that the decision touched: a component of two or more
claims has one cluster (every member's ``ClaimRecord.cluster``; a member without a record
gets an empty one); when two clusters join, the older (lower id) stays and takes the other's
verdict if it had none; when a rejection splits a cluster, the part holding the canonical
member keeps it and the other part gets a new cluster; a claim left alone has none. The
canonical member stays while it is a member, else it is the first member (lowest span id)
with a normalised text, else the first member. A new cluster's verdict is its canonical
member's, else the first member's that has one.
"""

from collections import defaultdict, deque
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from annotations.errors import InvalidInput
from annotations.models import (
    AnnotationKind,
    ClaimCluster,
    ClaimLink,
    ClaimLinkStatus,
    ClaimRecord,
    LabelKind,
    Project,
    Span,
)

LINK_TO_ITSELF = "A claim cannot be linked to itself."
LINK_NOT_A_CLAIM = "Span {value} is not a claim of this project."
LINK_STATUS_INVALID = "status takes confirmed, rejected or suggested, not {value!r}."
VERDICT_TOO_LONG = "A verdict has at most 100 characters."
CANONICAL_NOT_MEMBER = "The canonical claim must be a member of the cluster."

# A suggested link is made for a new claim's matches at least this similar (cosine of the
# embeddings; bench/claim_matching.py shows where paraphrases and distractors fall).
SUGGEST_SIMILARITY = 0.5
SUGGEST_PER_CLAIM = 3


def claim_link_set(
    *,
    project: Project,
    first: int,
    second: int,
    status: str,
    actor: User | None,
    score: float | None = None,
    viewer_id: int | None = None,
) -> ClaimLink:
    """Say whether two claims of the project are the same; refresh the clusters it touches.

    ``viewer_id``: an annotator's, who may link only claims they can see (gold and their own).
    """
    if status not in ClaimLinkStatus.values:
        raise InvalidInput({"status": [LINK_STATUS_INVALID.format(value=status)]})
    if first == second:
        raise InvalidInput({"second": [LINK_TO_ITSELF]})
    low, high = sorted((first, second))
    spans = Span.objects.filter(
        pk__in=(low, high), label__kind=LabelKind.CLAIM, annotation__document__project=project
    )
    if viewer_id is not None:
        spans = spans.filter(
            Q(annotation__kind=AnnotationKind.GOLD) | Q(annotation__author_id=viewer_id)
        )
    claims = set(spans.values_list("pk", flat=True))
    errors = {
        name: [LINK_NOT_A_CLAIM.format(value=value)]
        for name, value in (("first", first), ("second", second))
        if value not in claims
    }
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        link, created = ClaimLink.objects.select_for_update().get_or_create(
            project=project,
            first_id=low,
            second_id=high,
            defaults={"status": status, "score": score, "created_by": actor},
        )
        if not created and link.status != status:
            link.status = status
        if status != ClaimLinkStatus.SUGGESTED:
            link.decided_by = actor
            link.decided_at = timezone.now()
        link.save()
        clusters_refresh(project=project, span_ids=(low, high))
    return link


def claim_link_decide(*, link: ClaimLink, status: str, actor: User | None) -> ClaimLink:
    """Confirm or reject a link (a suggested one, typically)."""
    return claim_link_set(
        project=link.project,
        first=link.first_id,
        second=link.second_id,
        status=status,
        actor=actor,
        score=link.score,
    )


def claim_links_suggest(
    *, project: Project, matches: Iterable[tuple[int, int, float]]
) -> list[ClaimLink]:
    """Store (span, span, similarity) as suggested links unless the pair has a link already."""
    wanted: dict[tuple[int, int], float] = {}
    for first, second, similarity in matches:
        if first != second and similarity >= SUGGEST_SIMILARITY:
            pair = (min(first, second), max(first, second))
            wanted[pair] = max(similarity, wanted.get(pair, similarity))
    if not wanted:
        return []
    pairs = Q()
    for low, high in wanted:
        pairs |= Q(first_id=low, second_id=high)
    known = set(
        ClaimLink.objects.filter(pairs, project=project).values_list("first_id", "second_id")
    )
    links = [
        ClaimLink(project=project, first_id=low, second_id=high, score=round(score, 4))
        for (low, high), score in wanted.items()
        if (low, high) not in known
    ]
    ClaimLink.objects.bulk_create(links, ignore_conflicts=True)
    made = Q()
    for link in links:
        made |= Q(first_id=link.first_id, second_id=link.second_id)
    return list(ClaimLink.objects.filter(made, project=project).order_by("id")) if links else []


def claim_cluster_update(
    *,
    cluster: ClaimCluster,
    verdict: str | None = None,
    canonical: int | None = None,
) -> ClaimCluster:
    """Set a cluster's verdict or its canonical member."""
    errors: dict[str, list[str]] = {}
    if verdict is not None and len(verdict) > 100:
        errors["verdict"] = [VERDICT_TOO_LONG]
    if canonical is not None and not cluster.records.filter(span_id=canonical).exists():
        errors["canonical"] = [CANONICAL_NOT_MEMBER]
    if errors:
        raise InvalidInput(errors)
    if verdict is not None:
        cluster.verdict = verdict
    if canonical is not None:
        cluster.canonical_id = canonical
    cluster.save()
    return cluster


def clusters_refresh(*, project: Project, span_ids: Iterable[int]) -> None:
    """Make the clusters of the components holding these spans equal to those components."""
    touched = set(span_ids)
    touched_clusters = set(
        ClaimRecord.objects.filter(span_id__in=touched, cluster__isnull=False).values_list(
            "cluster_id", flat=True
        )
    )
    touched |= set(
        ClaimRecord.objects.filter(cluster_id__in=touched_clusters).values_list(
            "span_id", flat=True
        )
    )
    edges: dict[int, set[int]] = defaultdict(set)
    for first, second in ClaimLink.objects.filter(
        project=project, status=ClaimLinkStatus.CONFIRMED
    ).values_list("first_id", "second_id"):
        edges[first].add(second)
        edges[second].add(first)
    components = _components(touched, edges)
    members = {span for component in components for span in component}
    records = {
        record.span_id: record
        for record in ClaimRecord.objects.filter(span_id__in=members).select_related("cluster")
    }
    missing = [ClaimRecord(span_id=span) for span in members if span not in records]
    for record in ClaimRecord.objects.bulk_create(missing):
        records[record.span_id] = record
    clusters = {
        cluster.pk: cluster
        for cluster in ClaimCluster.objects.filter(
            Q(pk__in=touched_clusters) | Q(records__span_id__in=members)
        ).distinct()
    }
    taken: set[int] = set()
    for component in sorted(components, key=min):
        if len(component) < 2:
            ClaimRecord.objects.filter(span_id__in=component).update(cluster=None)
            continue
        cluster = _cluster_for(project, component, records, clusters, taken)
        taken.add(cluster.pk)
        ClaimRecord.objects.filter(span_id__in=component).update(cluster=cluster)
    ClaimCluster.objects.filter(pk__in=set(clusters) - taken).delete()


def _components(starts: set[int], edges: dict[int, set[int]]) -> list[set[int]]:
    seen: set[int] = set()
    components = []
    for start in sorted(starts):
        if start in seen:
            continue
        component = {start}
        queue = deque([start])
        while queue:
            for neighbour in edges.get(queue.popleft(), ()):
                if neighbour not in component:
                    component.add(neighbour)
                    queue.append(neighbour)
        seen |= component
        components.append(component)
    return components


def _cluster_for(
    project: Project,
    component: set[int],
    records: dict[int, ClaimRecord],
    clusters: dict[int, ClaimCluster],
    taken: set[int],
) -> ClaimCluster:
    """The component's cluster: the oldest free one its members had (merged), else a new one."""
    had = {records[span].cluster_id for span in component}
    held = sorted({pk for pk in had if pk is not None} - taken)
    # The part of a split cluster that holds its canonical member keeps it.
    keeper = next((pk for pk in held if clusters[pk].canonical_id in component), None)
    if keeper is None and held:
        keeper = held[0]
    verdicts = [clusters[pk].verdict for pk in held if clusters[pk].verdict]
    cluster = clusters[keeper] if keeper is not None else ClaimCluster(project=project)
    if cluster.canonical_id is None or cluster.canonical_id not in component:
        named = [span for span in sorted(component) if records[span].normalized_text.strip()]
        cluster.canonical_id = (named or sorted(component))[0]
    if not cluster.verdict:
        members = [records[cluster.canonical_id]] + [records[span] for span in sorted(component)]
        verdicts += [record.verdict for record in members if record.verdict]
        cluster.verdict = verdicts[0] if verdicts else ""
    cluster.save()
    clusters[cluster.pk] = cluster
    return cluster
