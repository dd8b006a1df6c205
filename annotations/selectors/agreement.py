"""What agreement is computed from: every submitted manual annotation's work, per document.

The maths is ``annotations.agreement``'s (pure, over plain tuples); this module only reads.
One reader for the agreement figures (``AnnotatorWork`` per author), the review queue's
items (``annotations.items``, per author) and the stored rows' fingerprint (each submitted
annotation's id and version). A fixed number of queries (six) whatever the project's size,
filtered by joins rather than lists of ids (or by the documents asked for).
"""

from collections import defaultdict
from collections.abc import Collection, Hashable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, OuterRef, Sum

from annotations import agreement, attributes, builtins, items
from annotations.agreement import AnnotatorWork
from annotations.db import spanvalues
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    DocumentAgreement,
    DocumentLabel,
    LabelAttribute,
    LabelKind,
    Project,
    ProjectAgreement,
    Relation,
    Span,
    Stance,
    claimant_of,
    stance_link_of,
)

SUBMITTED = {"kind": AnnotationKind.MANUAL, "status": AnnotationStatus.SUBMITTED}


@dataclass
class DocumentWork:
    """A document's submitted manual annotations, as agreement and the queue read them."""

    computed_from: list[tuple[int, int]] = field(default_factory=list)  # (id, version), sorted
    works: dict[str, AnnotatorWork] = field(default_factory=dict)  # by author
    items: dict[str, set[Hashable]] = field(default_factory=dict)  # by author
    text: str = ""  # read only where two or more annotations are compared


def document_work(
    *, project: Project | int, document_ids: Collection[int] | None = None
) -> dict[int, DocumentWork]:
    """Return each document's submitted work (all the project's, or those documents').

    Six queries (annotations, spans, stances, relations, document labels, texts of documents
    with two annotations or more).
    """
    scope: dict[str, object] = {"document__project": project, **SUBMITTED}
    if document_ids is not None:
        scope["document_id__in"] = document_ids
    owner: dict[int, tuple[DocumentWork, str]] = {}
    documents: dict[int, DocumentWork] = {}
    for pk, version, document_id, username in (
        Annotation.objects.filter(**scope)
        .order_by("pk")
        .values_list("pk", "version", "document_id", "author__username")
    ):
        work = documents.setdefault(document_id, DocumentWork())
        work.computed_from.append((pk, version))
        work.works[username] = AnnotatorWork(entities=[], claims=[], stances=[])
        work.items[username] = set()
        owner[pk] = (work, username)
    joined = {f"annotation__{key}": value for key, value in scope.items()}
    _read_spans(Span.objects.filter(**joined), owner)
    _read_stances(Stance.objects.filter(**joined), owner)
    _read_relations(Relation.objects.filter(**joined), owner)
    _read_document_labels(DocumentLabel.objects.filter(**joined), owner)
    compared = [pk for pk, work in documents.items() if len(work.works) >= 2]
    texts = Document.objects.filter(pk__in=compared) if document_ids is not None else None
    if texts is None:
        texts = Document.objects.filter(
            pk__in=Annotation.objects.filter(**scope).values("document_id")
        )
    # One transaction, so that the iterator's server-side cursor is not held across
    # transactions (a pooler in transaction mode would lose it between fetches).
    with transaction.atomic():
        for pk, text in texts.order_by("pk").values_list("pk", "text").iterator(chunk_size=500):
            if len(documents[pk].works) >= 2:
                documents[pk].text = text
    return documents


def _read_spans(spans, owner: dict[int, tuple[DocumentWork, str]]) -> None:
    for (
        annotation_id,
        start,
        end,
        label,
        kind,
        checkworthy,
        claimant_start,
        claimant_end,
        claimant_text,
    ) in spans.values_list(
        "annotation_id",
        "start",
        "end",
        "label__name",
        "label__kind",
        spanvalues.builtin_value(builtins.CHECKWORTHY),
        claimant_of(OuterRef("pk"), "start"),
        claimant_of(OuterRef("pk"), "end"),
        spanvalues.builtin_value(builtins.CLAIMANT_TEXT),
    ):
        work, username = owner[annotation_id]
        if kind == LabelKind.CLAIM:
            work.works[username].claims.append((start, end, label, checkworthy))
        elif kind != LabelKind.SENTENCE:  # sentence units are compared per unit (below)
            work.works[username].entities.append((start, end, label))
        work.items[username].add(
            items.span_item(
                label=label,
                start=start,
                end=end,
                claimant=_offsets(claimant_start, claimant_end),
                claimant_text=claimant_text,
                checkworthy=checkworthy,
            )
        )


def _read_stances(stances, owner: dict[int, tuple[DocumentWork, str]]) -> None:
    for (
        annotation_id,
        target_id,
        target,
        label,
        holder_start,
        holder_end,
        evidence_start,
        evidence_end,
    ) in stances.values_list(
        "annotation_id",
        "target_id",
        "target__name",
        "label__name",
        stance_link_of(OuterRef("pk"), builtins.HOLDER, "start"),
        stance_link_of(OuterRef("pk"), builtins.HOLDER, "end"),
        stance_link_of(OuterRef("pk"), builtins.EVIDENCE, "start"),
        stance_link_of(OuterRef("pk"), builtins.EVIDENCE, "end"),
    ):
        work, username = owner[annotation_id]
        holder = _offsets(holder_start, holder_end)
        work.works[username].stances.append((target, holder, label))
        work.items[username].add(
            items.stance_item(
                target=target_id,
                label=label,
                holder=holder,
                evidence=_offsets(evidence_start, evidence_end),
            )
        )


def _read_relations(relations, owner: dict[int, tuple[DocumentWork, str]]) -> None:
    for annotation_id, label, *ends in relations.values_list(
        "annotation_id",
        "label__name",
        "source__label__name",
        "source__start",
        "source__end",
        "target__label__name",
        "target__start",
        "target__end",
    ):
        work, username = owner[annotation_id]
        relation = items.relation_item(label=label, source=tuple(ends[:3]), target=tuple(ends[3:]))
        work.works[username].relations.append(relation)
        work.items[username].add(relation)


def _read_document_labels(rows, owner: dict[int, tuple[DocumentWork, str]]) -> None:
    """Each annotation's document labels, by group name, and as items (a label another
    annotator did not give is a disagreement). Every annotator of a document gets every group
    any of them used (``()`` for none): giving no label of it is a judgement."""
    used: dict[int, tuple[DocumentWork, set[str]]] = {}
    for annotation_id, group, label in rows.order_by("label__name").values_list(
        "annotation_id", "label__group__name", "label__name"
    ):
        work, username = owner[annotation_id]
        labels = work.works[username].document_labels
        labels[group] = (*labels.get(group, ()), label)
        work.items[username].add(items.document_label_item(label=label))
        used.setdefault(id(work), (work, set()))[1].add(group)
    for work, groups in used.values():
        for annotator in work.works.values():
            for group in groups:
                annotator.document_labels.setdefault(group, ())


def _offsets(start: int | None, end: int | None) -> items.Offsets | None:
    """A referenced span's offsets from a left join (None when there is no such span)."""
    return None if start is None or end is None else (start, end)


def agreement_inputs(*, project: Project) -> list[tuple[str, dict[str, AnnotatorWork]]]:
    """Return each document's text with every submitted manual annotation's work, by author.

    Only documents with two or more such annotations, in the order of their ids. Five queries
    whatever the project's size: the full computation that the stored figures are held to.
    """
    return [
        (work.text, work.works)
        for _, work in sorted(document_work(project=project).items())
        if len(work.works) >= 2
    ]


@dataclass(frozen=True)
class Fingerprint:
    """How many submitted manual annotations, and the sums of their ids and versions."""

    annotations: int
    annotation_id_sum: int
    version_sum: int


def submitted_fingerprint(*, project: Project) -> Fingerprint:
    """The project's submitted manual annotations' fingerprint, read now (one query)."""
    row = Annotation.objects.filter(document__project=project, **SUBMITTED).aggregate(
        n=Count("pk"), ids=Sum("pk"), versions=Sum("version")
    )
    return Fingerprint(row["n"], row["ids"] or 0, row["versions"] or 0)


def project_agreement_totals(*, project: Project) -> ProjectAgreement | None:
    """The project's stored agreement totals, or None before anything was stored (one query)."""
    return ProjectAgreement.objects.filter(project=project).first()


def document_agreement_rows(*, project: Project) -> dict[int, DocumentAgreement]:
    """Every stored document agreement of the project, by document id (one query)."""
    return {row.document_id: row for row in DocumentAgreement.objects.filter(project=project)}


def usernames_present(*, usernames: Collection[str]) -> int:
    """How many of these usernames exist (one query)."""
    return User.objects.filter(username__in=usernames).count()


def attribute_agreement(*, project: Project) -> list[dict[str, Any]]:
    """Agreement per declared attribute over the submitted manual annotations (agreement.py).

    Computed on each read rather than stored with the other figures: only the items of
    labels that declare attributes are read, in three queries whatever the project's size
    (one when no label declares any).
    """
    declared: dict[str, list[attributes.Declared]] = defaultdict(list)
    for label, name, kind, choices in (
        LabelAttribute.objects.users()
        .filter(label__project=project)
        .values_list("label__name", "name", "type", "choices")
    ):
        declared[label].append(attributes.Declared(name, kind, choices=tuple(choices)))
    if not declared:
        return []
    works: dict[int, dict[str, dict[Hashable, tuple[str, dict[str, Any]]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    joined = {f"annotation__{key}": value for key, value in SUBMITTED.items()}
    spans = Span.objects.filter(
        annotation__document__project=project, label__name__in=list(declared), **joined
    ).values_list(
        "annotation__document_id",
        "annotation__author__username",
        "label__name",
        "start",
        "end",
        spanvalues.user_values(),
    )
    for document, author, label, start, end, values in spans:
        works[document][author][("span", label, start, end)] = (label, values)
    stances = Stance.objects.filter(
        annotation__document__project=project, label__name__in=list(declared), **joined
    ).values_list(
        "annotation__document_id",
        "annotation__author__username",
        "target__name",
        stance_link_of(OuterRef("pk"), builtins.HOLDER, "start"),
        stance_link_of(OuterRef("pk"), builtins.HOLDER, "end"),
        "label__name",
        "attributes",
    )
    for document, author, target, holder_start, holder_end, label, values in stances:
        place = ("stance", target, _offsets(holder_start, holder_end), label)
        works[document][author][place] = (label, values)
    return agreement.attribute_agreement((works[document] for document in sorted(works)), declared)


def sentence_judgements(*, project: Project) -> list[tuple[int, int, str, str]]:
    """Every submitted sentence-unit label of the project: (document, unit, author, label).

    One query whatever the project's size; ``agreement.sentence_agreement`` compares them.
    """
    rows = (
        Span.objects.filter(
            annotation__document__project=project,
            annotation__kind=SUBMITTED["kind"],
            annotation__status=SUBMITTED["status"],
            unit__isnull=False,
            label__kind=LabelKind.SENTENCE,
        )
        .order_by("annotation__document_id", "unit", "annotation__author__username")
        .values_list(
            "annotation__document_id", "unit", "annotation__author__username", "label__name"
        )
    )
    # unit__isnull=False and manual annotations (which have authors) above.
    return [(doc, unit, author, label) for doc, unit, author, label in rows if unit is not None]
