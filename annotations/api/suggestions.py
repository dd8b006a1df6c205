"""Suggestions: the predictions an annotator is shown, accepting and rejecting them, and what
each model version was worth (docs/suggestions.md)."""

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from annotations import access, selectors
from annotations.api import base, permissions
from annotations.api.base import ApiView, AuthenticatedRequest
from annotations.api.serializers import ErrorOutput, SpanOutput, SpanWriteOutput
from annotations.models import Annotation, Span
from annotations.selectors.suggestions import SuggestionSource
from annotations.services import suggestions as services

WRITE_ERRORS = {400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput, 409: ErrorOutput}


class SuggestionOutput(SpanOutput):
    """A suggestion: the prediction's span (its id is the suggestion's), with its score and
    where it comes from (``source``: the recommender's name, null for imported predictions)."""

    model_version = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField()  # type: ignore[assignment]  # not Field.source

    class Meta(SpanOutput.Meta):
        fields = [
            "id",
            "label",
            "label_name",
            "start",
            "end",
            "text",
            "score",
            "model_version",
            "source",
        ]

    def get_model_version(self, span: Span) -> int | None:
        return selectors.suggestion_version_id(span)

    def get_source(self, span: Span) -> str | None:
        return selectors.suggestion_source_name(span)


def _source_json(source: SuggestionSource | None) -> dict | None:
    if source is None:
        return None
    version = source.model_version
    if version is None:
        return {"model_version": None, "recommender": None, "version": None}
    return {
        "model_version": version.pk,
        "recommender": version.recommender.name,
        "version": version.version,
    }


class SourceOutput(serializers.Serializer):
    model_version = serializers.IntegerField(allow_null=True)
    recommender = serializers.CharField(allow_null=True)
    version = serializers.IntegerField(allow_null=True)


class SuggestionListOutput(serializers.Serializer):
    # Null while the project shows no suggestions; model_version null: the imported prediction.
    source = SourceOutput(allow_null=True)  # type: ignore[assignment]  # a field, not Field.source
    suggestions = SuggestionOutput(many=True)


class SuggestionListApi(ApiView):
    """The suggestions the annotation is shown and has not decided on, in text order.

    Empty (``source`` null) while the project shows none: blind studies hand out no predictions.
    """

    @extend_schema(responses={200: SuggestionListOutput})
    def get(self, request: AuthenticatedRequest, annotation_id: int) -> Response:
        annotation = permissions.annotation_for(request, annotation_id)
        source = _shown_source(annotation)
        rows: list[Span] = []
        if source is not None:
            rows = list(selectors.suggestion_list(annotation=annotation, source=source))
        return Response(
            {
                "source": _source_json(source),
                "suggestions": SuggestionOutput(rows, many=True).data,
            }
        )


def _shown_source(annotation: Annotation) -> SuggestionSource | None:
    if annotation.kind != "manual":
        return None
    return selectors.suggestion_source(project=annotation.document.project)


class _ChosenInput(base.InputSerializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False, allow_null=True)
    label = serializers.IntegerField(required=False, allow_null=True)  # type: ignore[assignment]
    all = serializers.BooleanField(required=False, default=False)


def _chosen(body: _ChosenInput) -> dict:
    data = body.validated_data
    return {"ids": data.get("ids"), "label": data.get("label"), "everything": data["all"]}


class SuggestionAcceptApi(ApiView):
    """Accept suggestions by ``ids``, by ``label`` or ``all``: one span each; refusals by item."""

    class InputSerializer(_ChosenInput):
        version = serializers.IntegerField(required=False)

    @extend_schema(request=InputSerializer, responses={200: dict, **WRITE_ERRORS})
    def post(self, request: AuthenticatedRequest, annotation_id: int) -> Response:
        annotation = permissions.annotation_for(request, annotation_id, write=True)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.suggestion_accept(
            annotation=annotation,
            actor=request.user,
            version=body.validated_data.get("version"),
            **_chosen(body),
        )
        return Response(
            {
                "accepted": [
                    {"suggestion": suggestion.pk, "span": SpanWriteOutput(span).data}
                    for suggestion, span in result.accepted
                ],
                "refused": [
                    {**SuggestionOutput(item).data, "suggestion": item.pk, "errors": errors}
                    for item, errors in result.refused
                ],
                "version": result.annotation.version,
            }
        )


class SuggestionRejectApi(ApiView):
    """Reject suggestions by ``ids``, by ``label`` or ``all``: hidden from this annotation."""

    InputSerializer = _ChosenInput

    @extend_schema(request=_ChosenInput, responses={200: dict, **WRITE_ERRORS})
    def post(self, request: AuthenticatedRequest, annotation_id: int) -> Response:
        annotation = permissions.annotation_for(request, annotation_id, write=True)
        body = _ChosenInput(data=request.data)
        body.is_valid(raise_exception=True)
        rejected = services.suggestion_reject(
            annotation=annotation, actor=request.user, **_chosen(body)
        )
        return Response({"rejected": [span.pk for span in rejected]})


class SuggestionQualityApi(ApiView):
    """Per model version and label: shown, accepted, corrected, rejected, ignored, and the
    suggestions' precision, recall and F1 against reviewed gold. Reviewers and managers."""

    @extend_schema(responses={200: dict})
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = permissions.project_for(request, project_id, access.REVIEW_ROLES)
        rows = selectors.suggestion_quality(project=project)
        return Response({"results": [asdict(row) for row in rows]})
