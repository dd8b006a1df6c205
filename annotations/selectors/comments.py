"""Comments as one member sees them, the targets a comment may name, and open-comment counts.

Invariants:

- Who reads a comment is one rule, written once as a queryset filter (``_visible_to``) and once
  for a loaded row (``comment_visible``); a test holds them equal. Reviewers and managers read
  every comment of their projects' documents. An annotator works blind: they read comments
  that are about nobody's work (a reviewer's or manager's note on the document) and comments
  about an annotation they may read (their own, the predictions while the project shows
  suggestions), as ``selectors.annotations`` decides for annotations themselves; never a comment
  on another annotator's span, stance or note, nor on gold, nor on a prediction in a blind study
  (``show_suggestions`` off).
- A target (span, stance) is looked up inside the document and among the annotations the
  caller may read: another document's span, or another annotator's, names nothing.
- Every read costs a fixed number of queries, whatever the number of comments and mentions.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet

from annotations.models import (
    Annotation,
    AnnotationKind,
    Comment,
    Document,
    Membership,
    Span,
    Stance,
)
from annotations.selectors.annotations import SEE_ALL_ROLES, annotation_visible
from annotations.selectors.base import INT64, role_of


def _visible_to(user: User) -> Q:
    """Comments a member may read, given ``caller_role`` on the rows; see the module's rule."""
    return (
        Q(caller_role__in=SEE_ALL_ROLES)
        | Q(annotation__isnull=True)
        | Q(annotation__author=user, annotation__kind=AnnotationKind.MANUAL)
        | Q(annotation__kind=AnnotationKind.PREDICTION, document__project__show_suggestions=True)
    )


def comment_visible(comment: Comment, user: User, role: str | None) -> bool:
    """Whether a member with ``role`` (None: not a member) may read ``comment``.

    Reads ``comment.annotation`` (select it with the comment).
    """
    if role is None:
        return False
    if comment.annotation is None:
        return True
    return annotation_visible(comment.annotation, user, role)


def _with_people(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    mentioned = User.objects.only("username").order_by("username")
    return comments.select_related("author", "resolved_by", "annotation").prefetch_related(
        Prefetch("mentions", mentioned)
    )


def comment_list_for_user(*, user: User, document: Document) -> QuerySet[Comment]:
    """Return the document's comments the user may read, oldest first, with their people.

    Two queries (the comments with author, resolver and annotation; their mentions).
    """
    return _with_people(
        Comment.objects.filter(document=document)  # type: ignore[no-redef, misc]  # see role_of
        .annotate(caller_role=role_of(user, "document__project_id"))
        .filter(caller_role__isnull=False)
        .filter(_visible_to(user))
        .order_by("created_at", "id")
    )


def comment_get_for_user(*, user: User, comment_id: int) -> Comment | None:
    """Return a comment the user may read, with ``caller_role`` and its people, or None."""
    if comment_id not in INT64:
        return None
    return (
        _with_people(Comment.objects.filter(pk=comment_id))  # type: ignore[no-redef, misc]  # see role_of
        .annotate(caller_role=role_of(user, "document__project_id"))
        .filter(caller_role__isnull=False)
        .filter(_visible_to(user))
        .first()
    )


def comment_span_target(*, user: User, role: str, document: Document, span_id: int) -> Span | None:
    """Return the document's span ``span_id`` if the user may read it (with annotation, label)."""
    if span_id not in INT64:
        return None
    span = (
        Span.objects.filter(pk=span_id, annotation__document=document)
        .select_related("annotation", "label")
        .first()
    )
    if span is None or not annotation_visible(span.annotation, user, role):
        return None
    return span


def comment_stance_target(
    *, user: User, role: str, document: Document, stance_id: int
) -> Stance | None:
    """Return the document's stance ``stance_id`` if the user may read it (with its names)."""
    if stance_id not in INT64:
        return None
    stance = (
        Stance.objects.filter(pk=stance_id, annotation__document=document)
        .select_related("annotation", "label", "target")
        .first()
    )
    if stance is None or not annotation_visible(stance.annotation, user, role):
        return None
    return stance


def comment_own_annotation(*, user: User, document: Document) -> Annotation | None:
    """Return the user's own manual annotation of the document (an annotator's notes go there)."""
    return Annotation.objects.filter(
        document=document, author=user, kind=AnnotationKind.MANUAL
    ).first()


def comment_members(*, document_id: int, usernames: set[str]) -> dict[str, Membership]:
    """Return the memberships, in the document's project, of these usernames, by username."""
    memberships = Membership.objects.filter(
        project__documents=document_id, user__username__in=usernames
    ).select_related("user")
    return {membership.user.username: membership for membership in memberships}


def open_comments(*, document_ref: str = "document_id") -> QuerySet[Comment]:
    """The unresolved comments of the outer row's document (``document_ref`` an OuterRef path)."""
    return Comment.objects.filter(document=OuterRef(document_ref), resolved_at__isnull=True)


@dataclass
class MentionRow:
    """A document on which open comments mention the caller."""

    document_id: int
    external_id: str
    project_id: int
    project_name: str
    role: str
    count: int


def comment_mentions_for_user(*, user: User, limit: int = 10) -> tuple[int, list[MentionRow]]:
    """Return how many open comments mention the user, and the documents where most of them are.

    Only comments the user may still read count (their role may have changed since). One
    query, grouped by document, whatever the number of mentions.
    """
    rows = list(
        Comment.objects.filter(mentions=user, resolved_at__isnull=True)  # type: ignore[no-redef, misc]  # see role_of
        .annotate(caller_role=role_of(user, "document__project_id"))
        .filter(caller_role__isnull=False)
        .filter(_visible_to(user))
        .values(
            "document_id",
            "document__external_id",
            "document__project_id",
            "document__project__name",
            "caller_role",
        )
        .annotate(count=Count("id"))
        .order_by("-count", "document_id")
    )
    total = sum(row["count"] for row in rows)
    return total, [
        MentionRow(
            document_id=row["document_id"],
            external_id=row["document__external_id"],
            project_id=row["document__project_id"],
            project_name=row["document__project__name"],
            role=row["caller_role"],
            count=row["count"],
        )
        for row in rows[:limit]
    ]
