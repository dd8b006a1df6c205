"""A claim span's record: GET, PUT (create or replace, evidence included), DELETE.

Reading needs read access to the span's annotation, writing the same as a span write (the
author their own, reviewers gold). Every write answers the annotation's new ``version``; a
stale one is a 409. The rules are ``services.claims`` (docs/fact-checking.md).
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from annotations import selectors, verdicts
from annotations.api import base, permissions
from annotations.api.annotating import VERSION_PARAMETER, WRITE_ERRORS, _version_param
from annotations.api.base import ApiView, AuthenticatedRequest
from annotations.api.serializers import VersionOutput
from annotations.models import Annotation, Span
from annotations.services import claims as services


class EvidenceOutput(serializers.Serializer):
    document = serializers.IntegerField(required=False)
    start = serializers.IntegerField(required=False)
    end = serializers.IntegerField(required=False)
    text = serializers.CharField(required=False)
    url = serializers.CharField(required=False)
    title = serializers.CharField(required=False)
    published = serializers.DateField(required=False, allow_null=True)


class ClaimRecordOutput(serializers.Serializer):
    span = serializers.IntegerField()
    recorded = serializers.BooleanField(help_text="False: the span has no record yet.")
    normalized_text = serializers.CharField()
    claim_date = serializers.DateField(allow_null=True)
    claim_type = serializers.CharField()
    verdict = serializers.CharField()
    justification = serializers.CharField()
    evidence = EvidenceOutput(many=True)
    scale = serializers.CharField(help_text="The project's verdict scale.")
    verdicts = serializers.ListField(child=serializers.CharField())
    version = serializers.IntegerField(help_text="The annotation's version.")


class ClaimRecordApi(ApiView):
    """The claim record of one claim span."""

    class InputSerializer(base.InputSerializer):
        # Checked by the service, which names the field at fault (evidence.2.url).
        normalized_text = serializers.JSONField(required=False, allow_null=True)
        claim_date = serializers.JSONField(required=False, allow_null=True)
        claim_type = serializers.JSONField(required=False, allow_null=True)
        verdict = serializers.JSONField(required=False, allow_null=True)
        justification = serializers.JSONField(required=False, allow_null=True)
        evidence = serializers.JSONField(required=False, allow_null=True)
        version = serializers.IntegerField(required=False)

    @extend_schema(responses={200: ClaimRecordOutput})
    def get(self, request: AuthenticatedRequest, span_id: int) -> Response:
        span = self._span(request, span_id, write=False)
        return Response(_rendered(span, span.annotation))

    @extend_schema(request=InputSerializer, responses={200: ClaimRecordOutput, **WRITE_ERRORS})
    def put(self, request: AuthenticatedRequest, span_id: int) -> Response:
        span = self._span(request, span_id, write=True)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = services.claim_record_put(span=span, actor=request.user, **body.validated_data)
        return Response(_rendered(record.span, record.span.annotation))

    @extend_schema(parameters=[VERSION_PARAMETER], responses={200: VersionOutput, **WRITE_ERRORS})
    def delete(self, request: AuthenticatedRequest, span_id: int) -> Response:
        span = self._span(request, span_id, write=True)
        annotation = services.claim_record_delete(
            span=span, actor=request.user, version=_version_param(request)
        )
        return Response(VersionOutput(annotation).data)

    def _span(self, request: AuthenticatedRequest, span_id: int, *, write: bool) -> Span:
        annotation_id = selectors.span_annotation_id(span_id=span_id)
        if annotation_id is None:
            raise permissions.Http404(permissions.NOT_FOUND)
        annotation = permissions.annotation_for(request, annotation_id, write=write)
        span = selectors.span_get(annotation=annotation, span_id=span_id)
        if span is None:
            raise permissions.Http404(permissions.NOT_FOUND)
        span.annotation = annotation
        return span


def _rendered(span: Span, annotation: Annotation) -> dict[str, Any]:
    """The record (empty fields when there is none) with the scale and the version."""
    project = annotation.document.project
    record = selectors.claim_record_get(span_id=span.pk)
    body = (
        selectors.claim_record_json(record)
        if record is not None
        else {
            "span": span.pk,
            "normalized_text": "",
            "claim_date": None,
            "claim_type": "",
            "verdict": "",
            "justification": "",
            "evidence": [],
        }
    )
    return {
        **body,
        "recorded": record is not None,
        "scale": project.verdict_scale,
        "verdicts": list(verdicts.verdict_choices(project.verdict_scale, project.verdict_labels)),
        "version": annotation.version,
    }
