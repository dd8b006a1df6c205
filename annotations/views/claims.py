"""The claim cluster pages: every cluster of a project, one cluster's appearances, and the
review queue of suggested matches (reviewers and managers confirm or reject them with the
keyboard: j/k move, y confirm, n reject; clusters.js posts each decision to the API)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from annotations import access, selectors
from annotations.models import ClaimLinkStatus
from annotations.views.base import NOT_FOUND, AuthenticatedHttpRequest, member_project

QUEUE_SIZE = 100
CLUSTERS_SHOWN = 200


@login_required
@require_safe
def project_claim_clusters(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """The project's clusters, biggest first, and (reviewers) the queue of suggested matches."""
    project = member_project(request, project_id)
    reviewer = access.may_review(project.caller_role)
    queue = (
        list(
            selectors.claim_link_list(project=project, status=ClaimLinkStatus.SUGGESTED)[
                :QUEUE_SIZE
            ]
        )
        if reviewer
        else []
    )
    context = {
        "project": project,
        "clusters": selectors.claim_cluster_list(project=project)[:CLUSTERS_SHOWN],
        "queue": queue,
        "reviewer": reviewer,
    }
    return render(request, "annotations/claim_clusters.html", context)


@login_required
@require_safe
def claim_cluster_detail(
    request: AuthenticatedHttpRequest, project_id: int, cluster_id: int
) -> HttpResponse:
    """One cluster: its canonical claim, verdict, and every appearance across documents."""
    project = member_project(request, project_id)
    cluster = selectors.claim_cluster_get(cluster_id=cluster_id)
    if cluster is None or cluster.project_id != project.pk:
        raise Http404(NOT_FOUND)
    members = selectors.cluster_appearances(cluster=cluster)
    canonical = next((m for m in members if m.span_id == cluster.canonical_id), None)
    context = {
        "project": project,
        "cluster": cluster,
        "members": members,
        "canonical": canonical,
    }
    return render(request, "annotations/claim_cluster.html", context)
