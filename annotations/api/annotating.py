"""Annotations and their content: spans, stances, status and the bulk replace.

Every write answers with the annotation's new ``version``; a stale one answers 409 with the
current version (see the annotating services, which hold all the rules).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from annotations import selectors, tasks
from annotations.api import base, permissions
from annotations.api.base import (
    INT64,
    INTEGER_TOO_LARGE,
    ApiView,
    AuthenticatedRequest,
    ListApiView,
)
from annotations.api.serializers import (
    AnnotationDetailOutput,
    AnnotationOutput,
    ContentOutput,
    DocumentLabelsOutput,
    ErrorOutput,
    SpanWriteOutput,
    StanceWriteOutput,
    VersionOutput,
)
from annotations.models import Annotation, AnnotationKind, AnnotationStatus, Checkworthy
from annotations.services import annotating as services
from annotations.services import queue, suggestions

NOT_AN_INTEGER = "version must be an integer."
UNACCEPT_INVALID = "unaccept is 1 (take back accepting a suggestion) or 0."

VERSION_PARAMETER = OpenApiParameter(
    "version", OpenApiTypes.INT, description="Refuse the delete (409) if the version differs."
)
UNACCEPT_PARAMETER = OpenApiParameter(
    "unaccept",
    OpenApiTypes.BOOL,
    description="1: the delete takes back accepting a suggestion, which is shown again "
    "(undecided) instead of counted as corrected.",
)
WRITE_ERRORS = {400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput, 409: ErrorOutput}


def _version_param(request: AuthenticatedRequest) -> int | None:
    """Read the optional ``?version=`` of a DELETE."""
    value = request.query_params.get("version")
    if value is None:
        return None
    try:
        version = int(value)
    except ValueError:
        raise ValidationError({"version": [NOT_AN_INTEGER]}) from None
    if version not in INT64:
        raise ValidationError({"version": [INTEGER_TOO_LARGE]})
    return version


def _unaccept_param(request: AuthenticatedRequest) -> bool:
    """Read the optional ``?unaccept=`` of a span DELETE (1 or true; 0 or false)."""
    value = request.query_params.get("unaccept", "0").lower()
    if value not in ("0", "1", "false", "true"):
        raise ValidationError({"unaccept": [UNACCEPT_INVALID]})
    return value in ("1", "true")


def _optional_text(**kwargs) -> serializers.CharField:
    return serializers.CharField(
        required=False, allow_blank=True, allow_null=True, trim_whitespace=False, **kwargs
    )


def _attributes() -> serializers.JSONField:
    # Checked against the label's attributes by the service, which names the field at fault.
    return serializers.JSONField(
        required=False,
        allow_null=True,
        help_text="{attribute name: value}; replaces the item's values (null or {} clears).",
    )


class DocumentAnnotationListApi(ListApiView):
    """The document's annotations the caller may read; POST opens the caller's own."""

    serializer_class = AnnotationOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Annotation.objects.none()
        document = permissions.document_for(self.request, self.kwargs["document_id"])
        return selectors.annotation_list_for_user(user=self.request.user, document=document)

    @extend_schema(responses=AnnotationOutput(many=True))
    def get(self, request: AuthenticatedRequest, document_id: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AnnotationOutput(page, many=True).data)

    @extend_schema(
        request=None, responses={200: AnnotationDetailOutput, 201: AnnotationDetailOutput}
    )
    def post(self, request: AuthenticatedRequest, document_id: int) -> Response:
        document = permissions.document_for(request, document_id)
        own, created = queue.document_start(document=document, user=request.user)
        annotation = selectors.annotation_get_for_user(
            user=request.user, annotation_id=own.pk, with_content=True
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(AnnotationDetailOutput(annotation).data, status=code)


class AnnotationDetailApi(ApiView):
    """One annotation with its spans and stances; PATCH submits, skips or reopens it."""

    class InputSerializer(base.InputSerializer):
        status = serializers.ChoiceField(choices=AnnotationStatus.choices)
        version = serializers.IntegerField()

    @extend_schema(responses={200: AnnotationDetailOutput})
    def get(self, request: AuthenticatedRequest, annotation_id: int) -> Response:
        annotation = permissions.annotation_for(request, annotation_id, with_content=True)
        return Response(AnnotationDetailOutput(annotation).data)

    @extend_schema(request=InputSerializer, responses={200: AnnotationOutput, **WRITE_ERRORS})
    def patch(self, request: AuthenticatedRequest, annotation_id: int) -> Response:
        annotation = permissions.annotation_for(request, annotation_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        permissions.check_may_set_status(request, annotation, body.validated_data["status"])
        updated = services.annotation_set_status(
            annotation=annotation, actor=request.user, **body.validated_data
        )
        if updated.kind == AnnotationKind.GOLD and updated.status == AnnotationStatus.SUBMITTED:
            tasks.recommenders_gold_reviewed(document_id=annotation.document_id)
        updated.author = annotation.author
        return Response(AnnotationOutput(updated).data)


class SpanListApi(ApiView):
    """Add a span; a retry with the same client_id and body answers the existing span."""

    class InputSerializer(base.InputSerializer):
        # A declared field, not Field.label: DRF's metaclass moves it into _declared_fields.
        label = serializers.IntegerField()  # type: ignore[assignment]
        start = serializers.IntegerField()
        end = serializers.IntegerField()
        text = _optional_text()
        client_id = serializers.UUIDField(required=False, allow_null=True)
        claimant = serializers.IntegerField(required=False, allow_null=True)
        claimant_text = _optional_text()
        checkworthy = serializers.ChoiceField(
            choices=Checkworthy.choices, required=False, allow_blank=True, allow_null=True
        )
        attributes = _attributes()
        unit = serializers.IntegerField(required=False, allow_null=True)
        version = serializers.IntegerField(required=False)
        suggestion = serializers.IntegerField(
            required=False, help_text="The suggestion this span accepts (docs/suggestions.md)."
        )

    @extend_schema(
        request=InputSerializer,
        responses={200: SpanWriteOutput, 201: SpanWriteOutput, **WRITE_ERRORS},
    )
    def post(self, request: AuthenticatedRequest, annotation_id: int) -> Response:
        annotation = permissions.annotation_for(request, annotation_id, write=True)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "suggestion" in data:  # an accepted suggestion (docs/suggestions.md)
            span, created = suggestions.suggestion_span_create(
                annotation=annotation, actor=request.user, **data
            )
        else:
            span, created = services.span_create(annotation=annotation, actor=request.user, **data)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(SpanWriteOutput(span).data, status=code)


class SpanDetailApi(ApiView):
    """Change or delete one span of an annotation."""

    class InputSerializer(base.InputSerializer):
        label = serializers.IntegerField(required=False)  # type: ignore[assignment]  # a field
        start = serializers.IntegerField(required=False)
        end = serializers.IntegerField(required=False)
        text = _optional_text()
        claimant = serializers.IntegerField(required=False, allow_null=True)
        claimant_text = _optional_text()
        checkworthy = serializers.ChoiceField(
            choices=Checkworthy.choices, required=False, allow_blank=True, allow_null=True
        )
        attributes = _attributes()
        version = serializers.IntegerField(required=False)

    @extend_schema(request=InputSerializer, responses={200: SpanWriteOutput, **WRITE_ERRORS})
    def patch(self, request: AuthenticatedRequest, annotation_id: int, span_id: int) -> Response:
        span = self._span(request, annotation_id, span_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = services.span_update(span=span, actor=request.user, **body.validated_data)
        return Response(SpanWriteOutput(updated).data)

    @extend_schema(
        parameters=[VERSION_PARAMETER, UNACCEPT_PARAMETER],
        responses={200: VersionOutput, **WRITE_ERRORS},
    )
    def delete(self, request: AuthenticatedRequest, annotation_id: int, span_id: int) -> Response:
        span = self._span(request, annotation_id, span_id)
        annotation = services.span_delete(
            span=span,
            actor=request.user,
            version=_version_param(request),
            unaccept=_unaccept_param(request),
        )
        return Response(VersionOutput(annotation).data)

    def _span(self, request: AuthenticatedRequest, annotation_id: int, span_id: int):
        annotation = permissions.annotation_for(request, annotation_id, write=True)
        span = selectors.span_get(annotation=annotation, span_id=span_id)
        if span is None:
            raise permissions.Http404(permissions.NOT_FOUND)
        return span


class StanceListApi(ApiView):
    """Add a stance on a target, held by an entity span or by the document's author."""

    class InputSerializer(base.InputSerializer):
        target = serializers.IntegerField()
        label = serializers.IntegerField()  # type: ignore[assignment]  # a declared field
        holder = serializers.IntegerField(required=False, allow_null=True)
        evidence = serializers.IntegerField(required=False, allow_null=True)
        attributes = _attributes()
        version = serializers.IntegerField(required=False)

    @extend_schema(request=InputSerializer, responses={201: StanceWriteOutput, **WRITE_ERRORS})
    def post(self, request: AuthenticatedRequest, annotation_id: int) -> Response:
        annotation = permissions.annotation_for(request, annotation_id, write=True)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stance = services.stance_create(
            annotation=annotation, actor=request.user, **body.validated_data
        )
        return Response(StanceWriteOutput(stance).data, status=status.HTTP_201_CREATED)


class StanceDetailApi(ApiView):
    """Change or delete one stance of an annotation."""

    class InputSerializer(base.InputSerializer):
        target = serializers.IntegerField(required=False)
        label = serializers.IntegerField(required=False)  # type: ignore[assignment]  # a field
        holder = serializers.IntegerField(required=False, allow_null=True)
        evidence = serializers.IntegerField(required=False, allow_null=True)
        attributes = _attributes()
        version = serializers.IntegerField(required=False)

    @extend_schema(request=InputSerializer, responses={200: StanceWriteOutput, **WRITE_ERRORS})
    def patch(self, request: AuthenticatedRequest, annotation_id: int, stance_id: int) -> Response:
        stance = self._stance(request, annotation_id, stance_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = services.stance_update(stance=stance, actor=request.user, **body.validated_data)
        return Response(StanceWriteOutput(updated).data)

    @extend_schema(parameters=[VERSION_PARAMETER], responses={200: VersionOutput, **WRITE_ERRORS})
    def delete(self, request: AuthenticatedRequest, annotation_id: int, stance_id: int) -> Response:
        stance = self._stance(request, annotation_id, stance_id)
        annotation = services.stance_delete(
            stance=stance, actor=request.user, version=_version_param(request)
        )
        return Response(VersionOutput(annotation).data)

    def _stance(self, request: AuthenticatedRequest, annotation_id: int, stance_id: int):
        annotation = permissions.annotation_for(request, annotation_id, write=True)
        stance = selectors.stance_get(annotation=annotation, stance_id=stance_id)
        if stance is None:
            raise permissions.Http404(permissions.NOT_FOUND)
        return stance


class BulkApi(ApiView):
    """Replace all spans, stances and relations at once (labels and targets by name, spans by
    index)."""

    class InputSerializer(base.InputSerializer):
        spans = serializers.ListField(child=serializers.DictField())
        stances = serializers.ListField(child=serializers.DictField())
        relations = serializers.ListField(child=serializers.DictField(), required=False)
        # Names; missing means none (the bulk body is the whole annotation).
        document_labels = serializers.ListField(child=serializers.JSONField(), default=list)
        version = serializers.IntegerField(required=False)

    @extend_schema(request=InputSerializer, responses={200: ContentOutput, **WRITE_ERRORS})
    def post(self, request: AuthenticatedRequest, annotation_id: int) -> Response:
        annotation = permissions.annotation_for(request, annotation_id, write=True)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        content = services.annotation_replace_content(
            annotation=annotation, actor=request.user, **body.validated_data
        )
        return Response(ContentOutput(content).data)


class DocumentLabelsApi(ApiView):
    """The labels an annotation gives its whole document; PUT replaces the set."""

    class InputSerializer(base.InputSerializer):
        # Checked by the service, which names the item at fault (labels.1).
        labels = serializers.ListField(child=serializers.JSONField())
        version = serializers.IntegerField(required=False)

    @extend_schema(responses={200: DocumentLabelsOutput})
    def get(self, request: AuthenticatedRequest, annotation_id: int) -> Response:
        annotation = permissions.annotation_for(request, annotation_id)
        labels = selectors.document_label_ids(annotation=annotation)
        return Response(DocumentLabelsOutput({"annotation": annotation, "labels": labels}).data)

    @extend_schema(request=InputSerializer, responses={200: DocumentLabelsOutput, **WRITE_ERRORS})
    def put(self, request: AuthenticatedRequest, annotation_id: int) -> Response:
        annotation = permissions.annotation_for(request, annotation_id, write=True)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        written = services.annotation_set_document_labels(
            annotation=annotation, actor=request.user, **body.validated_data
        )
        return Response(DocumentLabelsOutput(written).data)
