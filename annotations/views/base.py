"""What every page shares: the request type, and reaching a project through membership.

Every page of a project is reached through the caller's membership: a non-member gets 404,
exactly as for an id that does not exist; a member whose role may not see the page gets 403
with a message that says who may.
"""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from annotations import access, selectors
from annotations.errors import InvalidInput
from annotations.models import Project

NOT_FOUND = "Not found."
REVIEWERS_ONLY = "Only reviewers and managers of this project review its documents."
MANAGERS_ONLY = "Only managers of this project change its settings, members and labels."


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a ``login_required`` page, whose user is therefore an account.

    Only a type for the views' signatures: Django hands them a plain request.
    """

    user: User


def member_project(request: AuthenticatedHttpRequest, project_id: int) -> Project:
    """Return the user's project with their role and progress, or 404 for a non-member."""
    project = selectors.project_get_with_progress_for_user(user=request.user, project_id=project_id)
    if project is None:
        raise Http404(NOT_FOUND)
    return project


def reviewed_project(
    request: AuthenticatedHttpRequest, project_id: int, refusal: str = REVIEWERS_ONLY
) -> Project:
    """Return the project for a reviewer or manager; 404 for a non-member, 403 for others."""
    return _project_for_roles(request, project_id, access.REVIEW_ROLES, refusal)


def managed_project(
    request: AuthenticatedHttpRequest, project_id: int, refusal: str = MANAGERS_ONLY
) -> Project:
    """Return the project for a manager; 404 for a non-member, 403 (``refusal``) for others."""
    return _project_for_roles(request, project_id, access.MANAGE_ROLES, refusal)


def check_role(role: str | None, allowed: tuple[str, ...], refusal: str) -> None:
    """Raise 404 for a non-member (no role) and 403 (``refusal``) for a role not in ``allowed``."""
    refused = access.refusal(role, allowed)
    if refused is access.Refusal.NOT_FOUND:
        raise Http404(NOT_FOUND)
    if refused is access.Refusal.FORBIDDEN:
        raise PermissionDenied(refusal)


def _project_for_roles(
    request: AuthenticatedHttpRequest, project_id: int, allowed: tuple[str, ...], refusal: str
) -> Project:
    project = selectors.project_get_for_user(user=request.user, project_id=project_id)
    if project is None:
        raise Http404(NOT_FOUND)
    check_role(project.caller_role, allowed, refusal)
    return project


def saved(form, service, **kwargs) -> bool:
    """Call a service; put its field errors on the form and say whether it worked."""
    try:
        service(**kwargs)
    except InvalidInput as error:
        put_errors(form, error)
        return False
    return True


def put_errors(form, error: InvalidInput) -> None:
    """Put a service's field errors on the form's fields (others above the form)."""
    for name, field_errors in error.errors.items():
        form.add_error(name if name in form.fields else None, field_errors)
