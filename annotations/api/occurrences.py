"""Annotate all occurrences: one request marks a span's string everywhere in its document.

The rules (whole words, case, the overlap rule, identical spans, suggestions on the project's
other documents) are ``services.annotating.span_occurrences_create``'s.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from annotations.api import base, permissions
from annotations.api.annotating import WRITE_ERRORS
from annotations.api.base import ApiView, AuthenticatedRequest
from annotations.api.serializers import SpanOutput
from annotations.services import annotating as services


class SuggestionsOutput(serializers.Serializer):
    recommender = serializers.IntegerField(source="model_version.recommender_id")
    model_version = serializers.IntegerField(source="model_version.pk")
    documents = serializers.IntegerField(help_text="Other documents that got new suggestions.")
    spans = serializers.IntegerField(help_text="Suggested spans written.")


class OccurrencesOutput(serializers.Serializer):
    version = serializers.IntegerField(source="annotation.version")
    created = SpanOutput(many=True, help_text="The spans marked, in text order.")
    identical = serializers.IntegerField(help_text="Occurrences already marked with the label.")
    overlapping = serializers.IntegerField(
        help_text="Occurrences not marked: they would overlap a span the project forbids."
    )
    message = serializers.SerializerMethodField(
        help_text="What was done, and why anything was not."
    )
    suggestions = SuggestionsOutput()

    def get_message(self, marked: services.MarkedOccurrences) -> str:
        return services.occurrences_message(marked)


class SpanOccurrencesApi(ApiView):
    """Mark every other whole-word occurrence of a span's text with its label."""

    class InputSerializer(base.InputSerializer):
        span = serializers.IntegerField(help_text="The span whose text is looked for.")
        case_sensitive = serializers.BooleanField(default=True)
        version = serializers.IntegerField(required=False)

    @extend_schema(
        request=InputSerializer,
        responses={200: OccurrencesOutput, 201: OccurrencesOutput, **WRITE_ERRORS},
    )
    def post(self, request: AuthenticatedRequest, annotation_id: int) -> Response:
        annotation = permissions.annotation_for(request, annotation_id, write=True)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        marked = services.span_occurrences_create(
            annotation=annotation, actor=request.user, **body.validated_data
        )
        code = status.HTTP_201_CREATED if marked.created else status.HTTP_200_OK
        return Response(OccurrencesOutput(marked).data, status=code)
