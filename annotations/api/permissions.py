"""How the API refuses: every view reaches a project's rows through these helpers.

Which role may do what is ``annotations.access``; this module turns its answers into HTTP. A
non-member (and an annotator asking for someone else's annotation) gets 404, exactly as for
an id that does not exist; a member whose role does not allow the action gets 403.
"""

from django.http import Http404
from rest_framework.exceptions import PermissionDenied

from annotations import access, selectors
from annotations.api.base import AuthenticatedRequest
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    Project,
)

NOT_FOUND = "Not found."
ROLE_REQUIRED = "Your role in this project ({role}) does not allow this; it needs: {allowed}."
NOT_YOUR_ANNOTATION = "You can only change your own annotation."
GOLD_NEEDS_REVIEWER = "Only a reviewer or manager can change gold."
PREDICTION_READ_ONLY = "Predictions are read-only."


def check_role(role: str | None, allowed: tuple[str, ...]) -> None:
    """Raise 404 for a non-member (no role) and 403 for a role not in ``allowed``."""
    refused = access.refusal(role, allowed)
    if refused is access.Refusal.NOT_FOUND:
        raise Http404(NOT_FOUND)
    if refused is access.Refusal.FORBIDDEN:
        names = ", ".join(str(name) for name in allowed)
        raise PermissionDenied(ROLE_REQUIRED.format(role=role, allowed=names))


def project_for(
    request: AuthenticatedRequest, project_id: int, allowed: tuple[str, ...] = access.READ_ROLES
) -> Project:
    """Return the caller's project if their role is in ``allowed``."""
    project = selectors.project_get_for_user(user=request.user, project_id=project_id)
    if project is None:
        raise Http404(NOT_FOUND)
    check_role(project.caller_role, allowed)
    return project


def document_for(
    request: AuthenticatedRequest, document_id: int, allowed: tuple[str, ...] = access.READ_ROLES
) -> Document:
    """Return a document of one of the caller's projects if their role is in ``allowed``."""
    document = selectors.document_get_for_user(user=request.user, document_id=document_id)
    if document is None:
        raise Http404(NOT_FOUND)
    check_role(document.caller_role, allowed)
    return document


def annotation_for(
    request: AuthenticatedRequest,
    annotation_id: int,
    *,
    write: bool = False,
    with_content: bool = False,
) -> Annotation:
    """Return an annotation the caller may read; with ``write``, one they may also change."""
    annotation = selectors.annotation_get_for_user(
        user=request.user, annotation_id=annotation_id, with_content=with_content
    )
    if annotation is None:
        raise Http404(NOT_FOUND)
    if write:
        check_may_write(request, annotation)
    return annotation


def check_may_write(request: AuthenticatedRequest, annotation: Annotation) -> None:
    """Authors write their own manual annotation, reviewers and managers gold; nobody else."""
    if annotation.kind == AnnotationKind.MANUAL:
        if annotation.author_id != request.user.pk:
            raise PermissionDenied(NOT_YOUR_ANNOTATION)
    elif annotation.kind == AnnotationKind.GOLD:
        if not access.may_review(annotation.caller_role):
            raise PermissionDenied(GOLD_NEEDS_REVIEWER)
    else:
        raise PermissionDenied(PREDICTION_READ_ONLY)


def check_may_set_status(
    request: AuthenticatedRequest, annotation: Annotation, status: str
) -> None:
    """Writers set their annotation's status; reviewers may also reopen other people's work.

    The annotating service decides which reopenings a role allows.
    """
    reopening = status == AnnotationStatus.IN_PROGRESS
    manual = annotation.kind == AnnotationKind.MANUAL
    if reopening and manual and access.may_reopen(annotation.caller_role):
        return
    check_may_write(request, annotation)
