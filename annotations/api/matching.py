"""Claim matching, claim links and clusters (docs/fact-checking.md).

``GET /api/spans/{s}/matches/``: the claims of the project's other documents most like a
claim, best first, each with its document, text, claimant, verdict and cluster. Links:
any member links two claims they can see ("same claim as": ``confirmed``); reviewers and
managers list links (``?status=suggested`` is the review queue) and confirm or reject them.
Clusters: every member reads them; reviewers and managers set a cluster's verdict and
canonical claim.
"""

from dataclasses import asdict
from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from annotations import access, selectors
from annotations.api import base, permissions
from annotations.api.base import ApiView, AuthenticatedRequest
from annotations.api.serializers import ErrorOutput
from annotations.models import ClaimCluster, ClaimLink, ClaimLinkStatus, LabelKind
from annotations.selectors.matching import DEFAULT_LIMIT, MAX_LIMIT
from annotations.services import matching as services

NOT_A_CLAIM = "Span {value} is not a claim: only claims have matches."
LIMIT_INVALID = f"limit takes a whole number from 1 to {MAX_LIMIT}."
STATUS_FILTER_INVALID = "status takes suggested, confirmed or rejected."


class SpanMatchesApi(ApiView):
    """The claims of the project's other documents most like this claim, best first."""

    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description=f"1..{MAX_LIMIT}")],
        responses={200: OpenApiTypes.OBJECT, 400: ErrorOutput, 404: ErrorOutput},
    )
    def get(self, request: AuthenticatedRequest, span_id: int) -> Response:
        found = selectors.claim_span_for_user(user=request.user, span_id=span_id)
        if found is None:
            raise Http404(permissions.NOT_FOUND)
        span, role = found
        if span.label.kind != LabelKind.CLAIM:
            raise ValidationError({"span": [NOT_A_CLAIM.format(value=span_id)]})
        limit = _limit(request.query_params.get("limit"))
        query = selectors.ClaimQuery(
            project_id=span.annotation.document.project_id,
            document_id=span.annotation.document_id,
            text=selectors.claim_text(span=span),
            span_id=span.pk,
        )
        matches = selectors.claim_matches(query=query, viewer=request.user, role=role, limit=limit)
        return Response(
            {"span": span.pk, "text": query.text, "results": [asdict(m) for m in matches]}
        )


class ClaimLinkListApi(ApiView):
    """The project's claim links (reviewers, managers); POST links two claims (any member)."""

    class InputSerializer(base.InputSerializer):
        first = serializers.IntegerField()
        second = serializers.IntegerField()
        status = serializers.CharField(required=False, default=ClaimLinkStatus.CONFIRMED)

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=ClaimLinkStatus.values)],
        responses={200: OpenApiTypes.OBJECT, 403: ErrorOutput, 404: ErrorOutput},
    )
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = permissions.project_for(request, project_id, access.REVIEW_ROLES)
        wanted = request.query_params.get("status")
        if wanted is not None and wanted not in ClaimLinkStatus.values:
            raise ValidationError({"status": [STATUS_FILTER_INVALID]})
        links = list(selectors.claim_link_list(project=project, status=wanted)[:500])
        return Response({"count": len(links), "results": [link_json(link) for link in links]})

    @extend_schema(request=InputSerializer, responses={201: OpenApiTypes.OBJECT, 400: ErrorOutput})
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = permissions.project_for(request, project_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        viewer = None if access.sees_others_work(project.caller_role) else request.user.pk
        link = services.claim_link_set(
            project=project, actor=request.user, viewer_id=viewer, **body.validated_data
        )
        return Response(_link_out(link), status=status.HTTP_201_CREATED)


class ClaimLinkDetailApi(ApiView):
    """Confirm or reject a link (reviewers, managers)."""

    class InputSerializer(base.InputSerializer):
        status = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={200: OpenApiTypes.OBJECT, 400: ErrorOutput})
    def patch(self, request: AuthenticatedRequest, link_id: int) -> Response:
        link = selectors.claim_link_get_any(link_id=link_id)
        if link is None:
            raise Http404(permissions.NOT_FOUND)
        permissions.project_for(request, link.project_id, access.REVIEW_ROLES)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        link = services.claim_link_decide(
            link=link, status=body.validated_data["status"], actor=request.user
        )
        return Response(_link_out(link))


class ClaimClusterListApi(ApiView):
    """The project's claim clusters, biggest first."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: ErrorOutput})
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = permissions.project_for(request, project_id)
        clusters = selectors.claim_cluster_list(project=project)[:500]
        return Response({"results": [_cluster_summary(cluster) for cluster in clusters]})


class ClaimClusterDetailApi(ApiView):
    """One cluster with every appearance; PATCH its verdict or canonical claim (reviewers)."""

    class InputSerializer(base.InputSerializer):
        verdict = serializers.CharField(required=False, allow_blank=True)
        canonical = serializers.IntegerField(required=False)

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: ErrorOutput})
    def get(self, request: AuthenticatedRequest, cluster_id: int) -> Response:
        cluster = self._cluster(request, cluster_id, access.READ_ROLES)
        return Response(cluster_json(cluster))

    @extend_schema(request=InputSerializer, responses={200: OpenApiTypes.OBJECT, 400: ErrorOutput})
    def patch(self, request: AuthenticatedRequest, cluster_id: int) -> Response:
        cluster = self._cluster(request, cluster_id, access.REVIEW_ROLES)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.claim_cluster_update(cluster=cluster, **body.validated_data)
        return Response(cluster_json(cluster))

    def _cluster(
        self, request: AuthenticatedRequest, cluster_id: int, allowed: tuple[str, ...]
    ) -> ClaimCluster:
        cluster = selectors.claim_cluster_get(cluster_id=cluster_id)
        if cluster is None:
            raise Http404(permissions.NOT_FOUND)
        permissions.project_for(request, cluster.project_id, allowed)
        return cluster


def link_json(link: ClaimLink) -> dict[str, Any]:
    """A link with both claims' text and document (from ``claim_link_list``'s joins)."""
    return {
        **_link_out(link),
        "claims": [_claim_side(span) for span in (link.first, link.second)],
    }


def _claim_side(span: Any) -> dict[str, Any]:
    record = getattr(span, "claim_record", None) if hasattr(span, "claim_record") else None
    return {
        "span": span.pk,
        "document": span.annotation.document_id,
        "external_id": span.annotation.document.external_id,
        "text": span.text,
        "normalized_text": record.normalized_text if record else "",
        "verdict": record.verdict if record else "",
    }


def _link_out(link: ClaimLink) -> dict[str, Any]:
    return {
        "id": link.pk,
        "first": link.first_id,
        "second": link.second_id,
        "status": link.status,
        "score": link.score,
    }


def _cluster_summary(cluster: ClaimCluster) -> dict[str, Any]:
    return {
        "id": cluster.pk,
        "canonical": cluster.canonical_id,
        "canonical_text": cluster.canonical_text or "",  # type: ignore[attr-defined]
        "verdict": cluster.verdict,
        "size": cluster.size,  # type: ignore[attr-defined]
    }


def cluster_json(cluster: ClaimCluster) -> dict[str, Any]:
    """A cluster and its appearances."""
    members = selectors.cluster_appearances(cluster=cluster)
    canonical = next((m for m in members if m.span_id == cluster.canonical_id), None)
    return {
        "id": cluster.pk,
        "project": cluster.project_id,
        "canonical": cluster.canonical_id,
        "canonical_text": (canonical.normalized_text or canonical.text) if canonical else "",
        "verdict": cluster.verdict,
        "members": [
            {**asdict(member), "claim_date": _date(member.claim_date)} for member in members
        ],
    }


def _date(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_LIMIT:
        raise ValidationError({"limit": [LIMIT_INVALID]})
    return value
