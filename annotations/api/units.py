"""Sentence units: a document's sentences, and labelling one unit of an annotation.

``GET /api/documents/{d}/sentences/`` lists the units (number, code-point range, text) that a
sentence-units project labels; ``PUT /api/annotations/{a}/units/{n}/`` gives unit ``n`` a
sentence label (creating its span, or relabelling it). The span endpoints take sentence labels
too (a whole sentence, its unit checked): this is the short way.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from annotations import sentences
from annotations.api import base, permissions
from annotations.api.annotating import WRITE_ERRORS
from annotations.api.base import ApiView, AuthenticatedRequest
from annotations.api.serializers import SpanWriteOutput
from annotations.services import annotating as services


class SentenceOutput(serializers.Serializer):
    unit = serializers.IntegerField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    text = serializers.CharField()


class SentencesOutput(serializers.Serializer):
    sentence_units = serializers.BooleanField()
    sentences = SentenceOutput(many=True)


class DocumentSentencesApi(ApiView):
    """The document's sentences, the units of a sentence-units project (code points)."""

    @extend_schema(responses={200: SentencesOutput})
    def get(self, request: AuthenticatedRequest, document_id: int) -> Response:
        document = permissions.document_for(request, document_id)
        text = document.text
        found = [
            {"unit": unit, "start": start, "end": end, "text": text[start:end]}
            for unit, (start, end) in enumerate(sentences.sentence_ranges(text))
        ]
        units = document.project.sentence_units
        return Response({"sentence_units": units, "sentences": found})


class UnitLabelApi(ApiView):
    """Label one sentence unit: its span is created (201) or relabelled (200)."""

    class InputSerializer(base.InputSerializer):
        label = serializers.IntegerField()  # type: ignore[assignment]  # a declared field
        client_id = serializers.UUIDField(required=False, allow_null=True)
        version = serializers.IntegerField(required=False)

    @extend_schema(
        request=InputSerializer,
        responses={200: SpanWriteOutput, 201: SpanWriteOutput, **WRITE_ERRORS},
    )
    def put(self, request: AuthenticatedRequest, annotation_id: int, unit: int) -> Response:
        annotation = permissions.annotation_for(request, annotation_id, write=True)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        span, created = services.unit_label(
            annotation=annotation, unit=unit, actor=request.user, **body.validated_data
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(SpanWriteOutput(span).data, status=code)
