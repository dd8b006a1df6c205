"""The reads behind every export: a project's documents with their gold or submitted work.

``export_batches`` is the one selector every format reads (through ``exports.export_rows``:
the API, ``export_dataset`` and releases). It yields ``ExportedAnnotation`` rows in batches;
``exports.native`` shapes each into the native record; this module only reads. Invariants:

- Rows come in document id order (then annotation id) and only from the project asked for.
- The cost is fixed: on PostgreSQL the labels, the targets and one query over a server-side
  cursor for the whole export (``db.export.exported_annotations``: each row carries its
  spans, stances, relations and document labels as arrays), fetched in batches; elsewhere a
  cursor over the documents and five queries per batch of them (annotations, spans, stances,
  relations, document labels). Never a query per document. Memory holds one batch: on
  PostgreSQL a batch holds about EXPORT_SPAN_BUDGET spans, however many spans each
  document has.
- The whole export reads one snapshot (``db.export.snapshot``): a gold edited while it runs
  is exported as it was when the export began. Closing the iterator early ends the
  transaction and closes the cursor.
"""

from collections import defaultdict
from collections.abc import Collection, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice
from typing import Any, NamedTuple, cast

from django.db.models import Case, Exists, Func, OuterRef, Q, QuerySet, Subquery, TextField, When
from django.db.models.functions import Cast

from annotations import builtins
from annotations.db import export as export_db
from annotations.db import spanvalues
from annotations.models import (
    Annotation,
    AnnotationEvent,
    AnnotationKind,
    AnnotationStatus,
    Document,
    DocumentLabel,
    Label,
    LabelAttribute,
    LabelKind,
    Project,
    Relation,
    Span,
    Stance,
    StanceTarget,
    claimant_of,
)

__all__ = [
    "EXPORT_BATCH",
    "EXPORT_FIRST_FETCH",
    "EXPORT_GOLD",
    "EXPORT_INCLUDES",
    "EXPORT_SPAN_BUDGET",
    "EXPORT_SUBMITTED",
    "AttributeSpec",
    "ExportContext",
    "ExportedAnnotation",
    "GroupSpec",
    "export_batches",
    "export_count",
    "export_schema",
]

# What an export holds: each document's gold, or every submitted manual annotation.
EXPORT_GOLD = "gold"
EXPORT_SUBMITTED = "submitted"
EXPORT_INCLUDES = (EXPORT_GOLD, EXPORT_SUBMITTED)


class ExportedAnnotation(NamedTuple):
    """One exported annotation with its document, spans, stances, relations and document
    labels, as plain values.

    Spans come as parallel sequences in (start, end, id) order, stances and relations in id
    order, document labels in id order; an annotation without any has None for each. So do
    the sequences that would hold nothing: ``claimants``, ``claimant_texts``,
    ``checkworthy``, ``units`` and ``scores`` when no span has one, and the attributes
    (JSON text, ``{}`` for none) when no item has any.
    """

    document_id: int
    external_id: str
    text: str
    meta_json: str  # the document's meta as JSON text
    annotation_id: int
    annotator: str | None  # the annotation's author's username (None for gold)
    reviewed_by: str | None  # gold: the last person to change it; else None
    authors: Sequence[str] | None  # gold: the authors of the submitted manual work; else None
    span_ids: Sequence[int] | None
    starts: Sequence[int] | None
    ends: Sequence[int] | None
    span_labels: Sequence[int] | None
    claimants: Sequence[int | None] | None  # the claimant span's id
    claimant_texts: Sequence[str] | None
    checkworthy: Sequence[str] | None
    stance_targets: Sequence[int] | None
    stance_labels: Sequence[int] | None
    holders: Sequence[int | None] | None  # span ids
    evidence: Sequence[int | None] | None  # span ids
    # Issue 16's schema, last (so that code and tests built before it still build rows).
    span_attributes: Sequence[str] | None = None  # JSON text
    units: Sequence[int | None] | None = None  # sentence units: the sentence's number
    scores: Sequence[float | None] | None = None
    stance_attributes: Sequence[str] | None = None  # JSON text
    relation_labels: Sequence[int] | None = None
    relation_sources: Sequence[int] | None = None  # span ids
    relation_targets: Sequence[int] | None = None  # span ids
    relation_attributes: Sequence[str] | None = None  # JSON text
    document_labels: Sequence[int] | None = None  # label ids


@dataclass(frozen=True)
class ExportContext:
    """What every row of an export needs: the mode and the project's labels and targets."""

    include: str  # EXPORT_GOLD or EXPORT_SUBMITTED
    names: dict[int, str]  # label id -> name
    kinds: dict[int, str]  # label id -> kind
    wanted: set[int] | None  # the label ids asked for; None for all
    targets: dict[int, str]  # stance target id -> name
    groups: dict[int, str] = field(default_factory=dict)  # document label id -> its group's name

    @cached_property
    def claim_labels(self) -> frozenset[int]:
        """The ids of the claim labels (asked once per span, so kept as a set)."""
        return frozenset(pk for pk, kind in self.kinds.items() if kind == LabelKind.CLAIM)

    @cached_property
    def sentence_labels(self) -> frozenset[int]:
        """The ids of the sentence labels (their spans are the sentence units)."""
        return frozenset(pk for pk, kind in self.kinds.items() if kind == LabelKind.SENTENCE)


# Rows per batch, at most. Elsewhere than on PostgreSQL a batch costs three queries
# (annotations, spans, stances), so a larger batch means fewer round trips; 1,000 documents
# of news keep a batch to a few MB.
EXPORT_BATCH = 1000
# The first fetch on PostgreSQL, before the span count of a row is known: small, so that the
# first block leaves at once and memory stays low whatever the rows hold (at 50 rows of 3,000
# spans, the first byte waited 0.5-0.7 s for 150,000 spans); each next fetch doubles.
EXPORT_FIRST_FETCH = 16
# Spans per batch on PostgreSQL, about: 300 documents of 3,000 spans once took 776 MB in
# batches of 1,000 documents; batches of 50,000 spans hold some 15 MB of values.
EXPORT_SPAN_BUDGET = 50_000


def export_batches(
    *,
    project: Project,
    include: str = EXPORT_GOLD,
    labels: Collection[str] | None = None,
    statuses: Collection[str] | None = None,
    batch_size: int = EXPORT_BATCH,
) -> Iterator[tuple[list[ExportedAnnotation], ExportContext]]:
    """Yield the project's exported annotations batch by batch, in document id order."""
    with export_db.snapshot():
        names = {}
        kinds = {}
        groups = {}
        for pk, name, kind, group in Label.objects.filter(project=project).values_list(
            "pk", "name", "kind", "group__name"
        ):
            names[pk], kinds[pk] = name, kind
            if group is not None:
                groups[pk] = group
        wanted = None if labels is None else {pk for pk in names if names[pk] in labels}
        targets = dict(StanceTarget.objects.filter(project=project).values_list("pk", "name"))
        context = ExportContext(include, names, kinds, wanted, targets, groups)
        if export_db.streams_in_one_query():
            fetches = export_db.exported_annotations(
                project_id=project.pk,
                submitted=include == EXPORT_SUBMITTED,
                statuses=statuses,
                first_fetch=min(EXPORT_FIRST_FETCH, batch_size),
                row_limit=batch_size,
                span_budget=EXPORT_SPAN_BUDGET,
            )
            make = ExportedAnnotation._make
            try:
                for fetched in fetches:
                    yield [make(row) for row in fetched], context
            finally:
                fetches.close()
        else:
            yield from ((batch, context) for batch in orm_batches(
                project=project, include=include, statuses=statuses, batch_size=batch_size
            ))  # fmt: skip


def orm_batches(
    *,
    project: Project,
    include: str = EXPORT_GOLD,
    statuses: Collection[str] | None = None,
    batch_size: int = EXPORT_BATCH,
) -> Generator[list[ExportedAnnotation], None, None]:
    """The rows of ``export_batches`` through the ORM: a cursor over the documents, then five
    queries per batch of them (annotations, spans, stances, relations, document labels).
    What every database but PostgreSQL reads, and what the
    PostgreSQL query is held equal to. Run it inside ``db.export.snapshot()``."""
    # meta as its JSON text: exports.native parses it with orjson, several times faster
    # than the json.loads the JSONField would run for every document.
    documents = (
        _export_documents(project, include, statuses)
        .annotate(meta_json=Cast("meta", TextField()))
        .values_list("pk", "external_id", "text", "meta_json")
    )
    # QuerySet.iterator() is a generator (the stubs say Iterator): it can be closed.
    rows = cast(Generator[tuple[int, str, str, Any]], documents.iterator(chunk_size=batch_size))
    try:
        while batch := list(islice(rows, batch_size)):
            yield _orm_batch(batch, include)
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


def _orm_batch(batch: list[tuple], include: str) -> list[ExportedAnnotation]:
    """A batch of documents' exported annotations with their content: five queries."""
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
    annotations = (
        Annotation.objects.filter(Q(**exported) | Q(**submitted), document_id__in=ids)
        .annotate(reviewed_by=Case(When(kind=AnnotationKind.GOLD, then=Subquery(last_actor))))
        .order_by("document_id", "pk")
        .values_list("document_id", "pk", "kind", "author__username", "reviewed_by")
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
    spans: dict[int, list[tuple]] = defaultdict(list)
    for annotation_id, *span in (
        Span.objects.filter(annotation_id__in=chosen)
        .annotate(
            claimant_value=claimant_of(OuterRef("pk")),
            claimant_text_value=spanvalues.builtin_value(builtins.CLAIMANT_TEXT),
            checkworthy_value=spanvalues.builtin_value(builtins.CHECKWORTHY),
            attributes_json=_json_text(spanvalues.user_values()),
        )
        .order_by("annotation_id", "start", "end", "pk")
        .values_list(
            "annotation_id",
            "pk",
            "start",
            "end",
            "label_id",
            "claimant_value",
            "claimant_text_value",
            "checkworthy_value",
            "attributes_json",
            "unit",
            "score",
        )
    ):
        spans[annotation_id].append(tuple(span))
    stances: dict[int, list[tuple]] = defaultdict(list)
    for annotation_id, *stance in (
        Stance.objects.with_links()
        .filter(annotation_id__in=chosen)
        .annotate(attributes_json=_json_text("attributes"))
        .order_by("annotation_id", "pk")
        .values_list(
            "annotation_id", "target_id", "label_id", "holder_id", "evidence_id", "attributes_json"
        )
    ):
        stances[annotation_id].append(tuple(stance))
    relations: dict[int, list[tuple]] = defaultdict(list)
    for annotation_id, *relation in (
        Relation.objects.filter(annotation_id__in=chosen)
        .annotate(attributes_json=_json_text("attributes"))
        .order_by("annotation_id", "pk")
        .values_list("annotation_id", "label_id", "source_id", "target_id", "attributes_json")
    ):
        relations[annotation_id].append(tuple(relation))
    document_labels: dict[int, list[int]] = defaultdict(list)
    for annotation_id, label_id in (
        DocumentLabel.objects.filter(annotation_id__in=chosen)
        .order_by("annotation_id", "pk")
        .values_list("annotation_id", "label_id")
    ):
        document_labels[annotation_id].append(label_id)
    found = []
    for document_id, external_id, text, meta_json in batch:
        for pk, username, reviewed_by in by_document.get(document_id, ()):
            gold = include != EXPORT_SUBMITTED
            span_columns = _span_columns(spans.get(pk))
            stance_columns = _stance_columns(stances.get(pk))
            found.append(
                ExportedAnnotation._make(
                    [
                        document_id,
                        external_id,
                        text,
                        meta_json,
                        pk,
                        username,
                        reviewed_by,
                        authors.get(document_id, []) if gold else None,
                        # In ExportedAnnotation's order: issue 16's columns come last.
                        *span_columns[:7],
                        *stance_columns[:4],
                        *span_columns[7:],
                        *stance_columns[4:],
                        *_relation_columns(relations.get(pk)),
                        document_labels.get(pk),
                    ]
                )
            )
    return found


def _json_text(name: str | Func) -> Cast:
    # JSON as its text, as on PostgreSQL's one query: parsed by orjson, and only when an
    # item has something (most have ``{}``).
    return Cast(name, TextField())


# What an empty attributes object reads as (JSON text, on every database).
NO_ATTRIBUTES = "{}"


def _span_columns(items: list[tuple] | None) -> list[list[Any] | None]:
    """The spans as columns, with None for those that would hold nothing (ExportedAnnotation)."""
    columns = _columns(items, 10)
    ids, starts, ends, labels, claimants, texts, checkworthy, attributes, units, scores = columns
    return [
        ids,
        starts,
        ends,
        labels,
        _sparse(claimants, lambda claimant: claimant is not None),
        _sparse(texts, bool),
        _sparse(checkworthy, bool),
        _sparse(attributes, _has_attributes),
        _sparse(units, lambda unit: unit is not None),
        _sparse(scores, lambda score: score is not None),
    ]


def _stance_columns(items: list[tuple] | None) -> list[list[Any] | None]:
    *columns, attributes = _columns(items, 5)
    return [*columns, _sparse(attributes, _has_attributes)]


def _relation_columns(items: list[tuple] | None) -> list[list[Any] | None]:
    *columns, attributes = _columns(items, 4)
    return [*columns, _sparse(attributes, _has_attributes)]


def _has_attributes(value: str) -> bool:
    return value != NO_ATTRIBUTES


def _sparse(column: list[Any] | None, holds: Any) -> list[Any] | None:
    """The column, or None when none of its values holds anything."""
    if column is None or not any(holds(value) for value in column):
        return None
    return column


def _columns(items: list[tuple] | None, width: int) -> list[list[Any] | None]:
    """Rows as columns (``[(1, 2), (3, 4)]`` -> ``[[1, 3], [2, 4]]``); None each when none."""
    if not items:
        return [None] * width
    return [list(column) for column in zip(*items, strict=True)]


def export_count(
    *, project: Project, include: str = EXPORT_GOLD, statuses: Collection[str] | None = None
) -> int:
    """How many rows ``export_batches`` yields (one per exported annotation), by one count."""
    exported = Annotation.objects.filter(document__project=project)
    if include == EXPORT_SUBMITTED:
        exported = exported.filter(kind=AnnotationKind.MANUAL, status=AnnotationStatus.SUBMITTED)
        if statuses is not None:
            gold = Annotation.objects.filter(
                document=OuterRef("document"), kind=AnnotationKind.GOLD, status__in=statuses
            )
            exported = exported.filter(Exists(gold))
    else:
        exported = exported.filter(kind=AnnotationKind.GOLD)
        if statuses is not None:
            exported = exported.filter(status__in=list(statuses))
    return exported.count()


class AttributeSpec(NamedTuple):
    """One attribute a label declares, as the formats that declare their schema need it."""

    label: str  # the label's name
    kind: str  # the label's kind
    name: str
    type: str  # an AttributeType value
    choices: tuple[str, ...]


class GroupSpec(NamedTuple):
    """A group of document labels: its name, whether it takes several, its labels' names."""

    name: str
    multiple: bool
    labels: tuple[str, ...]


def export_schema(*, project: Project) -> tuple[tuple[AttributeSpec, ...], tuple[GroupSpec, ...]]:
    """The project's label attributes (by label, then position) and its document label
    groups (by position), in two queries: what formats that declare a schema up front need."""
    attributes = tuple(
        AttributeSpec(label, kind, name, type_, tuple(choices or ()))
        for label, kind, name, type_, choices in LabelAttribute.objects.users()
        .filter(label__project=project)
        .order_by("label__kind", "label_id", "position", "pk")
        .values_list("label__name", "label__kind", "name", "type", "choices")
    )
    groups: dict[int, GroupSpec] = {}
    for group_id, group, multiple, name in (
        Label.objects.filter(project=project, group__isnull=False)
        .order_by("group__position", "group_id", "pk")
        .values_list("group_id", "group__name", "group__multiple", "name")
    ):
        found = groups.get(group_id) or GroupSpec(group, multiple, ())
        groups[group_id] = found._replace(labels=(*found.labels, name))
    return attributes, tuple(groups.values())


def export_vocabulary(*, project: Project) -> tuple[tuple[str, str], ...]:
    """The project's labels as (name, kind), by kind then creation, then its targets as
    (name, "target"): what formats that declare their labels up front need."""
    labels = Label.objects.filter(project=project).order_by("kind", "pk")
    targets = StanceTarget.objects.filter(project=project).order_by("pk")
    return (
        *labels.values_list("name", "kind"),
        *((name, "target") for name in targets.values_list("name", flat=True)),
    )
