"""The recommenders page: each recommender's versions, their held-out F1 over time and their
errors (reviewers and managers); managers add a recommender and train it now.

Training and runs happen on the worker; the page shows their state as of the last load.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from annotations import access, tasks
from annotations.errors import Conflict, InvalidInput
from annotations.forms import RecommenderForm
from annotations.models import Project, Recommender
from annotations.selectors import recommenders as reads
from annotations.services.recommenders import recommender_create, recommender_set_enabled
from annotations.version_chart import F1Series, f1_chart, series_class
from annotations.views.base import (
    NOT_FOUND,
    AuthenticatedHttpRequest,
    managed_project,
    put_errors,
    reviewed_project,
)

RECOMMENDERS_REVIEWERS_ONLY = "Only reviewers and managers of this project see its recommenders."
ADDED = "Recommender {name} added."
ENABLED_INVALID = "enabled: expected 1 (on) or 0 (off)."
SWITCHED = {
    True: "{name} is on again: it trains, predicts and its suggestions are shown.",
    False: "{name} is off: it neither trains nor predicts, and its suggestions are not shown.",
}
QUEUED = "Version {version} of {name} is queued; a worker trains it (or runs its server)."


@login_required
@require_safe
def project_recommenders(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """The project's recommenders, their versions and F1 over time."""
    project = reviewed_project(request, project_id, RECOMMENDERS_REVIEWERS_ONLY)
    return _render(request, project)


@login_required
@require_POST
def recommender_add(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """Add a recommender (managers)."""
    project = managed_project(request, project_id)
    form = RecommenderForm(request.POST, servers=sorted(settings.RECOMMENDER_SERVERS))
    if form.is_valid():
        try:
            created = recommender_create(project=project, actor=request.user, **form.cleaned_data)
        except InvalidInput as error:
            put_errors(form, error)
        else:
            messages.success(request, ADDED.format(name=created.name))
            return redirect(reverse("annotations:project_recommenders", args=[project.pk]))
    return _render(request, project, form=form, status=400)


@login_required
@require_POST
def recommender_train_now(
    request: AuthenticatedHttpRequest, project_id: int, recommender_id: int
) -> HttpResponse:
    """Queue the recommender's next version (managers); say why when it cannot."""
    project, recommender = _managed_recommender(request, project_id, recommender_id)
    try:
        version = tasks.recommender_train(recommender=recommender)
    except InvalidInput as error:
        for message in error.messages:
            messages.error(request, message)
    except Conflict as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, QUEUED.format(version=version.version, name=recommender.name))
    return redirect(reverse("annotations:project_recommenders", args=[project.pk]))


@login_required
@require_POST
def recommender_enabled(
    request: AuthenticatedHttpRequest, project_id: int, recommender_id: int
) -> HttpResponse:
    """Switch the recommender on (``enabled=1``) or off (``enabled=0``) (managers)."""
    project, recommender = _managed_recommender(request, project_id, recommender_id)
    enabled = request.POST.get("enabled")
    if enabled not in ("0", "1"):
        messages.error(request, ENABLED_INVALID)
    else:
        recommender_set_enabled(recommender=recommender, enabled=enabled == "1")
        messages.success(request, SWITCHED[enabled == "1"].format(name=recommender.name))
    return redirect(reverse("annotations:project_recommenders", args=[project.pk]))


def _managed_recommender(
    request: AuthenticatedHttpRequest, project_id: int, recommender_id: int
) -> tuple[Project, Recommender]:
    """The project (its managers only) and its recommender, or a 404."""
    project = managed_project(request, project_id)
    recommender = reads.recommender_get(project=project, recommender_id=recommender_id)
    if recommender is None:
        raise Http404(NOT_FOUND)
    return project, recommender


def _render(
    request: AuthenticatedHttpRequest,
    project: Project,
    *,
    form: RecommenderForm | None = None,
    status: int = 200,
) -> HttpResponse:
    recommenders = list(reads.recommender_list(project=project))
    series = [
        F1Series(
            recommender.name,
            [
                (version.version, version.metrics["overall"]["f1"])
                for version in reversed(recommender.recent_versions)  # type: ignore[attr-defined]
                if version.status == "ready" and version.metrics.get("held_out_documents")
            ],
        )
        for recommender in recommenders
    ]
    servers = sorted(settings.RECOMMENDER_SERVERS)
    context = {
        "project": project,
        "can_manage": access.may_manage(project.caller_role),
        "recommenders": recommenders,
        "chart": f1_chart(series, title="Held-out F1 per version"),
        "series_key": [
            (one.name, series_class(index)) for index, one in enumerate(series) if one.points
        ],
        "form": form or RecommenderForm(servers=servers),
        "servers": servers,
        "retrain_every": project.retrain_every,
    }
    return render(request, "annotations/recommenders.html", context, status=status)
