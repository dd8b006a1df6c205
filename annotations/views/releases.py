"""The release pages (reviewers and managers) and the import page (managers).

Both are drawn here; their scripts post the forms to the API and follow the background work.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from annotations import access, selectors
from annotations.charts import CountBar, count_chart
from annotations.errors import Conflict, InvalidInput
from annotations.forms import ImportForm, ReleaseForm
from annotations.models import Release, ReleaseStatus
from annotations.services.releases import release_compare as compare_releases
from annotations.views.base import (
    NOT_FOUND,
    AuthenticatedHttpRequest,
    check_role,
    managed_project,
    reviewed_project,
)

RELEASES_REVIEWERS_ONLY = "Only reviewers and managers of this project read its releases."
IMPORT_MANAGERS_ONLY = "Only managers of this project import documents."
RELEASES_PAGE_SIZE = 25
RECENT_JOBS = 20
# The label chart's groups, in this order, named for people.
KIND_GROUPS = {"entity": "Entities", "claim": "Claims", "stance": "Stances"}


@login_required
@require_safe
def project_releases(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """The project's releases, newest first, with their progress; managers create one here."""
    project = reviewed_project(request, project_id, RELEASES_REVIEWERS_ONLY)
    releases = selectors.release_list(project=project)
    page = Paginator(releases, RELEASES_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "project": project,
        "page": page,
        "can_manage": access.may_manage(project.caller_role),
        "form": ReleaseForm(),
    }
    return render(request, "annotations/releases.html", context)


@login_required
@require_safe
def release_detail(request: AuthenticatedHttpRequest, release_id: int) -> HttpResponse:
    """A release's data card: counts, label distribution, agreement at release time, files."""
    release = _release(request, release_id)
    ready = release.status == ReleaseStatus.READY
    title = f"Label distribution of {release.name}"
    context = {
        "release": release,
        "project": release.project,
        "ready": ready,
        "chart": count_chart(_label_bars(release), title=title) if ready else None,
        "agreement": release.agreement,
        "agreement_labels": _agreement_rows(release.agreement),
        "others": selectors.release_compare_choices(release=release) if ready else [],
    }
    return render(request, "annotations/release.html", context)


@login_required
@require_safe
def release_compare_pick(request: AuthenticatedHttpRequest, release_id: int) -> HttpResponse:
    """Open the comparison the "Compare with" form chose: the older release first."""
    release = _release(request, release_id)
    try:
        other_id = int(request.GET.get("with", ""))
    except ValueError:
        return redirect("annotations:release", release_id=release.pk)
    first, second = sorted((release.pk, other_id))
    return redirect("annotations:release_compare", release_id=first, other_id=second)


@login_required
@require_safe
def release_compare(
    request: AuthenticatedHttpRequest, release_id: int, other_id: int
) -> HttpResponse:
    """What changed from one release to another: documents, and items per label."""
    base, other = _release(request, release_id), _release(request, other_id)
    context: dict[str, Any] = {"base": base, "other": other, "project": base.project}
    try:
        context["changes"] = compare_releases(base=base, other=other)
    except (Conflict, InvalidInput) as error:
        context["error"] = error.detail
        status = 409 if isinstance(error, Conflict) else 400
        return render(request, "annotations/release_compare.html", context, status=status)
    return render(request, "annotations/release_compare.html", context)


@login_required
@require_safe
def project_import(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """The import page: a file and its options, the report, and the recent import jobs."""
    project = managed_project(request, project_id, IMPORT_MANAGERS_ONLY)
    context = {
        "project": project,
        "form": ImportForm(),
        "jobs": selectors.import_job_recent(project=project, limit=RECENT_JOBS),
        "recent": RECENT_JOBS,
        "threshold": settings.IMPORT_BACKGROUND_THRESHOLD,
        "max_bytes": settings.IMPORT_MAX_BYTES,
    }
    return render(request, "annotations/import.html", context)


def _label_bars(release: Release) -> list[CountBar]:
    """The release's label counts as chart rows: by kind, then the most used first."""
    # Colours are the labels' current ones; a label renamed or deleted since is drawn grey.
    colours = dict(selectors.label_list(project=release.project).values_list("name", "color"))
    kinds = list(KIND_GROUPS)
    counts = sorted(
        release.label_counts.items(),
        key=lambda item: (kinds.index(item[1]["kind"]), -item[1]["count"], item[0]),
    )
    return [
        CountBar(name, colours.get(name, ""), entry["count"], KIND_GROUPS[entry["kind"]])
        for name, entry in counts
    ]


def _agreement_rows(agreement: dict | None) -> list[dict]:
    """Per label: exact precision, recall and F1, and overlap F1, from a stored agreement."""
    if not agreement:
        return []
    exact = agreement["spans"]["exact"]["labels"]
    overlap = agreement["spans"]["overlap"]["labels"]
    return [
        {"name": name, "exact": exact.get(name, {}), "overlap": overlap.get(name, {})}
        for name in sorted(exact.keys() | overlap.keys())
    ]


def _release(request: AuthenticatedHttpRequest, release_id: int) -> Release:
    """Return a release for a reviewer or manager; 404 for a non-member, 403 for others."""
    release = selectors.release_get_for_user(user=request.user, release_id=release_id)
    if release is None:
        raise Http404(NOT_FOUND)
    check_role(release.caller_role, access.REVIEW_ROLES, RELEASES_REVIEWERS_ONLY)
    return release
