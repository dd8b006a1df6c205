"""Accepting into gold one annotator's span, stance or relation, or all agreed items.

Building gold from whole annotations: gold.py.

Gold is then edited with the ordinary span and stance endpoints, marked reviewed with
``PATCH /api/annotations/{gold}/ {"status": "submitted"}`` and reopened with ``in_progress``.
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from annotations import access, selectors
from annotations.api import base, permissions
from annotations.api.base import ApiView, AuthenticatedRequest
from annotations.api.gold import ConflictOutput
from annotations.api.serializers import AnnotationDetailOutput, ErrorOutput
from annotations.errors import InvalidInput
from annotations.services.review import (
    ONE_ITEM,
    gold_accept_agreed,
    gold_accept_document_label,
    gold_accept_relation,
    gold_accept_span,
    gold_accept_stance,
)

ID: dict[str, Any] = {"min_value": 1, "max_value": 2**63 - 1}
ERRORS = {400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput, 409: ErrorOutput}


class ReplacedOutput(serializers.Serializer):
    # A declared field, not Field.label: DRF's metaclass moves it into _declared_fields.
    label = serializers.CharField()  # type: ignore[assignment]
    start = serializers.IntegerField()
    end = serializers.IntegerField()


class AcceptOutput(serializers.Serializer):
    gold = AnnotationDetailOutput()
    span = serializers.IntegerField(allow_null=True, help_text="The gold span accepted into.")
    stance = serializers.IntegerField(allow_null=True, help_text="The gold stance accepted into.")
    relation = serializers.IntegerField(
        allow_null=True, help_text="The gold relation accepted into."
    )
    document_label = serializers.IntegerField(
        allow_null=True, help_text="The document label (id) gold now gives."
    )
    replaced = ReplacedOutput(many=True, help_text="Overlapping gold spans taken out.")
    conflicts = ConflictOutput(
        many=True, help_text="Claim records merged with differing verdicts (accepting a claim)."
    )


class AgreedOutput(serializers.Serializer):
    gold = AnnotationDetailOutput()
    sources = serializers.ListField(child=serializers.IntegerField())
    added = serializers.DictField(child=serializers.IntegerField())
    conflicts = ConflictOutput(many=True)


# What the accept body names, the service that accepts it and the argument it takes.
ACCEPTORS: dict[str, tuple[Any, str]] = {
    "span": (gold_accept_span, "span_id"),
    "stance": (gold_accept_stance, "stance_id"),
    "relation": (gold_accept_relation, "relation_id"),
    "document_label": (gold_accept_document_label, "label_id"),
}


def _gold_payload(request: AuthenticatedRequest, gold_id: int) -> dict:
    gold = selectors.annotation_get_for_user(
        user=request.user, annotation_id=gold_id, with_content=True
    )
    return AnnotationDetailOutput(gold).data


class GoldAcceptApi(ApiView):
    """Copy one span, stance, relation or document label of another annotation into its gold.

    The gold is created if the document has none. A span comes with its claimant, a stance
    with its holder and evidence spans, a relation with its two ends; where the project forbids
    overlap, gold spans of the same kind that overlap the accepted span are taken out (listed
    in ``replaced``). A document label (its label id, which another annotation gives)
    replaces gold's label of the same group when the group is single-choice.
    """

    class InputSerializer(base.InputSerializer):
        span = serializers.IntegerField(required=False, **ID)
        stance = serializers.IntegerField(required=False, **ID)
        relation = serializers.IntegerField(required=False, **ID)
        document_label = serializers.IntegerField(required=False, **ID)
        version = serializers.IntegerField(required=False, help_text="The gold's version.")

    @extend_schema(
        request=InputSerializer, responses={200: AcceptOutput, 201: AcceptOutput, **ERRORS}
    )
    def post(self, request: AuthenticatedRequest, document_id: int) -> Response:
        document = permissions.document_for(request, document_id, access.REVIEW_ROLES)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        given = [name for name in ACCEPTORS if name in data]
        if len(given) != 1:
            raise InvalidInput({"non_field_errors": [ONE_ITEM]})
        accept, argument = ACCEPTORS[given[0]]
        result = accept(
            document=document,
            actor=request.user,
            version=data.get("version"),
            **{argument: data[given[0]]},
        )
        payload = {
            "gold": _gold_payload(request, result.annotation.pk),
            "span": None if result.span is None else result.span.pk,
            "stance": None if result.stance is None else result.stance.pk,
            "relation": None if result.relation is None else result.relation.pk,
            "document_label": result.document_label,
            "replaced": result.replaced,
            "conflicts": result.conflicts,
        }
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(payload, status=code)


class GoldAgreedApi(ApiView):
    """Add to gold every span, stance and relation all submitted annotations contain (one
    change).

    What cannot go in without changing what gold already has is listed in ``conflicts``.
    Starts the gold (possibly empty) when the document has none.
    """

    class InputSerializer(base.InputSerializer):
        version = serializers.IntegerField(required=False, help_text="The gold's version.")

    @extend_schema(
        request=InputSerializer, responses={200: AgreedOutput, 201: AgreedOutput, **ERRORS}
    )
    def post(self, request: AuthenticatedRequest, document_id: int) -> Response:
        document = permissions.document_for(request, document_id, access.REVIEW_ROLES)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = gold_accept_agreed(
            document=document, actor=request.user, version=body.validated_data.get("version")
        )
        payload = {
            "gold": _gold_payload(request, result.annotation.pk),
            "sources": result.sources,
            "added": {
                "spans": result.added_spans,
                "stances": result.added_stances,
                "relations": result.added_relations,
                "document_labels": result.added_document_labels,
            },
            "conflicts": result.conflicts,
        }
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(payload, status=code)
