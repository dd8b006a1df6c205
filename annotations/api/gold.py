"""Gold: a reviewer builds a document's gold annotation, then edits it like any annotation.

Building by majority over a gold whose content the build would change (a reviewer's accepts
and edits) answers 409 with what would be taken out and added; the client asks the reviewer
and sends ``"replace": true`` to go ahead. Accepting single items or all agreed ones into
gold: gold_accept.py.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from annotations import access, selectors
from annotations.api import base, permissions
from annotations.api.base import ApiView, AuthenticatedRequest
from annotations.api.serializers import AnnotationDetailOutput, ErrorOutput
from annotations.services.review import MAJORITY, REPLACE_TO_CONFIRM, GoldWouldChange, gold_build


class ValueOutput(serializers.Serializer):
    value = serializers.JSONField(
        allow_null=True,
        help_text="A claimant {start, end, text} or {text}, evidence {start, end, text}, "
        "a check-worthiness or a stance value; null: not given.",
    )
    annotations = serializers.ListField(child=serializers.IntegerField())


class ConflictOutput(serializers.Serializer):
    """An item some annotators marked that did not go into gold as they had it, and why.

    ``reason`` ``attribute``: the place went into gold (a stance only when its value is
    settled) but the annotations differ on ``attribute``: ``values`` says who gave what,
    ``gold`` what gold has (null: left empty). ``span_left_out`` with an ``attribute``: the
    claimant or evidence span chosen is not in gold, so gold has none.
    """

    kind = serializers.CharField(help_text="span, stance or relation")
    reason = serializers.CharField()
    annotations = serializers.ListField(child=serializers.IntegerField())
    # A declared field, not Field.label: DRF's metaclass moves it into _declared_fields.
    label = serializers.CharField(required=False)  # type: ignore[assignment]
    start = serializers.IntegerField(required=False)
    end = serializers.IntegerField(required=False)
    source = serializers.JSONField(  # type: ignore[assignment]  # a declared field
        required=False, help_text="A relation's source span: {label, start, end}."
    )
    target = serializers.JSONField(
        required=False,
        help_text="A stance's target (its name); a relation's target span {label, start, end}.",
    )
    holder = serializers.JSONField(required=False, allow_null=True)
    evidence = serializers.JSONField(required=False, allow_null=True)
    claimant = serializers.JSONField(required=False, allow_null=True)
    claimant_text = serializers.CharField(required=False)
    count = serializers.IntegerField(required=False)
    of = serializers.IntegerField(required=False)
    attribute = serializers.CharField(required=False)
    values = ValueOutput(many=True, required=False)
    gold = serializers.JSONField(required=False, allow_null=True)


class GoldOutput(serializers.Serializer):
    gold = AnnotationDetailOutput()
    sources = serializers.ListField(child=serializers.IntegerField())
    conflicts = ConflictOutput(many=True)


class GoldWouldChangeOutput(ErrorOutput):
    """The 409 of a rebuild by majority that would change gold: what would go and come."""

    current_version = serializers.IntegerField()
    removed = serializers.ListField(
        child=serializers.DictField(), help_text="Gold's items the build would take out or change."
    )
    added = serializers.ListField(
        child=serializers.DictField(), help_text="What the build would put in."
    )


class GoldApi(ApiView):
    """Build the document's gold by majority or from chosen annotations (reviewers, managers)."""

    class InputSerializer(base.InputSerializer):
        annotations = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
            required=False,
            allow_empty=False,
        )
        strategy = serializers.ChoiceField(choices=[MAJORITY], required=False)
        replace = serializers.BooleanField(
            required=False, default=False, help_text=REPLACE_TO_CONFIRM
        )
        version = serializers.IntegerField(required=False, help_text="The gold's version.")

    @extend_schema(
        request=InputSerializer,
        responses={
            200: GoldOutput,
            201: GoldOutput,
            400: ErrorOutput,
            403: ErrorOutput,
            409: GoldWouldChangeOutput,
        },
    )
    def post(self, request: AuthenticatedRequest, document_id: int) -> Response:
        document = permissions.document_for(request, document_id, access.REVIEW_ROLES)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            result = gold_build(
                document=document,
                actor=request.user,
                annotation_ids=data.get("annotations"),
                strategy=data.get("strategy"),
                replace=data["replace"],
                version=data.get("version"),
            )
        except GoldWouldChange as refused:
            answer = {
                "detail": refused.detail,
                "errors": {"replace": [REPLACE_TO_CONFIRM]},
                "current_version": refused.current_version,
                "removed": refused.removed,
                "added": refused.added,
            }
            return Response(answer, status=status.HTTP_409_CONFLICT)
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
