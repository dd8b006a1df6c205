"""Gold: a reviewer builds a document's gold annotation, then edits it like any annotation.

Accepting single items or all agreed ones into gold: gold_accept.py.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from annotations import access, selectors
from annotations.api import base, permissions
from annotations.api.base import ApiView, AuthenticatedRequest
from annotations.api.serializers import AnnotationDetailOutput, ErrorOutput
from annotations.services.review import MAJORITY, gold_build


class ConflictOutput(serializers.Serializer):
    """An item some annotators marked that did not go into gold, and why."""

    kind = serializers.CharField(help_text="span or stance")
    reason = serializers.CharField()
    annotations = serializers.ListField(child=serializers.IntegerField())
    # A declared field, not Field.label: DRF's metaclass moves it into _declared_fields.
    label = serializers.CharField()  # type: ignore[assignment]
    start = serializers.IntegerField(required=False)
    end = serializers.IntegerField(required=False)
    target = serializers.CharField(required=False)
    count = serializers.IntegerField(required=False)
    of = serializers.IntegerField(required=False)


class GoldOutput(serializers.Serializer):
    gold = AnnotationDetailOutput()
    sources = serializers.ListField(child=serializers.IntegerField())
    conflicts = ConflictOutput(many=True)


class GoldApi(ApiView):
    """Build the document's gold by majority or from chosen annotations (reviewers, managers)."""

    class InputSerializer(base.InputSerializer):
        annotations = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
            required=False,
            allow_empty=False,
        )
        strategy = serializers.ChoiceField(choices=[MAJORITY], required=False)

    @extend_schema(
        request=InputSerializer,
        responses={200: GoldOutput, 201: GoldOutput, 400: ErrorOutput, 403: ErrorOutput},
    )
    def post(self, request: AuthenticatedRequest, document_id: int) -> Response:
        document = permissions.document_for(request, document_id, access.REVIEW_ROLES)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = gold_build(
            document=document,
            actor=request.user,
            annotation_ids=body.validated_data.get("annotations"),
            strategy=body.validated_data.get("strategy"),
        )
        gold = selectors.annotation_get_for_user(
            user=request.user, annotation_id=result.annotation.pk, with_content=True
        )
        payload = {
            "gold": AnnotationDetailOutput(gold).data,
            "sources": result.sources,
            "conflicts": result.conflicts,
        }
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(payload, status=code)
