"""The reads behind every export: a project's documents with their gold or submitted work.

``export_batches`` is the one selector every format reads (through ``exports.export_rows``:
the API, ``export_dataset`` and releases). It reads in batches; ``exports.native`` shapes
each batch into rows; this module only reads. Invariants:

- Rows come in document id order and only from the project asked for.
- The cost is fixed per batch: the labels, the targets and a server-side cursor over the
  documents, then three queries per batch of documents (annotations, spans, stances), never
  one per document; memory holds one batch.
- The whole export reads one snapshot (``db.export.snapshot``): a gold edited while it runs
  is exported as it was when the export began. Closing the iterator early ends the
  transaction and closes the cursor.
"""

from collections import defaultdict
from collections.abc import Collection, Generator, Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import islice
from typing import Any, cast

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Subquery, TextField, When
from django.db.models.functions import Cast

from annotations.db import export as export_db
from annotations.models import (
    Annotation,
    AnnotationEvent,
    AnnotationKind,
    AnnotationStatus,
    Document,
    Label,
    LabelKind,
    Project,
    Span,
    Stance,
    StanceTarget,
)

__all__ = [
    "EXPORT_BATCH",
    "EXPORT_GOLD",
    "EXPORT_INCLUDES",
    "EXPORT_SUBMITTED",
    "ExportBatch",
    "ExportContext",
    "export_batches",
]

# What an export holds: each document's gold, or every submitted manual annotation.
EXPORT_GOLD = "gold"
EXPORT_SUBMITTED = "submitted"
EXPORT_INCLUDES = (EXPORT_GOLD, EXPORT_SUBMITTED)

# One span, by its id: label id, start, end, claimant span id, claimant text, check-worthiness.
SpanFacts = tuple[int, int, int, int | None, str, str]
# One stance: target id, label id, holder span id, evidence span id.
StanceFacts = tuple[int, int, int | None, int | None]


@dataclass(frozen=True)
class ExportContext:
    """What every row of an export needs: the mode and the project's labels and targets."""

    include: str  # EXPORT_GOLD or EXPORT_SUBMITTED
    names: dict[int, str]  # label id -> name
    kinds: dict[int, str]  # label id -> kind
    wanted: set[int] | None  # the label ids asked for; None for all
    targets: dict[int, str]  # stance target id -> name

    @cached_property
    def claim_labels(self) -> frozenset[int]:
        """The ids of the claim labels (asked once per span, so kept as a set)."""
        return frozenset(pk for pk, kind in self.kinds.items() if kind == LabelKind.CLAIM)


@dataclass(frozen=True)
class ExportBatch:
    """What the export selector read for one batch of documents, in document id order."""

    documents: list[tuple[int, str, str, str]]  # id, external_id, text, meta as JSON text
    # document id -> its exported annotations: (annotation id, author's username, reviewed_by)
    exported: dict[int, list[tuple[int, str | None, str | None]]]
    authors: dict[int, list[str]]  # document id -> authors of its submitted manual annotations
    spans: dict[int, dict[int, SpanFacts]]  # annotation id -> span id -> span
    stances: dict[int, list[StanceFacts]]  # annotation id -> its stances


# Documents per batch: each batch costs three queries (annotations, spans, stances), so a
# larger batch means fewer round trips; 1,000 documents of news keep a batch to a few MB.
EXPORT_BATCH = 1000


def export_batches(
    *,
    project: Project,
    include: str = EXPORT_GOLD,
    labels: Collection[str] | None = None,
    statuses: Collection[str] | None = None,
    batch_size: int = EXPORT_BATCH,
) -> Iterator[tuple[ExportBatch, ExportContext]]:
    """Yield the project's exported documents batch by batch, in document id order."""
    # Two queries, then one server-side cursor over the documents and three queries per batch
    # of them: never a query per document, and memory bounded by one batch.
    with export_db.snapshot():
        names = {}
        kinds = {}
        for pk, name, kind in Label.objects.filter(project=project).values_list(
            "pk", "name", "kind"
        ):
            names[pk], kinds[pk] = name, kind
        wanted = None if labels is None else {pk for pk in names if names[pk] in labels}
        targets = dict(StanceTarget.objects.filter(project=project).values_list("pk", "name"))
        # meta as its JSON text: exports.native parses it with orjson, several times faster
        # than the json.loads the JSONField would run for every document.
        documents = (
            _export_documents(project, include, statuses)
            .annotate(meta_json=Cast("meta", TextField()))
            .values_list("pk", "external_id", "text", "meta_json")
        )
        # QuerySet.iterator() is a generator (the stubs say Iterator): it can be closed.
        rows = cast(Generator[tuple[int, str, str, Any]], documents.iterator(chunk_size=batch_size))
        context = ExportContext(include, names, kinds, wanted, targets)
        try:
            while batch := list(islice(rows, batch_size)):
                yield _export_batch(batch, include), context
        finally:
            # Close the server-side cursor while the transaction that holds it is open: left
            # to the garbage collector, it would be closed after the transaction ended it.
            rows.close()


def _export_documents(
    project: Project, include: str, statuses: Collection[str] | None
) -> QuerySet[Document]:
    gold = Annotation.objects.filter(document=OuterRef("pk"), kind=AnnotationKind.GOLD)
    if statuses is not None:
        gold = gold.filter(status__in=list(statuses))
    documents = Document.objects.filter(project=project)
    if include == EXPORT_SUBMITTED:
        submitted = Annotation.objects.filter(
            document=OuterRef("pk"),
            kind=AnnotationKind.MANUAL,
            status=AnnotationStatus.SUBMITTED,
        )
        documents = documents.filter(Exists(submitted))
        if statuses is not None:
            documents = documents.filter(Exists(gold))
    else:
        documents = documents.filter(Exists(gold))
    return documents.order_by("pk")


def _export_batch(batch: list[tuple], include: str) -> ExportBatch:
    """Read a batch of documents' exported annotations, their spans and stances: three queries."""
    ids = [row[0] for row in batch]
    submitted = {"kind": AnnotationKind.MANUAL, "status": AnnotationStatus.SUBMITTED}
    exported = submitted if include == EXPORT_SUBMITTED else {"kind": AnnotationKind.GOLD}
    # The last person to change the gold: the newest event with an actor (system writes,
    # such as imports, have none).
    last_actor = (
        AnnotationEvent.objects.filter(annotation=OuterRef("pk"), actor__isnull=False)
        .order_by("-pk")
        .values("actor__username")[:1]
    )
    # Each query reads by the batch's ids (db.export.each_of: one index probe per id); the
    # spans and stances by their annotations' own ids, not through a join on the documents.
    annotations = export_db.each_of(
        Annotation.objects.filter(Q(**exported) | Q(**submitted))
        .annotate(reviewed_by=Case(When(kind=AnnotationKind.GOLD, then=Subquery(last_actor))))
        .order_by("document_id", "pk")
        .values_list("document_id", "pk", "kind", "author__username", "reviewed_by"),
        "document_id",
        ids,
        sorted_by=2,
    )
    by_document: dict[int, list[tuple]] = defaultdict(list)
    authors: dict[int, list[str]] = defaultdict(list)
    chosen: list[int] = []
    for document_id, pk, kind, username, reviewed_by in annotations:
        if kind == AnnotationKind.MANUAL:
            authors[document_id].append(username)
        if include == EXPORT_SUBMITTED or kind == AnnotationKind.GOLD:
            by_document[document_id].append((pk, username, reviewed_by))
            chosen.append(pk)
    spans: dict[int, dict[int, tuple]] = defaultdict(dict)
    span_rows = export_db.each_of(
        Span.objects.order_by("annotation_id", "start", "end", "pk").values_list(
            "annotation_id",
            "start",
            "end",
            "pk",
            "label_id",
            "claimant_id",
            "claimant_text",
            "checkworthy",
        ),
        "annotation_id",
        chosen,
        sorted_by=4,
    )
    for annotation_id, start, end, pk, label_id, *rest in span_rows:
        spans[annotation_id][pk] = (label_id, start, end, *rest)
    stances: dict[int, list[tuple]] = defaultdict(list)
    stance_rows = export_db.each_of(
        Stance.objects.order_by("annotation_id", "pk").values_list(
            "annotation_id", "pk", "target_id", "label_id", "holder_id", "evidence_id"
        ),
        "annotation_id",
        chosen,
        sorted_by=2,
    )
    for annotation_id, _pk, *rest in stance_rows:
        stances[annotation_id].append(tuple(rest))
    return ExportBatch(
        documents=batch, exported=by_document, authors=authors, spans=spans, stances=stances
    )


def export_vocabulary(*, project: Project) -> tuple[tuple[str, str], ...]:
    """The project's labels as (name, kind), by kind then creation, then its targets as
    (name, "target"): what formats that declare their labels up front need."""
    labels = Label.objects.filter(project=project).order_by("kind", "pk")
    targets = StanceTarget.objects.filter(project=project).order_by("pk")
    return (
        *labels.values_list("name", "kind"),
        *((name, "target") for name in targets.values_list("name", flat=True)),
    )
