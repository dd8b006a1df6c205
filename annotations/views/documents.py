"""The document browser: every member finds documents; managers hand them to annotators.

GET never writes: "Open" shows a document read-only (the annotate page shows the text until
its reader starts), "Start work" is a POST to the annotate page with its CSRF token, and
"Assign" a POST here. What each role may filter by is ``api.document_filters``'s rule, the
same as the API's: an annotator sees only their own status and never others' work.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from annotations import access, selectors
from annotations.api.document_filters import REVIEW_FILTERS, DocumentFilter
from annotations.errors import Forbidden, InvalidInput
from annotations.forms import DocumentAssignForm
from annotations.services.assignment import Handout, documents_assign
from annotations.views.base import AuthenticatedHttpRequest, managed_project, member_project

PAGE_SIZE = 25
# The filters shown: everyone's own, then those on other people's work (reviewers, managers).
OWN_FILTERS = ("q", "status", "has_gold", "ordering")
MANAGERS_ONLY = "Only managers of this project hand documents to annotators."
ASSIGNED = "Assigned to {annotator}: {documents}."
ALREADY = "{annotator} already had {documents}: left as they were."
REFUSED = (
    "Not assigned, because {annotator} would hold more than {limit} unfinished documents "
    "(the project's limit): {documents}."
)


@login_required
@require_safe
def project_documents(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """List the project's documents: search, filter, sort and page; managers assign."""
    project = member_project(request, project_id)
    sees_others = access.sees_others_work(project.caller_role)
    documents = selectors.document_list_for_user(user=request.user, project=project)
    if sees_others:
        documents = selectors.document_with_annotators(documents)
    query = request.GET.copy()
    query.pop("page", None)
    found = DocumentFilter(query, queryset=documents, role=project.caller_role)
    rows = found.qs if found.is_valid() else documents.none()
    can_manage = access.may_manage(project.caller_role)
    members = selectors.membership_list(project=project) if can_manage else []
    context = {
        "project": project,
        "filter_fields": [
            found.form[name] for name in OWN_FILTERS + (REVIEW_FILTERS if sees_others else ())
        ],
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": query.urlencode(),
        "sees_others": sees_others,
        "can_manage": can_manage,
        "assign_form": DocumentAssignForm(usernames=[m.user.username for m in members]),
    }
    return render(request, "annotations/documents.html", context)


@login_required
@require_POST
def project_documents_assign(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """Hand the ticked documents to the chosen member, and say what was and was not assigned."""
    project = managed_project(request, project_id, MANAGERS_ONLY)
    members = selectors.membership_list(project=project)
    form = DocumentAssignForm(request.POST, usernames=[m.user.username for m in members])
    if not form.is_valid():
        for name, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[name].label}: {error}")
        return _back(request, project_id)
    annotator = next(m.user for m in members if m.user.username == form.cleaned_data["annotator"])
    try:
        handout = documents_assign(
            project=project,
            document_ids=form.cleaned_data["documents"],
            annotator=annotator,
            actor=request.user,
        )
    except (InvalidInput, Forbidden) as refused:
        for message in getattr(refused, "messages", [refused.detail]):
            messages.error(request, message)
        return _back(request, project_id)
    _report(request, handout)
    return _back(request, project_id)


def _report(request: AuthenticatedHttpRequest, handout: Handout) -> None:
    """One message per outcome, each naming its documents."""
    name = handout.annotator
    if handout.assigned:
        messages.success(request, ASSIGNED.format(annotator=name, documents=_ids(handout.assigned)))
    if handout.already:
        messages.info(request, ALREADY.format(annotator=name, documents=_ids(handout.already)))
    if handout.refused:
        listed = _ids(handout.refused)
        messages.error(
            request, REFUSED.format(annotator=name, limit=handout.limit, documents=listed)
        )


def _ids(ids: list[int]) -> str:
    return ", ".join(f"#{pk}" for pk in ids)


def _back(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """Back to the list the manager was looking at (its filters and page), never elsewhere."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("annotations:project_documents", project_id=project_id)
