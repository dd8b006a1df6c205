"""The review queue's agreement: items match as annotations.items says (selectors/review.py)."""

import pytest

from annotations import selectors
from annotations.services.agreement import project_agreement_current
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
