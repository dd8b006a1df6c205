"""The hand-written annotation lookups (rows.py) agree with the ORM they stand in for."""

import uuid

import orjson
import pytest
from django.utils import timezone

from annotations import selectors
from annotations.api.serializers import AnnotationDetailOutput
from annotations.models import Annotation, AnnotationKind, AnnotationStatus, Role
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    SpanFactory,
    StanceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_one_annotation_visibility_is_the_list_rule_for_every_role_kind_and_author():
    """annotation_visible (one loaded row) and _visible_to (a queryset filter) never disagree."""
    project = ProjectFactory()
    document = DocumentFactory(project=project)
    caller, other = UserFactory(), UserFactory()
    MembershipFactory(project=project, user=other, role=Role.ANNOTATOR)
    annotations = [
        AnnotationFactory(document=document, author=caller, kind=AnnotationKind.MANUAL),
        AnnotationFactory(document=document, author=other, kind=AnnotationKind.MANUAL),
        AnnotationFactory(document=document, author=None, kind=AnnotationKind.GOLD),
        AnnotationFactory(document=document, author=None, kind=AnnotationKind.PREDICTION),
    ]
    checked = 0
    for role in (None, *Role.values):
        if role is not None:
            MembershipFactory(project=project, user=caller, role=role)
        listed = set(
            selectors.annotation_list_for_user(user=caller, document=document).values_list(
                "pk", flat=True
            )
        )
        for annotation in annotations:
            one = selectors.annotation_get_for_user(user=caller, annotation_id=annotation.pk)
            assert (one is not None) == (annotation.pk in listed), (role, annotation.kind)
            assert (one is not None) == selectors.annotation_visible(annotation, caller, role)
            checked += 1
        caller.memberships.all().delete()
    assert checked == 16
    # What the rule says, spelled out once: an annotator sees their own and the predictions.
    MembershipFactory(project=project, user=caller, role=Role.ANNOTATOR)
    seen = [
        selectors.annotation_get_for_user(user=caller, annotation_id=a.pk) is not None
        for a in annotations
    ]
    assert seen == [True, False, False, True]


def test_the_loaded_annotation_has_every_field_converted_as_the_orm_converts_it():
    project = ProjectFactory(allow_overlap=True)
    author = UserFactory(username="aminata")
    MembershipFactory(project=project, user=author, role=Role.REVIEWER)
    document = DocumentFactory(project=project, text="Keïta à Bamako.")
    annotation = AnnotationFactory(
        document=document,
        author=author,
        status=AnnotationStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    expected = Annotation.objects.select_related("author").get(pk=annotation.pk)

    got = selectors.annotation_get_for_user(user=author, annotation_id=annotation.pk)

    for field in Annotation._meta.concrete_fields:
        assert getattr(got, field.attname) == getattr(expected, field.attname), field.name
    assert got.submitted_at.tzinfo is not None
    assert got.author.username == "aminata"
    assert got.caller_role == Role.REVIEWER

    locked = selectors.annotation_lock(annotation_id=annotation.pk)
    assert locked.version == expected.version
    assert locked.document.text == "Keïta à Bamako."
    assert locked.document.project.allow_overlap is True
    assert locked.document.project_id == project.pk


@pytest.mark.parametrize("annotation_id", [0, -1, 2**63 - 1, 2**63, -(2**63) - 1, 10**30])
def test_ids_that_name_nothing_are_none_not_an_error(annotation_id):
    user = UserFactory()
    assert selectors.annotation_get_for_user(user=user, annotation_id=annotation_id) is None


def test_a_non_member_and_another_projects_member_get_nothing():
    annotation = AnnotationFactory(kind=AnnotationKind.PREDICTION, author=None)
    stranger = UserFactory()
    MembershipFactory(project=ProjectFactory(), user=stranger, role=Role.MANAGER)
    for user in (stranger, UserFactory()):
        assert selectors.annotation_get_for_user(user=user, annotation_id=annotation.pk) is None


def test_span_create_facts_reads_label_replay_and_first_overlap_of_the_same_kind():
    import uuid

    from tests.factories import LabelFactory, SpanFactory

    project = ProjectFactory()
    document = DocumentFactory(project=project, text="Keita met Macron in Bamako on Monday.")
    annotation = AnnotationFactory(document=document)
    person = LabelFactory(project=project, name="PER", kind="entity")
    claim = LabelFactory(project=project, name="CLAIM", kind="claim")
    elsewhere = LabelFactory(name="PER", kind="entity")
    retried = uuid.uuid4()
    keita = SpanFactory(annotation=annotation, label=person, start=0, end=5, client_id=retried)
    SpanFactory(annotation=annotation, label=claim, start=6, end=16)
    macron = SpanFactory(annotation=annotation, label=person, start=10, end=16)

    def facts(**overrides):
        asked = {
            "annotation_id": annotation.pk,
            "project_id": project.pk,
            "label_id": person.pk,
            "client_id": None,
            "start": 3,
            "end": 12,
        }
        return selectors.span_create_facts(**{**asked, **overrides})

    found = facts()
    assert found.label == person and found.label.kind == "entity"
    assert found.replayed is None
    # Both entity spans overlap [3, 12); the first by start is named, the claim is ignored.
    assert (found.overlap.pk, found.overlap.start, found.overlap.end) == (keita.pk, 0, 5)
    assert facts(start=6, end=9).overlap is None
    assert facts(start=6, end=11).overlap.pk == macron.pk
    assert facts(label_id=claim.pk, start=0, end=3).overlap is None
    assert facts(label_id=claim.pk, start=15, end=20).overlap is not None

    replay = facts(client_id=retried)
    assert replay.replayed.pk == keita.pk and replay.replayed.label.name == "PER"
    assert facts(client_id=uuid.uuid4()).replayed is None

    assert facts(label_id=elsewhere.pk).label is None
    for label_id in ("1", 2**63, None):
        assert facts(label_id=label_id).label is None
    assert facts(start="3", end=None).overlap is None
    assert facts(start=2**64, end=2**64 + 1).overlap is None


def test_annotation_content_rows_are_what_the_api_detail_renders():
    annotation = AnnotationFactory(document__text="Keïta 🇲🇱 said the talks in Bamako failed.")
    project = annotation.document.project
    per = LabelFactory(project=project, name="PER")
    claim = LabelFactory(project=project, name="CLAIM", kind="claim")
    keita = SpanFactory(annotation=annotation, label=per, start=0, end=5, client_id=uuid.uuid4())
    said = SpanFactory(
        annotation=annotation, label=claim, start=9, end=41, claimant=keita, checkworthy="yes"
    )
    SpanFactory(annotation=annotation, label=claim, start=14, end=23, claimant_text="AFP")
    StanceFactory(annotation=annotation, holder=keita, evidence=said)
    StanceFactory(annotation=annotation)
    other = AnnotationFactory(document=annotation.document)
    SpanFactory(annotation=other, label=per, start=0, end=5)

    rows = selectors.annotation_content(annotation=annotation)
    detail = AnnotationDetailOutput(annotation).data
    assert rows == {
        "spans": detail["spans"],
        "stances": detail["stances"],
        "relations": detail["relations"],
    }
    assert [span["start"] for span in rows["spans"]] == [0, 9, 14]
    assert rows["spans"][0]["client_id"] == str(keita.client_id)
    assert rows["stances"][0]["holder"] == keita.pk

    # The annotate page's form: the same rows, each span an array of span_fields.
    compact = selectors.annotation_content_compact(annotation=annotation)
    fields = compact["span_fields"]
    expanded = [
        dict(zip(fields, row, strict=True)) for row in orjson.loads(orjson.dumps(compact["spans"]))
    ]
    assert expanded == rows["spans"]
    assert compact["stances"] == rows["stances"]


def test_document_state_counts_puts_each_document_in_its_one_state(django_assert_num_queries):
    project = ProjectFactory(annotators_per_document=2)
    ana, ben = UserFactory(), UserFactory()

    def document(*annotations):
        made = DocumentFactory(project=project)
        for kind, author, status in annotations:
            AnnotationFactory(document=made, kind=kind, author=author, status=status)

    document()  # not started
    document(("prediction", None, "in_progress"))  # a model's work is nobody's start
    document(("manual", ana, "in_progress"))  # in progress
    document(("manual", ana, "submitted"))  # in progress: one place of two finished
    document(("manual", ana, "skipped"), ("manual", ben, "skipped"))  # skipped
    document(("manual", ana, "submitted"), ("manual", ben, "skipped"))  # ready
    document(("manual", ana, "submitted"), ("gold", None, "in_progress"))  # in review
    document(("manual", ana, "submitted"), ("gold", None, "submitted"))  # reviewed
    document(("gold", None, "submitted"))  # reviewed

    with django_assert_num_queries(1):
        counts = selectors.document_state_counts(project=project)

    assert counts == {
        "not_started": 2,
        "in_progress": 2,
        "skipped": 1,
        "ready": 1,
        "in_review": 1,
        "reviewed": 2,
    }
