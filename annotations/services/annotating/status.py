"""An annotation's life: get-or-create the author's own, then submit, skip and reopen it.

An annotation records the guidelines version current when it was created
(``guidelines_version``) and the one current when it was last submitted
(``submitted_guidelines_version``; for gold, marked reviewed). Edits in between change neither.
"""

from collections import defaultdict
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations import access, attributes, selectors
from annotations.errors import Forbidden, InvalidInput
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    EventAction,
    LabelAttribute,
    Membership,
    Relation,
    Span,
    Stance,
)
from annotations.services.annotating.doclabels import document_labels_missing
from annotations.services.annotating.locking import annotation_lock_for_write, sync
from annotations.services.annotating.messages import (
    ATTRIBUTE_MISSING,
    ATTRIBUTES_MISSING_MORE,
    REOPEN_FORBIDDEN,
    REOPEN_SKIPPED_FORBIDDEN,
    STATUS_TRANSITION,
    STATUS_UNCHANGED,
    STATUS_UNKNOWN,
)
from annotations.services.annotating.suggested import suggestions_settle
from annotations.services.annotating.unitrules import units_left_errors
from annotations.services.changelog import annotation_change_record

REOPENERS = access.roles_where(access.may_reopen)

# Status changes a client may ask for; anything else (including staying put) is refused.
TRANSITIONS: dict[str, set[AnnotationStatus]] = {
    AnnotationStatus.IN_PROGRESS: {AnnotationStatus.SUBMITTED, AnnotationStatus.SKIPPED},
    AnnotationStatus.SUBMITTED: {AnnotationStatus.IN_PROGRESS},
    AnnotationStatus.SKIPPED: {AnnotationStatus.IN_PROGRESS},
}


@transaction.atomic
def annotation_get_or_create(
    *, document: Document, author: User, actor: User | None = None
) -> tuple[Annotation, bool]:
    """Return the author's manual annotation of the document, creating it if needed.

    ``actor`` is who opened it, logged on its creation: the author unless a manager handed it.
    """
    existing = _manual_annotation(document, author)
    if existing is not None:
        return existing, False
    try:
        # A savepoint: a concurrent request may insert the same row between our read and
        # our insert; the unique constraint then fires and the other row is the answer.
        with transaction.atomic():
            annotation = Annotation.objects.create(
                document=document,
                author=author,
                kind=AnnotationKind.MANUAL,
                guidelines_version=selectors.guidelines_current(project_id=document.project_id),
            )
            annotation_change_record(
                annotation=annotation,
                actor=actor or author,
                action=EventAction.ANNOTATION_CREATED,
                after={"kind": annotation.kind, "status": annotation.status},
                bump=False,
            )
    except IntegrityError:
        existing = _manual_annotation(document, author)
        if existing is None:
            raise
        return existing, False
    return annotation, True


@transaction.atomic
def annotation_set_status(
    *, annotation: Annotation, status: str, version: int, actor: User | None
) -> Annotation:
    """Submit, skip or reopen the annotation; refuse a stale version."""
    locked, _ = annotation_lock_for_write(
        annotation_id=annotation.pk,
        version=version,
        writable=False,
        first=lambda _locked: _check_status_value(status),
    )
    current = locked.status
    if status == current:
        raise InvalidInput({"status": [STATUS_UNCHANGED.format(status=current)]})
    if status not in TRANSITIONS[current]:
        raise InvalidInput({"status": [STATUS_TRANSITION.format(current=current, status=status)]})
    if status == AnnotationStatus.IN_PROGRESS:
        _check_may_reopen(locked, actor)
    if status == AnnotationStatus.SUBMITTED and (left := units_left_errors(locked)):
        raise InvalidInput(left)
    fields: dict[str, Any] = {"status": status, "submitted_at": None}
    if status == AnnotationStatus.SUBMITTED and (missing := document_labels_missing(locked)):
        raise InvalidInput(missing)
    if status == AnnotationStatus.SUBMITTED:
        # Reopening keeps the version it was last submitted under until it is submitted again.
        _check_required_attributes(locked)
        fields["submitted_at"] = timezone.now()
        version_now = selectors.guidelines_current(project_id=locked.document.project_id)
        fields["submitted_guidelines_version_id"] = None if version_now is None else version_now.pk
        suggestions_settle(locked=locked)
    annotation_change_record(
        annotation=locked,
        actor=actor,
        action=EventAction.STATUS_CHANGED,
        before={"status": current},
        after={"status": status},
        fields=fields,
    )
    sync(annotation, locked)
    return locked


# How many items a refused submit lists; the rest are counted.
MISSING_LISTED = 10


def _check_required_attributes(locked: Annotation) -> None:
    """Refuse to submit while an item lacks a value its label requires, naming each one."""
    declared = (
        LabelAttribute.objects.users()
        .filter(label__project_id=locked.document.project_id, required=True)
        .values_list("label_id", "name")
    )
    required: dict[int, list[attributes.Declared]] = defaultdict(list)
    for label_id, name in declared:
        required[label_id].append(attributes.Declared(name, "", required=True))
    if not required:
        return
    items: list[tuple[str, int, dict[str, Any]]] = []
    spans = Span.objects.filter(annotation=locked, label_id__in=required).values_list(
        "pk", "label_id", "label__name", "start", "end", "text", "attribute_values"
    )
    for pk, label_id, label, start, end, text, values in spans:
        items.append((f'Span {pk} ({label} "{text}", {start}-{end})', label_id, values))
    stances = Stance.objects.filter(annotation=locked, label_id__in=required).values_list(
        "pk", "label_id", "label__name", "target__name", "attributes"
    )
    for pk, label_id, label, target, values in stances:
        items.append((f'Stance {pk} ({label} on "{target}")', label_id, values))
    relations = Relation.objects.filter(annotation=locked, label_id__in=required).values_list(
        "pk", "label_id", "label__name", "source_id", "target_id", "attributes"
    )
    for pk, label_id, label, source_id, target_id, values in relations:
        name = f"Relation {pk} ({label}, span {source_id} -> span {target_id})"
        items.append((name, label_id, values))
    messages = []
    for item, label_id, values in items:
        missing = attributes.missing_required(values, required[label_id])
        if missing:
            messages.append(ATTRIBUTE_MISSING.format(item=item, names=", ".join(missing)))
    if len(messages) > MISSING_LISTED:
        more = len(messages) - MISSING_LISTED
        messages = [*messages[:MISSING_LISTED], ATTRIBUTES_MISSING_MORE.format(count=more)]
    if messages:
        raise InvalidInput({"status": messages})


def _check_status_value(status: str) -> None:
    if status not in AnnotationStatus.values:
        raise InvalidInput({"status": [STATUS_UNKNOWN.format(value=status)]})


def _check_may_reopen(locked: Annotation, actor: User | None) -> None:
    """Reopening submitted work is a reviewer's call; a skip may also be undone by its author."""
    if actor is None:
        return
    if locked.status == AnnotationStatus.SKIPPED and locked.author_id == actor.pk:
        return
    may = Membership.objects.filter(
        project_id=locked.document.project_id, user=actor, role__in=REOPENERS
    ).exists()
    if not may:
        message = (
            REOPEN_SKIPPED_FORBIDDEN
            if locked.status == AnnotationStatus.SKIPPED
            else REOPEN_FORBIDDEN
        )
        raise Forbidden(message)


def _manual_annotation(document: Document, author: User) -> Annotation | None:
    return Annotation.objects.filter(
        document=document, author=author, kind=AnnotationKind.MANUAL
    ).first()
