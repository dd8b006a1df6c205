"""Comments in the database: its constraints refuse bad rows; its deletes keep the discussion.

Bad rows are written with ``QuerySet.update()`` or ``bulk_create()``, so no service and no
model validation stands between them and the table: only the schema's constraints do.
"""

import pytest
from django.db.models import ProtectedError

from annotations import selectors
from annotations.models import AnnotationKind, Comment, Role
from annotations.models.comments import BODY_MAX_LENGTH
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    MembershipFactory,
    ProjectFactory,
    SpanFactory,
    StanceFactory,
    UserFactory,
)
from tests.models.test_constraints import refused_by

pytestmark = pytest.mark.django_db


@pytest.fixture
def comment():
    annotation = AnnotationFactory()
    span = SpanFactory(annotation=annotation)
    return Comment.objects.create(
        document=annotation.document,
        annotation=annotation,
        span=span,
        author=annotation.author,
        body="Is this right?",
    )


def test_a_comment_has_at_most_one_target(comment):
    stance = StanceFactory(annotation=comment.annotation)
    with refused_by("annotations_comment_one_target"):
        Comment.objects.filter(pk=comment.pk).update(stance=stance)


def test_a_comment_on_a_target_names_whose_work_it_is_about(comment):
    with refused_by("annotations_comment_target_has_annotation"):
        Comment.objects.filter(pk=comment.pk).update(annotation=None)


def test_resolved_says_by_whom_and_when(comment):
    with refused_by("annotations_comment_resolved_by_whom"):
        Comment.objects.filter(pk=comment.pk).update(resolved_by=comment.author)


@pytest.mark.parametrize("body", ["", "x" * (BODY_MAX_LENGTH + 1)])
def test_the_body_is_never_empty_nor_over_the_limit(comment, body):
    with refused_by("annotations_comment_body_length"):
        Comment.objects.filter(pk=comment.pk).update(body=body)


def test_a_body_of_the_limit_in_emoji_fits(comment):
    Comment.objects.filter(pk=comment.pk).update(body="\U0001f1f2" * BODY_MAX_LENGTH)
    assert len(Comment.objects.get(pk=comment.pk).body) == BODY_MAX_LENGTH


def test_deleting_the_span_keeps_the_comment_with_its_annotation(comment):
    comment.span.delete()

    kept = Comment.objects.get(pk=comment.pk)
    assert kept.span is None and kept.annotation_id == comment.annotation_id


def test_deleting_the_stance_keeps_the_comment(comment):
    stance = StanceFactory(annotation=comment.annotation)
    Comment.objects.filter(pk=comment.pk).update(span=None, stance=stance)

    stance.delete()

    assert Comment.objects.get(pk=comment.pk).stance is None


def test_an_author_with_comments_cannot_be_deleted(comment):
    comment.annotation.delete()  # their annotation goes, with the comments about it
    kept = Comment.objects.create(document=comment.document, author=comment.author, body="x")

    with pytest.raises(ProtectedError):
        kept.author.delete()


def test_deleting_the_document_deletes_its_comments(comment):
    comment.document.delete()

    assert not Comment.objects.exists()


def test_one_comment_visibility_is_the_list_rule_for_every_role_and_annotation():
    """comment_visible (one loaded row) and _visible_to (a queryset filter) never disagree."""
    project = ProjectFactory()
    document = DocumentFactory(project=project)
    caller, other = UserFactory(), UserFactory()
    MembershipFactory(project=project, user=other, role=Role.REVIEWER)
    about = [
        None,
        AnnotationFactory(document=document, author=caller, kind=AnnotationKind.MANUAL),
        AnnotationFactory(document=document, author=other, kind=AnnotationKind.MANUAL),
        AnnotationFactory(document=document, author=None, kind=AnnotationKind.GOLD),
        AnnotationFactory(document=document, author=None, kind=AnnotationKind.PREDICTION),
    ]
    comments = [
        Comment.objects.create(document=document, annotation=annotation, author=other, body="x")
        for annotation in about
    ]
    checked = 0
    # A blind study (suggestions off) too: there an annotator reads no prediction.
    for shown in (True, False):
        project.show_suggestions = shown
        project.save()
        for role in (None, *Role.values):
            if role is not None:
                MembershipFactory(project=project, user=caller, role=role)
            listed = set(
                selectors.comment_list_for_user(user=caller, document=document).values_list(
                    "pk", flat=True
                )
            )
            for comment in comments:
                one = selectors.comment_get_for_user(user=caller, comment_id=comment.pk)
                assert (one is not None) == (comment.pk in listed), (role, comment.annotation)
                assert (one is not None) == selectors.comment_visible(comment, caller, role)
                checked += 1
            caller.memberships.all().delete()
    assert checked == 40
    # An annotator reads the reviewer's note, their own work's and the prediction's comments;
    # in a blind study not the prediction's.
    MembershipFactory(project=project, user=caller, role=Role.ANNOTATOR)
    seen = selectors.comment_list_for_user(user=caller, document=document)
    assert [c.annotation for c in seen] == [about[0], about[1]]
    project.show_suggestions = True
    project.save()
    seen = selectors.comment_list_for_user(user=caller, document=document)
    assert [c.annotation for c in seen] == [about[0], about[1], about[4]]
