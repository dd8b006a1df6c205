"""The event log's one writer: a change to an annotation bumps its version and appends its event.

Every write to an annotation, its spans or its stances (annotating, assignment, reverts, and
through them review) ends in ``annotation_change_record``: the version goes up by exactly one,
the ``AnnotationEvent`` saying who changed what (``before``/``after``: plain JSON) is appended
with that new version, and both happen in the caller's transaction (``annotation_changes_record``
does the same for many changes of one kind at once). Nothing else writes
``AnnotationEvent`` rows or ``Annotation.version``. A change to work that is or becomes
submitted (manual) also refreshes its document's stored agreement
(``services.agreement``), in the same transaction, and a change that can change the
project's claim-matching index queues, after the commit, a sync of it
(``services.matching.claims_changed``): the caller says whether its change touches a claim
span (``claims``) and ``services.matching.index_touched`` decides, without a query.

The caller must hold the annotation's row lock (``annotating.annotation_lock_for_write``):
the new version is computed from the locked instance, which is exact only because nobody
else can write the row until the transaction ends. On PostgreSQL the bump, the rows the
change inserts and the event are one statement (``db.rows.bump_and_insert``).
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db.models import F, Model
from django.utils import timezone

from annotations.db import rows
from annotations.models import Annotation, AnnotationEvent, AnnotationKind, AnnotationStatus
from annotations.services.agreement import document_agreement_refresh
from annotations.services.matching import claims_changed, index_touched

NOTHING_TO_BUMP = "An event recorded without a version bump writes nothing else; got {what}."


def annotation_change_record(
    *,
    annotation: Annotation,
    actor: User | None,
    action: str,
    object_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    fields: Mapping[str, Any] | None = None,
    inserts: Sequence[Model] = (),
    bump: bool = True,
    claims: bool | None = None,
) -> AnnotationEvent:
    """Bump the locked annotation's version (setting ``fields``) and append the event for it.

    ``inserts``: unsaved rows the change adds, inserted first; give their ids drawn beforehand
    (see ``selectors.span_create_facts``) and they are marked saved afterwards. ``fields``
    names model fields by attname (``author_id``, not ``author``). The locked instance is
    updated in place (version, ``updated_at``, ``fields``).

    ``bump=False`` appends the event at the current version and writes nothing else: for an
    annotation just created (born at version 1) and for the mark a revert leaves beside the
    change that undid it (which did the bump).

    ``claims``: whether the change touches a claim span (before or after it); ``None`` when
    the caller does not know (a revert, a reassignment, a status change), which queues a sync
    of the claim index whenever the annotation is indexed.

    Returns the event; with ``bump`` (one statement, nothing read back) its ``pk`` is not set.
    """
    event = AnnotationEvent(
        annotation=annotation,
        actor=actor,
        action=action,
        object_id=object_id,
        before=before,
        after=after,
        version=annotation.version + (1 if bump else 0),
    )
    if not bump:
        if fields or inserts:
            raise ValueError(NOTHING_TO_BUMP.format(what=[*(fields or {}), *inserts]))
        event.save()
        return event
    # Work that is or becomes submitted is what agreement is computed from.
    submitted = AnnotationStatus.SUBMITTED in (annotation.status, (fields or {}).get("status"))
    status_before = annotation.status
    changed = {**(fields or {}), "updated_at": timezone.now()}
    rows.bump_and_insert(Annotation, annotation.pk, "version", changed, *inserts, event)
    annotation.version += 1
    for name, value in changed.items():
        setattr(annotation, name, value)
    if submitted and annotation.kind == AnnotationKind.MANUAL:
        document_agreement_refresh(document_id=annotation.document_id)
    if index_touched(annotation=annotation, status_before=status_before, claims=claims):
        claims_changed(document_id=annotation.document_id)
    return event


def annotation_changes_record(
    *,
    annotation: Annotation,
    actor: User | None,
    action: str,
    changes: Sequence[tuple[int | None, dict[str, Any] | None, dict[str, Any] | None]],
) -> None:
    """Record many changes of one kind at once: ``(object_id, before, after)`` each.

    The same as one ``annotation_change_record`` per change (the version goes up by one per
    change and each event carries its own), in two statements whatever their number: for
    writes that make many items in one go (annotate all occurrences).
    """
    if not changes:
        return
    now = timezone.now()
    Annotation.objects.filter(pk=annotation.pk).update(
        version=F("version") + len(changes), updated_at=now
    )
    AnnotationEvent.objects.bulk_create(
        AnnotationEvent(
            annotation=annotation,
            actor=actor,
            action=action,
            object_id=object_id,
            before=before,
            after=after,
            version=annotation.version + number,
        )
        for number, (object_id, before, after) in enumerate(changes, start=1)
    )
    annotation.version += len(changes)
    annotation.updated_at = now
    if annotation.status == AnnotationStatus.SUBMITTED and annotation.kind == AnnotationKind.MANUAL:
        document_agreement_refresh(document_id=annotation.document_id)
