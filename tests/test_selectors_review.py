"""The review queue's agreement: items match as annotations.items says (selectors/review.py)."""

import pytest

from annotations import items, selectors
from annotations.services.agreement import project_agreement_current
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    DocumentLabelFactory,
    LabelFactory,
    LabelGroupFactory,
    ProjectFactory,
    SpanFactory,
    StanceFactory,
    StanceTargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TEXT = "Keita said the talks will resume in Bamako."


@pytest.fixture
def pair():
    """Two submitted annotations of one document, each with Keita (PER) and a claim."""
    project = ProjectFactory()
    document = DocumentFactory(project=project, text=TEXT)
    per = LabelFactory(project=project, name="PER", kind="entity")
    claim = LabelFactory(project=project, name="CLAIM", kind="claim")
    work = []
    for name in ("ana", "ben"):
        annotation = AnnotationFactory(
            document=document, author=UserFactory(username=name), status="submitted"
        )
        keita = SpanFactory(annotation=annotation, label=per, start=0, end=5)
        said = SpanFactory(annotation=annotation, label=claim, start=11, end=42)
        work.append((annotation, keita, said))
    return project, work


def queue_row(project):
    # Built with factories (no services): the stored agreement is computed on first read.
    project_agreement_current(project=project)
    [row] = selectors.review_queue(project=project)
    return row


def test_claims_with_the_same_claimant_by_offsets_agree_though_its_ids_differ(pair):
    project, work = pair
    for _, keita, said in work:
        said.claimant = keita  # a different span (id) in each annotation, at the same offsets
        said.checkworthy = "yes"
        said.save()

    row = queue_row(project)

    assert (row.agreement, row.disagreements) == (1.0, 0)


def test_a_claim_whose_claimant_differs_is_a_disagreement(pair):
    project, [(_, keita, said), (_, _, other)] = pair
    said.claimant = keita
    said.save()
    other.claimant_text = "a minister"
    other.save()

    row = queue_row(project)

    # Each has Keita and a claim; only Keita is shared: F1 = 2 * 1 / (2 + 2). Before items.py,
    # the queue compared label and offsets only, and called this full agreement.
    assert (row.agreement, row.disagreements) == (0.5, 2)


def test_a_claim_whose_checkworthiness_differs_is_a_disagreement(pair):
    project, [(_, _, said), (_, _, other)] = pair
    said.checkworthy, other.checkworthy = "yes", "no"
    said.save()
    other.save()

    assert (queue_row(project).agreement, queue_row(project).disagreements) == (0.5, 2)


def test_a_stance_whose_evidence_differs_is_a_disagreement(pair):
    project, work = pair
    target = StanceTargetFactory(project=project, name="the talks")
    favor = LabelFactory(project=project, name="FAVOR", kind="stance")
    (ana, keita, said), (ben, ben_keita, _) = work
    StanceFactory(annotation=ana, target=target, label=favor, holder=keita, evidence=said)
    StanceFactory(annotation=ben, target=target, label=favor, holder=ben_keita)

    row = queue_row(project)

    # Three items each (Keita, the claim, the stance), two shared: F1 = 2 * 2 / (3 + 3).
    assert row.agreement == pytest.approx(2 / 3)
    assert row.disagreements == 2


def test_stances_with_holder_and_evidence_at_the_same_offsets_agree(pair):
    project, work = pair
    target = StanceTargetFactory(project=project, name="the talks")
    favor = LabelFactory(project=project, name="FAVOR", kind="stance")
    for annotation, keita, said in work:
        StanceFactory(
            annotation=annotation, target=target, label=favor, holder=keita, evidence=said
        )

    assert (queue_row(project).agreement, queue_row(project).disagreements) == (1.0, 0)


@pytest.fixture
def topic(pair):
    """A single-choice group Topic with politics and sport; returns (politics, sport)."""
    project, _work = pair
    group = LabelGroupFactory(project=project, name="Topic")
    return tuple(
        LabelFactory(project=project, name=name, kind="document", group=group)
        for name in ("politics", "sport")
    )


def test_document_labels_given_alike_agree(pair, topic):
    project, work = pair
    politics, _sport = topic
    for annotation, _, _ in work:
        DocumentLabelFactory(annotation=annotation, label=politics)

    row = queue_row(project)

    assert (row.agreement, row.disagreements) == (1.0, 0)


def test_annotators_who_chose_different_document_labels_in_a_group_disagree(pair, topic):
    project, [(ana, _, _), (ben, _, _)] = pair
    politics, sport = topic
    DocumentLabelFactory(annotation=ana, label=politics)
    DocumentLabelFactory(annotation=ben, label=sport)

    row = queue_row(project)

    # Each has Keita, a claim and a topic; the topics differ: F1 = 2 * 2 / (3 + 3).
    assert (round(row.agreement, 3), row.disagreements) == (0.667, 2)


def test_a_document_label_only_one_annotator_gave_is_a_disagreement(pair, topic):
    project, [(ana, _, _), _ben] = pair
    DocumentLabelFactory(annotation=ana, label=topic[0])

    row = queue_row(project)

    # ana has three items, ben two, all of ben's shared: F1 = 2 * 2 / (3 + 2).
    assert (row.agreement, row.disagreements) == (0.8, 1)


def test_document_work_reads_document_labels_in_one_query_whatever_the_documents(
    pair, topic, django_assert_num_queries
):
    project, _work = pair
    politics, sport = topic
    for index in range(10):
        document = DocumentFactory(project=project, text=f"{TEXT} {index}")
        for name, label in (("ana", politics), ("ben", sport)):
            author = UserFactory(username=f"{name}{index}")
            annotation = AnnotationFactory(document=document, author=author, status="submitted")
            DocumentLabelFactory(annotation=annotation, label=label)

    # Annotations, spans, stances, relations, document labels, the compared texts; and the
    # savepoint and its release of the transaction the texts' cursor is read in.
    with django_assert_num_queries(8):
        works = selectors.document_work(project=project)

    given = sorted(
        sorted(item.label for item in each if isinstance(item, items.DocumentLabelItem))
        for work in works.values()
        for each in work.items.values()
    )
    assert given == [[], []] + [["politics"]] * 10 + [["sport"]] * 10
