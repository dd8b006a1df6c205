"""The output renderings (RowOutput: fields bound once per class) equal DRF's own."""

import uuid

import pytest
from django.utils import timezone
from rest_framework import serializers

from annotations import selectors
from annotations.api import serializers as outputs
from annotations.models import DocumentLabel, LabelAttribute, LabelGroup, Membership
from annotations.services.annotating import AnnotationContent, DocumentLabels
from annotations.services.projects import project_update
from tests.factories import AnnotationFactory, LabelFactory, RelationFactory, SpanFactory

pytestmark = pytest.mark.django_db


def drf_rendering(serializer_class, instance):
    """What DRF's stock to_representation makes of ``instance`` (fields built afresh)."""
    serializer = serializer_class(instance)
    return serializers.Serializer.to_representation(serializer, instance)


def test_every_output_class_renders_exactly_as_drf_does(world):
    claim = SpanFactory(
        annotation=world.own,
        label=world.claim,
        start=10,
        end=19,
        client_id=uuid.uuid4(),
        claimant=world.holder,
        checkworthy="yes",
    )
    relation = RelationFactory(
        source=claim, target=world.holder, label__kind="relation", client_id=uuid.uuid4()
    )
    topic = LabelFactory(
        project=world.project,
        kind="document",
        group=LabelGroup.objects.create(project=world.project, name="Topic", required=True),
    )
    DocumentLabel.objects.create(annotation=world.own, label=topic)
    world.own.status = "submitted"
    world.own.submitted_at = timezone.now()
    world.own.save()
    project = selectors.project_get_for_user(
        user=world.users["manager"], project_id=world.project.pk
    )
    document = selectors.document_get_for_user(
        user=world.users["annotator"], document_id=world.document.pk
    )
    annotation = selectors.annotation_get_for_user(
        user=world.users["annotator"], annotation_id=world.own.pk, with_content=True
    )
    gold = AnnotationFactory(document=world.document, author=None, kind="gold")
    project_update(project=world.project, actor=world.users["manager"], guidelines="# Rules")
    (version,) = selectors.guidelines_versions(project=world.project)
    cases = [
        (outputs.GuidelinesVersionOutput, version),
        (outputs.ProjectOutput, project),
        (outputs.MemberOutput, Membership.objects.filter(project=world.project).first()),
        (outputs.LabelOutput, world.claim),
        (
            outputs.LabelAttributeOutput,
            LabelAttribute.objects.create(
                label=world.claim, name="sentiment", type="choice", choices=["pos", "neg"]
            ),
        ),
        (outputs.TargetOutput, world.target),
        (outputs.DocumentOutput, document),
        (outputs.SpanOutput, claim),
        (outputs.SpanOutput, world.span),
        (outputs.SpanWriteOutput, claim),
        (outputs.StanceOutput, world.stance),
        (outputs.StanceWriteOutput, world.stance),
        (outputs.RelationOutput, relation),
        (outputs.RelationWriteOutput, relation),
        (outputs.AnnotationOutput, annotation),
        (outputs.AnnotationOutput, gold),
        (outputs.AnnotationDetailOutput, annotation),
        (outputs.VersionOutput, annotation),
        (
            outputs.ContentOutput,
            AnnotationContent(
                annotation=annotation,
                spans=list(annotation.spans.all()),
                stances=list(annotation.stances.all()),
                relations=list(annotation.relations.all()),
                document_labels=[topic.pk],
            ),
        ),
        (outputs.LabelOutput, topic),
        (outputs.LabelGroupOutput, topic.group),
        (
            outputs.DocumentLabelsOutput,
            DocumentLabels(annotation=annotation, labels=[topic.pk]),
        ),
    ]
    rendered = set()
    for serializer_class, instance in cases:
        fast = serializer_class(instance).data
        assert fast == drf_rendering(serializer_class, instance), serializer_class.__name__
        rendered.add(serializer_class)
    every = {
        value
        for value in vars(outputs).values()
        if isinstance(value, type) and issubclass(value, outputs.RowOutput)
    }
    # DocumentListOutput renders rows annotated by the list selector; it is checked below.
    assert every - rendered == {outputs.DocumentListOutput, outputs.RowOutput}
    # Nested lists go through the same path: the detail carries both spans.
    assert [span["id"] for span in outputs.AnnotationDetailOutput(annotation).data["spans"]] == [
        span.pk for span in annotation.spans.all()
    ]


def test_the_document_list_rendering_equals_drfs(world):
    rows = selectors.document_list_for_user(user=world.users["annotator"], project=world.project)
    for row in rows:
        assert outputs.DocumentListOutput(row).data == drf_rendering(
            outputs.DocumentListOutput, row
        )


def test_bodies_of_one_input_class_share_fields_but_nothing_else():
    """InputSerializer binds its fields once per class; each body still validates alone."""
    from annotations.api.annotating import SpanListApi

    bad = SpanListApi.InputSerializer(data={"label": "x", "start": 1, "colour": "red"})
    assert not bad.is_valid()
    good = SpanListApi.InputSerializer(data={"label": 3, "start": 1, "end": 2})
    assert good.is_valid(), good.errors
    assert good.validated_data == {"label": 3, "start": 1, "end": 2}
    assert set(bad.errors) == {"label", "end", "colour"}
    assert bad.fields is good.fields
    assert list(good.fields) == [
        "label",
        "start",
        "end",
        "text",
        "client_id",
        "claimant",
        "claimant_text",
        "checkworthy",
        "attributes",
        "unit",
        "version",
        "suggestion",
    ]
