"""Reverting logged changes: each kind of change, and the changes that cannot be reverted."""

import pytest

from annotations.errors import InvalidInput
from annotations.models import AnnotationEvent, EventAction, Span, Stance
from annotations.services import annotating, history
from annotations.services.history import event_revert
from annotations.services.review import gold_build
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    ProjectFactory,
    SpanFactory,
    StanceTargetFactory,
    UserFactory,
)

TEXT = "Keita met Macron in Bamako on Monday."


@pytest.fixture
def gold(db):
    project = ProjectFactory()
    document = DocumentFactory(project=project, text=TEXT)
    labels = {
        name: LabelFactory(project=project, name=name, kind=kind)
        for name, kind in [("PER", "entity"), ("LOC", "entity"), ("FAVOR", "stance")]
    }
    labels["AGAINST"] = LabelFactory(project=project, name="AGAINST", kind="stance")
    target = StanceTargetFactory(project=project, name="Talks")
    source = AnnotationFactory(document=document, status="submitted")
    SpanFactory(annotation=source, label=labels["PER"], start=0, end=5)
    annotation = gold_build(document=document, actor=None, annotation_ids=[source.pk]).annotation
    return annotation, labels, target


def last_event(annotation) -> AnnotationEvent:
    return AnnotationEvent.objects.filter(annotation=annotation).latest("id")


def rows(annotation):
    return sorted(
        (s.label.name, s.start, s.end) for s in Span.objects.filter(annotation=annotation)
    )


def test_reverting_a_created_span_deletes_it_and_reverting_that_brings_it_back(gold):
    annotation, labels, _ = gold
    reviewer = UserFactory()
    annotating.span_create(
        annotation=annotation, label=labels["LOC"], start=20, end=26, actor=reviewer
    )
    created = last_event(annotation)
    undo = event_revert(event=created, actor=reviewer)
    assert rows(annotation) == [("PER", 0, 5)]
    assert (undo.action, undo.object_id, undo.actor) == (EventAction.REVERTED, created.pk, reviewer)

    deleted = AnnotationEvent.objects.get(
        annotation=annotation, action=EventAction.SPAN_DELETED, before__start=20
    )
    event_revert(event=deleted, actor=reviewer)
    assert rows(annotation) == [("LOC", 20, 26), ("PER", 0, 5)]


def test_reverting_a_change_puts_the_old_values_back(gold):
    annotation, labels, _ = gold
    span = Span.objects.get(annotation=annotation)
    annotating.span_update(span=span, actor=None, label=labels["LOC"], end=9)
    event_revert(event=last_event(annotation), actor=None)
    assert rows(annotation) == [("PER", 0, 5)]


def test_reverting_a_deleted_claim_keeps_its_fields(gold):
    annotation, _, _ = gold
    claim_label = LabelFactory(project=annotation.document.project, name="CLAIM", kind="claim")
    keita = Span.objects.get(annotation=annotation)
    claim, _ = annotating.span_create(
        annotation=annotation,
        label=claim_label,
        start=6,
        end=16,
        claimant=keita,
        checkworthy="unsure",
        actor=None,
    )
    annotating.span_delete(span=claim, actor=None)
    event_revert(event=last_event(annotation), actor=None)
    again = Span.objects.get(annotation=annotation, label=claim_label)
    assert (again.start, again.end, again.claimant_id, again.checkworthy) == (
        6,
        16,
        keita.pk,
        "unsure",
    )


def test_stance_changes_are_reverted(gold):
    annotation, labels, target = gold
    keita = Span.objects.get(annotation=annotation)
    stance = annotating.stance_create(
        annotation=annotation, target=target, label=labels["FAVOR"], holder=keita, actor=None
    )
    annotating.stance_update(stance=stance, actor=None, label=labels["AGAINST"])
    event_revert(event=last_event(annotation), actor=None)
    assert Stance.objects.get(annotation=annotation).label == labels["FAVOR"]
    annotating.stance_delete(stance=Stance.objects.get(annotation=annotation), actor=None)
    event_revert(event=last_event(annotation), actor=None)
    restored = Stance.objects.get(annotation=annotation)
    assert (restored.label, restored.holder_id) == (labels["FAVOR"], keita.pk)


def test_reverting_a_gold_rebuild_restores_the_previous_content(gold):
    annotation, labels, _ = gold
    annotating.span_create(annotation=annotation, label=labels["LOC"], start=20, end=26, actor=None)
    document = annotation.document
    other = AnnotationFactory(document=document, status="submitted")
    SpanFactory(annotation=other, label=labels["PER"], start=10, end=16)
    gold_build(document=document, actor=None, annotation_ids=[other.pk])
    assert rows(annotation) == [("PER", 10, 16)]
    event_revert(event=last_event(annotation), actor=None)
    assert rows(annotation) == [("LOC", 20, 26), ("PER", 0, 5)]


def test_a_change_changed_again_since_cannot_be_reverted(gold):
    annotation, labels, _ = gold
    span = Span.objects.get(annotation=annotation)
    annotating.span_update(span=span, actor=None, end=9)
    first = last_event(annotation)
    annotating.span_update(span=span, actor=None, label=labels["LOC"])
    with pytest.raises(InvalidInput) as error:
        event_revert(event=first, actor=None)
    assert "changed again since" in error.value.errors["event"][0]
    assert rows(annotation) == [("LOC", 0, 9)]


def test_a_change_is_reverted_once_and_status_changes_are_not_reverted(gold):
    annotation, labels, _ = gold
    annotating.span_create(annotation=annotation, label=labels["LOC"], start=20, end=26, actor=None)
    created = last_event(annotation)
    undo = event_revert(event=created, actor=None)
    with pytest.raises(InvalidInput) as error:
        event_revert(event=created, actor=None)
    assert error.value.errors == {"event": [history.ALREADY_REVERTED.format(event=undo.pk)]}
    with pytest.raises(InvalidInput):
        event_revert(event=undo, actor=None)
