"""The home page (the caller's projects) and a project's own page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from annotations import access, selectors
from annotations.views.base import AuthenticatedHttpRequest, member_project


@login_required
@require_safe
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the user's projects with their progress, and the open comments mentioning them."""
    projects = selectors.project_list_with_progress_for_user(user=request.user)
    mentions_total, mentions = selectors.comment_mentions_for_user(user=request.user)
    context = {"projects": projects, "mentions_total": mentions_total, "mentions": mentions}
    return render(request, "annotations/home.html", context)


@login_required
@require_safe
def project_detail(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """Show a project: description, guidelines, labels, targets and "Start annotating"."""
    project = member_project(request, project_id)
    context = {
        "project": project,
        "labels": selectors.label_list(project=project),
        "targets": selectors.target_list(project=project),
        "can_review": access.may_review(project.caller_role),
        "can_manage": access.may_manage(project.caller_role),
    }
    return render(request, "annotations/project.html", context)
