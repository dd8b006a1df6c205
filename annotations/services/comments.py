"""Comments: write a note on a document, a span or a stance; edit it; resolve and reopen it.

Rules (the API, the pages and the demo all come through here):

- Every member may comment on what they may read (``selectors.comments``): a span or stance is
  looked up in the document among the annotations the author may read, so an annotator cannot
  name another annotator's work (it reads as "no such span"). An annotator's note on the
  document goes with their own annotation (they must have started it): reviewers and managers
  read it, other annotators do not, as they do not read each other's work. A reviewer's or
  manager's note on the document is read by every member.
- ``@username`` in the body mentions a member of the project who may read the comment; any
  other name is refused (400 on ``body``), so a mention never leaks a comment to someone who
  may not read it, and a typo is caught rather than notifying nobody.
- Only its author edits a comment; its author, reviewers and managers resolve and reopen it.
- Comments do not change an annotation: no version bump, no event in the annotation's log.
"""

import re
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from annotations import access, selectors
from annotations.errors import Forbidden, InvalidInput
from annotations.models import Annotation, Comment, Document
from annotations.models.comments import BODY_MAX_LENGTH

BODY_EMPTY = "Write something: a comment cannot be empty."
BODY_TOO_LONG = "A comment is at most {limit} characters; this one has {length}."
ONE_TARGET = "A comment is on a span or on a stance, not both."
NO_SUCH_SPAN = "No span {id} that you can see in this document."
NO_SUCH_STANCE = "No stance {id} that you can see in this document."
NOT_A_MEMBER = "@{username} is not a member of this project (mention members only)."
CANNOT_SEE = (
    "@{username} cannot read this comment: annotators do not see other annotators' work "
    "(mention its author, a reviewer or a manager)."
)
NOT_STARTED = (
    "Start annotating this document before writing a note on it: an annotator's note goes "
    "with their annotation."
)
NOT_YOUR_COMMENT = "Only its author can edit a comment."
MAY_NOT_RESOLVE = "Only its author, a reviewer or a manager can resolve or reopen a comment."
CAPTION_QUOTE = 60

# Django's usernames: letters, digits and @ . + - _. A mention starts after a space or
# punctuation (not inside an e-mail address) and does not take a sentence's final full stop.
MENTION = re.compile(r"(?<![\w.+@-])@([\w.+@-]*[\w+@-])")


def mentioned_usernames(body: str) -> list[str]:
    """Return the usernames ``@mentioned`` in ``body``, in order, once each."""
    return list(dict.fromkeys(MENTION.findall(body)))


def _check_body(body: str) -> None:
    if not body.strip():
        raise InvalidInput({"body": [BODY_EMPTY]})
    if len(body) > BODY_MAX_LENGTH:
        raise InvalidInput(
            {"body": [BODY_TOO_LONG.format(limit=BODY_MAX_LENGTH, length=len(body))]}
        )


def _may_read(user: User, role: str, annotation: Annotation | None) -> bool:
    """Whether a member reads a comment about ``annotation`` (``selectors.comment_visible``)."""
    probe = Comment(annotation=annotation)
    return selectors.comment_visible(probe, user, role)


def _mentions(*, document_id: int, body: str, annotation: Annotation | None) -> list[User]:
    """The members ``body`` mentions; InvalidInput naming ``body`` for anyone else."""
    names = mentioned_usernames(body)
    if not names:
        return []
    members = selectors.comment_members(document_id=document_id, usernames=set(names))
    problems = []
    for name in names:
        membership = members.get(name)
        if membership is None:
            problems.append(NOT_A_MEMBER.format(username=name))
        elif not _may_read(membership.user, membership.role, annotation):
            problems.append(CANNOT_SEE.format(username=name))
    if problems:
        raise InvalidInput({"body": problems})
    return [members[name].user for name in names]


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= CAPTION_QUOTE else f"{flat[: CAPTION_QUOTE - 1]}…"


def comment_create(
    *,
    document: Document,
    actor: User,
    role: str,
    body: str,
    span_id: int | None = None,
    stance_id: int | None = None,
) -> Comment:
    """Write a comment on the document, or on one of its spans or stances."""
    _check_body(body)
    if span_id is not None and stance_id is not None:
        raise InvalidInput({"stance": [ONE_TARGET]})
    fields: dict[str, Any] = {}
    if span_id is not None:
        span = selectors.comment_span_target(
            user=actor, role=role, document=document, span_id=span_id
        )
        if span is None:
            raise InvalidInput({"span": [NO_SUCH_SPAN.format(id=span_id)]})
        fields = {
            "span": span,
            "annotation": span.annotation,
            "target_caption": f"{span.label.name} “{_quote(span.text)}”",
        }
    elif stance_id is not None:
        stance = selectors.comment_stance_target(
            user=actor, role=role, document=document, stance_id=stance_id
        )
        if stance is None:
            raise InvalidInput({"stance": [NO_SUCH_STANCE.format(id=stance_id)]})
        fields = {
            "stance": stance,
            "annotation": stance.annotation,
            "target_caption": f"“{_quote(stance.target.name)}”: {stance.label.name}",
        }
    elif not access.sees_others_work(role):
        own = selectors.comment_own_annotation(user=actor, document=document)
        if own is None:
            raise Forbidden(NOT_STARTED)
        fields = {"annotation": own}
    mentioned = _mentions(document_id=document.pk, body=body, annotation=fields.get("annotation"))
    with transaction.atomic():
        comment = Comment.objects.create(document=document, author=actor, body=body, **fields)
        comment.mentions.set(mentioned)
    return comment


def may_edit(comment: Comment, user: User) -> bool:
    """Whether ``user`` may change the comment's text (its author alone)."""
    return comment.author_id == user.pk


def may_resolve(comment: Comment, user: User, role: str | None) -> bool:
    """Whether ``user`` (with ``role``) may resolve or reopen the comment."""
    return may_edit(comment, user) or access.may_review(role)


def comment_update(
    *,
    comment: Comment,
    actor: User,
    role: str,
    body: str | None = None,
    resolved: bool | None = None,
) -> Comment:
    """Change the comment's text (its author) and/or resolve or reopen it, all or nothing."""
    if body is not None:
        if not may_edit(comment, actor):
            raise Forbidden(NOT_YOUR_COMMENT)
        _check_body(body)
    if resolved is not None and not may_resolve(comment, actor, role):
        raise Forbidden(MAY_NOT_RESOLVE)
    mentioned = None
    if body is not None and body != comment.body:
        mentioned = _mentions(
            document_id=comment.document_id, body=body, annotation=comment.annotation
        )
    now = timezone.now()
    with transaction.atomic():
        changed: list[str] = []
        if mentioned is not None and body is not None:
            comment.body = body
            comment.edited_at = now
            changed += ["body", "edited_at"]
        if resolved is True and comment.resolved_at is None:
            comment.resolved_at, comment.resolved_by = now, actor
            changed += ["resolved_at", "resolved_by"]
        elif resolved is False and comment.resolved_at is not None:
            comment.resolved_at, comment.resolved_by = None, None
            changed += ["resolved_at", "resolved_by"]
        if changed:
            comment.save(update_fields=changed)
        if mentioned is not None:
            comment.mentions.set(mentioned)
    return comment


def comment_edit(*, comment: Comment, actor: User, role: str, body: str) -> Comment:
    """Change the comment's text (its author alone); its mentions follow the new text."""
    return comment_update(comment=comment, actor=actor, role=role, body=body)


def comment_resolve(*, comment: Comment, actor: User, role: str) -> Comment:
    """Mark the comment resolved (its author, reviewers and managers)."""
    return comment_update(comment=comment, actor=actor, role=role, resolved=True)


def comment_reopen(*, comment: Comment, actor: User, role: str) -> Comment:
    """Mark the comment open again (its author, reviewers and managers)."""
    return comment_update(comment=comment, actor=actor, role=role, resolved=False)
