"""The quality page's reads: what they take in, what they leave out, and their query counts."""

from datetime import UTC, datetime

import pytest

from annotations.models import Annotation
from annotations.selectors.quality import GOLD, gold_documents, label_consistency
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    ProjectFactory,
    SpanFactory,
    StanceFactory,
    StanceTargetFactory,
    UserFactory,
)

TEXT = "Kidal and Gao are towns; Keita said so."


@pytest.fixture
def project(db):
    project = ProjectFactory()
    for name, kind in [("LOC", "entity"), ("ORG", "entity"), ("CLAIM", "claim")]:
        LabelFactory(project=project, name=name, kind=kind)
    LabelFactory(project=project, name="FAVOR", kind="stance")
    StanceTargetFactory(project=project, name="Talks")
    return project


def label(project, name):
    return project.labels.get(name=name)


def annotate(document, kind="manual", status="submitted", author=None, spans=()):
    if kind == "manual" and author is None:
        author = UserFactory()
    annotation = AnnotationFactory(document=document, kind=kind, status=status, author=author)
    for name, start, end in spans:
        SpanFactory(
            annotation=annotation, label=label(document.project, name), start=start, end=end
        )
    return annotation


def documents_with_gold(project, count, users):
    for index in range(count):
        document = DocumentFactory(project=project, text=f"{TEXT} {index}")
        gold = annotate(document, kind="gold", author=None, spans=[("LOC", 0, 5)])
        StanceFactory(
            annotation=gold,
            target=project.targets.get(),
            label=label(project, "FAVOR"),
        )
        for user in users:
            annotate(document, author=user, spans=[("ORG", 0, 5), ("CLAIM", 0, 23)])


def test_gold_documents_take_reviewed_gold_and_submitted_work_only(project):
    ana, ben = UserFactory(username="ana"), UserFactory(username="ben")
    documents_with_gold(project, 1, [ana])
    # Ben has not submitted: left out. A document whose gold is still in review: left out.
    document = project.documents.get()
    annotate(document, author=ben, status="in_progress", spans=[("LOC", 0, 5)])
    in_review = DocumentFactory(project=project, text="Gao again.")
    annotate(in_review, kind="gold", status="in_progress", spans=[("LOC", 0, 3)])
    annotate(in_review, author=ana, spans=[("LOC", 0, 3)])
    gold = gold_documents(project=project)
    assert gold.reviewed == 1
    (read,) = gold.documents
    assert read.document_id == document.pk
    assert list(read.works) == ["ana"]
    assert read.gold.entities == [(0, 5, "LOC")]
    assert read.gold.stances == [("Talks", None, "FAVOR")]
    assert read.works["ana"].entities == [(0, 5, "ORG")]
    assert read.works["ana"].claims == [(0, 23, "CLAIM", "")]
    assert read.surfaces[0, 5] == "Kidal"


def test_gold_documents_are_the_most_recently_reviewed(project):
    documents_with_gold(project, 3, [UserFactory(username="ana")])
    first, second, third = project.documents.order_by("pk")
    for day, document in ((3, first), (1, second), (2, third)):
        Annotation.objects.filter(document=document, kind="gold").update(
            submitted_at=datetime(2026, 12, day, tzinfo=UTC)
        )
    gold = gold_documents(project=project, limit=2)
    assert [read.document_id for read in gold.documents] == [first.pk, third.pk]
    assert gold.reviewed == 3


@pytest.mark.parametrize("documents", [2, 12])
def test_gold_documents_take_four_queries_whatever_the_size(
    project, documents, django_assert_num_queries
):
    users = [UserFactory(username=name) for name in ("ana", "ben", "cy")]
    documents_with_gold(project, documents, users)
    with django_assert_num_queries(4):
        read = gold_documents(project=project).documents
    assert len(read) == documents
    assert all(len(document.works) == 3 for document in read)


def test_label_consistency_lists_strings_with_two_labels_and_where(project):
    ana, ben = UserFactory(username="ana"), UserFactory(username="ben")
    first = DocumentFactory(project=project, text=f"{TEXT} 1")
    second = DocumentFactory(project=project, text=f"{TEXT} 2")
    annotate(first, author=ana, spans=[("LOC", 0, 5), ("LOC", 10, 13)])
    annotate(first, author=ben, spans=[("ORG", 0, 5), ("LOC", 10, 13)])
    annotate(second, kind="gold", author=None, spans=[("LOC", 0, 5)])
    # Not counted: work in progress, predictions, claims.
    annotate(second, author=ana, status="in_progress", spans=[("ORG", 10, 13)])
    annotate(second, kind="prediction", author=None, spans=[("ORG", 10, 13)])
    annotate(second, author=ben, spans=[("CLAIM", 10, 13)])
    found = label_consistency(project=project)
    assert found.total == 1
    (kidal,) = found.listed
    assert kidal.text == "Kidal" and kidal.spans == 3
    loc, org = kidal.labels
    assert (loc.label, loc.spans, loc.sources) == ("LOC", 2, {"ana": 1, GOLD: 1})
    assert loc.links == [first.pk, second.pk]
    assert (org.label, org.spans, org.links, org.sources) == ("ORG", 1, [first.pk], {"ben": 1})


@pytest.mark.parametrize("strings", [2, 8])
def test_label_consistency_takes_one_query_and_counts_what_it_leaves_out(
    project, strings, django_assert_num_queries
):
    ana, ben = UserFactory(username="ana"), UserFactory(username="ben")
    for index in range(strings):
        document = DocumentFactory(project=project, text=f"Town{index:02} is here.")
        annotate(document, author=ana, spans=[("LOC", 0, 6)])
        annotate(document, author=ben, spans=[("ORG", 0, 6)])
    with django_assert_num_queries(1):
        found = label_consistency(project=project, limit=3)
    assert found.total == strings
    assert len(found.listed) == min(3, strings)
    assert all(len(item.labels[0].links) == 1 for item in found.listed)
