"""After bench/cluster.py's run: is every acknowledged write in the database, exactly once?

Read straight from PostgreSQL (not through PgBouncer or a web host) with the ORM:

- spans, by ``client_id``: each acknowledged one stored once (0 is lost, 2+ duplicated) and
  logged once (one ``span_created`` event); of the spans refused or never answered, those
  stored anyway are counted apart;
- submissions: each acknowledged one leaves the annotation submitted, with exactly one
  ``status_changed`` event to ``submitted``;
- gold: each acknowledged build leaves one gold annotation with one ``content_replaced``
  event (what a build logs);
- releases: each acknowledged one is ready, and its name is stored once;
- every acknowledged keyed write has its one ``Idempotency-Key`` record.
"""

from collections import Counter
from dataclasses import dataclass, field

from cluster_load import Record


@dataclass
class Verdict:
    lost: Counter = field(default_factory=Counter)
    duplicated: Counter = field(default_factory=Counter)
    unacknowledged_stored: int = 0
    checked: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def count(self, kind: str, found: int) -> None:
        self.checked[kind] += 1
        if found == 0:
            self.lost[kind] += 1
        elif found > 1:
            self.duplicated[kind] += 1

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.problems)


def verify(record: Record) -> Verdict:
    """Look for every write ``record`` holds as acknowledged."""
    verdict = Verdict()
    _spans(record, verdict)
    _submissions(record, verdict)
    _gold(record, verdict)
    _releases(record, verdict)
    _keys(record, verdict)
    return verdict


def _spans(record: Record, verdict: Verdict) -> None:
    from annotations.models import AnnotationEvent, EventAction, Span

    stored = Counter(
        str(client_id)
        for client_id in Span.objects.filter(client_id__isnull=False).values_list(
            "client_id", flat=True
        )
    )
    span_ids = dict(Span.objects.filter(client_id__isnull=False).values_list("client_id", "id"))
    logged = Counter(
        AnnotationEvent.objects.filter(action=EventAction.SPAN_CREATED).values_list(
            "object_id", flat=True
        )
    )
    by_client = {str(client): pk for client, pk in span_ids.items()}
    for client_id in record.spans:
        verdict.count("span", stored[client_id])
        if stored[client_id] == 1 and logged[by_client[client_id]] != 1:
            verdict.problems.append(f"span {client_id}: {logged[by_client[client_id]]} events")
    verdict.unacknowledged_stored = sum(
        1 for client_id in record.unacknowledged_spans if stored[client_id]
    )


def _submissions(record: Record, verdict: Verdict) -> None:
    from annotations.models import Annotation, AnnotationEvent, EventAction

    events = Counter(
        AnnotationEvent.objects.filter(
            action=EventAction.STATUS_CHANGED, after__status="submitted"
        ).values_list("annotation_id", flat=True)
    )
    statuses = dict(Annotation.objects.filter(pk__in=record.submitted).values_list("pk", "status"))
    for annotation in record.submitted:
        verdict.count("submit", events[annotation])
        if statuses.get(annotation) != "submitted":
            verdict.problems.append(f"annotation {annotation} is {statuses.get(annotation)}")


def _gold(record: Record, verdict: Verdict) -> None:
    from annotations.models import Annotation, AnnotationEvent, EventAction

    golds = Counter(
        Annotation.objects.filter(kind="gold", document_id__in=record.gold).values_list(
            "document_id", flat=True
        )
    )
    # A build replaces the gold's content: one content_replaced event per build.
    built = Counter(
        AnnotationEvent.objects.filter(
            action=EventAction.CONTENT_REPLACED,
            annotation__kind="gold",
            annotation__document_id__in=record.gold,
        ).values_list("annotation__document_id", flat=True)
    )
    for document in record.gold:
        # Two gold annotations, or one gold built twice, is a duplicated write.
        verdict.count("gold", built[document] if golds[document] == 1 else golds[document])


def _releases(record: Record, verdict: Verdict) -> None:
    from annotations.models import Release

    names = Counter(Release.objects.values_list("name", flat=True))
    statuses = dict(Release.objects.values_list("pk", "status"))
    for release, name in record.releases.items():
        verdict.count("release", names[name])
        if statuses.get(release) != "ready":
            verdict.problems.append(f"release {name} is {statuses.get(release)}")
        if not record.downloads.get(release):
            verdict.problems.append(f"release {name}: its jsonl did not match its sha256")


def _keys(record: Record, verdict: Verdict) -> None:
    from annotations.models import IdempotentRequest

    stored = Counter(IdempotentRequest.objects.values_list("user__username", "key"))
    for key in record.keys:
        verdict.count("idempotency key", stored[key])
