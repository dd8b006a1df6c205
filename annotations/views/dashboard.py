"""The project's dashboard, and the forms on it that change the project's members.

Reviewers and managers read the dashboard (progress, document states, labels, agreement,
time); only managers change members (labels are edited on the settings page). A form that
fails re-renders the dashboard with its errors where it was made (status 400); one that
succeeds redirects back to its section of the dashboard.
"""

from statistics import median

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from annotations import access, rules, selectors
from annotations.agreement_sums import counts_from_json, figures, label_uses
from annotations.charts import AgreementBar, agreement_chart
from annotations.forms import MemberAddForm, MemberRoleForm
from annotations.models import Project
from annotations.selectors.dashboard import background_work
from annotations.selectors.recommenders import recommender_list
from annotations.services import agreement as agreement_services
from annotations.services import projects as project_services
from annotations.views.base import (
    NOT_FOUND,
    AuthenticatedHttpRequest,
    managed_project,
    reviewed_project,
    saved,
)
from annotations.wording import with_article

MEMBER_ADDED = "{username} is now {a_role} of this project."
MEMBER_REMOVED = "{username} is no longer a member of this project."


@login_required
@require_safe
def project_dashboard(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """The dashboard: progress, document states, labels, agreement, time, suggestions; members."""
    project = reviewed_project(request, project_id)
    return _render_dashboard(request, project)


@login_required
@require_POST
def project_member_add(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """Add a member by username with a role (or change the role of one already in)."""
    project = managed_project(request, project_id)
    form = MemberAddForm(request.POST, prefix="member")
    if form.is_valid():
        username, role = form.cleaned_data["username"], form.cleaned_data["role"]
        user = selectors.user_get_by_username(username=username)
        if user is None:
            form.add_error("username", selectors.NO_SUCH_USER.format(username=username))
        elif saved(form, project_services.membership_set, project=project, user=user, role=role):
            messages.success(
                request, MEMBER_ADDED.format(username=username, a_role=with_article(role))
            )
            return _back_to(project, "members")
    return _render_dashboard(request, project, member_form=form, status=400)


@login_required
@require_POST
def project_member_change(
    request: AuthenticatedHttpRequest, project_id: int, user_id: int
) -> HttpResponse:
    """Change a member's role, or remove them (the "remove" button)."""
    project = managed_project(request, project_id)
    membership = _membership(project, user_id)
    form = MemberRoleForm(request.POST, prefix=f"role-{user_id}")
    user = membership.user
    if "remove" in request.POST:
        if saved(form, project_services.membership_remove, project=project, user=user):
            messages.success(request, MEMBER_REMOVED.format(username=user.username))
            return _back_to(project, "members")
    elif form.is_valid():
        role = form.cleaned_data["role"]
        if saved(form, project_services.membership_set, project=project, user=user, role=role):
            messages.success(
                request, MEMBER_ADDED.format(username=user.username, a_role=with_article(role))
            )
            return _back_to(project, "members")
    return _render_dashboard(request, project, role_forms={user_id: form}, status=400)


def _render_dashboard(
    request: AuthenticatedHttpRequest,
    project: Project,
    *,
    member_form: MemberAddForm | None = None,
    role_forms: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    totals = agreement_services.project_agreement_current(project=project)
    counts = counts_from_json(totals.counts)
    agreement = figures(counts)
    labels = selectors.label_usage(project=project, submitted_uses=label_uses(counts))
    exact, overlap = agreement["spans"]["exact"]["labels"], agreement["spans"]["overlap"]["labels"]
    bars = []
    related = agreement["relations"]["labels"]
    for label in labels:
        f1_exact = exact.get(label.name, {}).get("f1")
        f1_overlap = overlap.get(label.name, {}).get("f1")
        if rules.takes_relation_label(label.kind):
            # A relation matches exactly or not at all: its F1 is the exact one.
            f1_exact, f1_overlap = related.get(label.name, {}).get("f1"), None
        # Read by the dashboard template beside the label's own fields .
        label.f1_exact, label.f1_overlap = f1_exact, f1_overlap  # type: ignore[attr-defined]
        if rules.takes_span_label(label.kind):
            bars.append(AgreementBar(label.name, label.color, f1_exact, f1_overlap))
    people = selectors.annotator_progress(project=project)
    all_seconds = [second for person in people for second in person.seconds]
    role_forms = role_forms or {}
    for person in people:
        # A form per member: a failed change re-renders with its errors where it was made.
        person.role_form = role_forms.get(  # type: ignore[attr-defined]
            person.user_id
        ) or MemberRoleForm(prefix=f"role-{person.user_id}", initial={"role": person.role})
    context = {
        "project": project,
        "can_manage": access.may_manage(project.caller_role),
        "people": people,
        "states": selectors.document_state_counts(project=project),
        "labels": labels,
        "agreement": agreement,
        "chart": agreement_chart(bars, title="Agreement per label: F1 between annotators"),
        "median_seconds": median(all_seconds) if all_seconds else None,
        "timed": len(all_seconds),
        "background": background_work(project=project),
        "recommenders": recommender_list(project=project),
        "member_form": member_form or MemberAddForm(prefix="member"),
        "suggestion_quality": selectors.suggestion_quality(project=project),
    }
    return render(request, "annotations/dashboard.html", context, status=status)


def _back_to(project: Project, section: str) -> HttpResponse:
    return redirect(reverse("annotations:project_dashboard", args=[project.pk]) + f"#{section}")


def _membership(project: Project, user_id: int):
    membership = selectors.membership_list(project=project).filter(user_id=user_id).first()
    if membership is None:
        raise Http404(NOT_FOUND)
    return membership
