"""Agreement kept current: each document's figures stored when its submitted work changes, and
the project's totals kept equal to the sum of its documents' counts.

``document_agreement_refresh`` runs inside the write that submits, reopens or otherwise
changes a submitted manual annotation (``changelog.annotation_change_record`` calls it): it
recomputes that document's row and replaces its counts in the project's totals, under the
totals' row lock, so concurrent submissions to one project queue there and each reads the
others' committed work. Anything that changes submitted work without going through the
changelog (a bulk load, a deleted user, a migration of existing projects) leaves the
fingerprint in ``ProjectAgreement`` unequal to the annotations'; ``project_agreement_current``
sees that in one query and recomputes the documents whose rows are stale before anything is
read, so a figure shown is never one computed from other work than the current.
"""

from collections import Counter
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from annotations import agreement, selectors
from annotations.agreement import disagreement_count, mean_pairwise_f1
from annotations.agreement_sums import (
    Key,
    counts_from_json,
    counts_replace,
    counts_to_json,
    counts_total,
    document_counts,
    document_uses,
)
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    DocumentAgreement,
    Project,
    ProjectAgreement,
)
from annotations.selectors import DocumentWork, Fingerprint

BATCH = 500  # documents recomputed per transaction when rebuilding
STALE = -1  # an id sum no set of annotations has: totals that must be summed again


def document_agreement_refresh(*, document_id: int) -> None:
    """Recompute one document's stored agreement and the project's totals, in this transaction."""
    project_id = Document.objects.values_list("project_id", flat=True).get(pk=document_id)
    _refresh_in_totals(project_id, [document_id])


def project_agreement_current(*, project: Project) -> ProjectAgreement:
    """Return the project's agreement totals, first recomputing any stale document's row.

    Three queries when everything is current (the totals, the fingerprint, the annotators'
    names); otherwise the stale documents are recomputed, ``BATCH`` at a time, and the totals
    summed again from every row.
    """
    totals = selectors.project_agreement_totals(project=project)
    if totals is None or _fingerprint(totals) != selectors.submitted_fingerprint(project=project):
        return project_agreement_rebuild(project=project)
    # Figures are kept by name: an annotator renamed since (in the admin) is a stale name.
    names = [row[1] for row in totals.counts if row[0] == "annotator"]
    if selectors.usernames_present(usernames=names) != len(names):
        project_agreement_forget(project_id=project.pk)
        return project_agreement_rebuild(project=project)
    return totals


def document_agreement_current(*, document_id: int) -> DocumentAgreement | None:
    """Return one document's stored agreement, first recomputing it if it is stale.

    None when the document has no submitted manual annotation. Two queries when the row is
    current (the row, the submitted annotations' ids and versions).
    """
    row = DocumentAgreement.objects.filter(document_id=document_id).first()
    current = [
        [pk, version]
        for pk, version in Annotation.objects.filter(
            document_id=document_id, kind=AnnotationKind.MANUAL, status=AnnotationStatus.SUBMITTED
        )
        .order_by("pk")
        .values_list("pk", "version")
    ]
    if (row.computed_from if row else []) == current:
        return row
    document_agreement_refresh(document_id=document_id)
    return DocumentAgreement.objects.filter(document_id=document_id).first()


def sentence_agreement_current(*, project: Project) -> dict[str, Any]:
    """Agreement on the project's sentence units, from every submitted label (one query)."""
    return agreement.sentence_agreement(selectors.sentence_judgements(project=project))


def project_agreement_forget(*, project_id: int) -> None:
    """Drop the project's stored agreement, so that the next read computes all of it again.

    For a renamed label, stance target or annotator: the stored counts carry names.
    """
    DocumentAgreement.objects.filter(project_id=project_id).delete()
    ProjectAgreement.objects.filter(project_id=project_id).delete()


def project_agreement_rebuild(*, project: Project) -> ProjectAgreement:
    """Recompute every stale document row of the project, then sum the totals again.

    ``BATCH`` documents a transaction, each replacing its share of the totals as a submission
    does: a request cut short (a proxy's timeout) keeps what it did, and the next one goes on
    from there. The totals are then summed again from every row, and their fingerprint from
    what the rows were computed from.
    """
    stale = _stale_documents(project)
    for start in range(0, len(stale), BATCH):
        _refresh_in_totals(project.pk, stale[start : start + BATCH])
    with transaction.atomic():
        totals = _locked_totals(project.pk)
        rows = list(selectors.document_agreement_rows(project=project).values())
        totals.counts = counts_to_json(counts_total(counts_from_json(row.counts) for row in rows))
        pairs = list(_pairs(rows))
        totals.annotations = len(pairs)
        totals.annotation_id_sum = sum(pk for pk, _ in pairs)
        totals.version_sum = sum(version for _, version in pairs)
        totals.save()
    return totals


def _stale_documents(project: Project) -> list[int]:
    """Documents whose row is missing, or computed from other annotations or versions."""
    current: dict[int, list[list[int]]] = {}
    for document_id, pk, version in (
        Annotation.objects.filter(
            document__project=project,
            kind=AnnotationKind.MANUAL,
            status=AnnotationStatus.SUBMITTED,
        )
        .order_by("pk")
        .values_list("document_id", "pk", "version")
    ):
        current.setdefault(document_id, []).append([pk, version])
    rows = selectors.document_agreement_rows(project=project)
    return sorted(
        {pk for pk, row in rows.items() if current.get(pk) != row.computed_from}
        | {pk for pk in current if pk not in rows}
    )


def _refresh_in_totals(project_id: int, document_ids: Collection[int]) -> None:
    """Under the totals' lock: replace the documents' rows and their share of the totals."""
    with transaction.atomic():
        totals = _locked_totals(project_id)
        old, new = _refresh(totals, document_ids)
        try:
            counts = counts_replace(counts_from_json(totals.counts), old, new)
        except ValueError:
            # The totals were not the sum of the rows (changed by hand?): rather than fail
            # the write, mark them stale, and the next read sums them again from the rows.
            counts = Counter()
            totals.annotation_id_sum = STALE
        totals.counts = counts_to_json(counts)
        totals.save()


def _locked_totals(project_id: int) -> ProjectAgreement:
    ProjectAgreement.objects.get_or_create(project_id=project_id)
    return ProjectAgreement.objects.select_for_update().get(project_id=project_id)


def _refresh(
    totals: ProjectAgreement, document_ids: Collection[int]
) -> tuple[Counter[Key], Counter[Key]]:
    """Replace the documents' rows and their share of the fingerprint; return the old and new
    counts of those documents, for the caller to replace in the totals."""
    works = selectors.document_work(project=totals.project_id, document_ids=document_ids)
    old = list(DocumentAgreement.objects.filter(document_id__in=document_ids))
    now = timezone.now()
    new = [_row(totals.project_id, pk, work, now) for pk, work in works.items()]
    for sign, rows in ((-1, old), (1, new)):
        for pk, version in _pairs(rows):
            totals.annotations += sign
            totals.annotation_id_sum += sign * pk
            totals.version_sum += sign * version
    DocumentAgreement.objects.filter(document_id__in=document_ids).delete()
    DocumentAgreement.objects.bulk_create(new)
    return (
        counts_total(counts_from_json(row.counts) for row in old),
        counts_total(counts_from_json(row.counts) for row in new),
    )


def _row(project_id: int, document_id: int, work: DocumentWork, now: datetime) -> DocumentAgreement:
    each = list(work.items.values())
    return DocumentAgreement(
        document_id=document_id,
        project_id=project_id,
        computed_from=[list(pair) for pair in work.computed_from],
        agreement=mean_pairwise_f1(each),
        disagreements=disagreement_count(each),
        counts=counts_to_json(document_counts(work.text, work.works) + document_uses(work.works)),
        computed_at=now,
    )


def _pairs(rows: Iterable[DocumentAgreement]) -> Iterable[tuple[int, int]]:
    for row in rows:
        yield from ((pk, version) for pk, version in row.computed_from)


def _fingerprint(totals: ProjectAgreement) -> Fingerprint:
    return Fingerprint(totals.annotations, totals.annotation_id_sum, totals.version_sum)
