"""Relations between two spans of an annotation: list, create, change, delete.

The same permissions, versions (409 on a stale one) and retries (``client_id``,
``Idempotency-Key``) as spans; every write answers the annotation's new ``version``. The rules
are the annotating services' (docs/schema.md, docs/relations.md).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from annotations import selectors
from annotations.api import base, permissions
from annotations.api.annotating import VERSION_PARAMETER, WRITE_ERRORS, _version_param
from annotations.api.base import ApiView, AuthenticatedRequest, ListApiView
from annotations.api.serializers import RelationOutput, RelationWriteOutput, VersionOutput
from annotations.models import Relation
from annotations.services import annotating as services


class RelationListApi(ListApiView):
    """The annotation's relations; POST links two of its spans."""

    serializer_class = RelationOutput

    class InputSerializer(base.InputSerializer):
        label = serializers.IntegerField()  # type: ignore[assignment]  # a declared field
        source = serializers.IntegerField()  # type: ignore[assignment]  # a declared field
        target = serializers.IntegerField()
        attributes = serializers.JSONField(required=False)
        client_id = serializers.UUIDField(required=False, allow_null=True)
        version = serializers.IntegerField(required=False)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Relation.objects.none()
        annotation = permissions.annotation_for(self.request, self.kwargs["annotation_id"])
        return selectors.relation_list(annotation=annotation)

    @extend_schema(responses=RelationOutput(many=True))
    def get(self, request: AuthenticatedRequest, annotation_id: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RelationOutput(page, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={200: RelationWriteOutput, 201: RelationWriteOutput, **WRITE_ERRORS},
    )
    def post(self, request: AuthenticatedRequest, annotation_id: int) -> Response:
        annotation = permissions.annotation_for(request, annotation_id, write=True)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        relation, created = services.relation_create(
            annotation=annotation, actor=request.user, **body.validated_data
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(RelationWriteOutput(relation).data, status=code)


class RelationDetailApi(ApiView):
    """Read, change or delete one relation of an annotation."""

    class InputSerializer(base.InputSerializer):
        label = serializers.IntegerField(required=False)  # type: ignore[assignment]  # a field
        source = serializers.IntegerField(required=False)  # type: ignore[assignment]  # a field
        target = serializers.IntegerField(required=False)
        attributes = serializers.JSONField(required=False)
        version = serializers.IntegerField(required=False)

    @extend_schema(responses={200: RelationOutput})
    def get(self, request: AuthenticatedRequest, annotation_id: int, relation_id: int) -> Response:
        relation = self._relation(request, annotation_id, relation_id, write=False)
        return Response(RelationOutput(relation).data)

    @extend_schema(request=InputSerializer, responses={200: RelationWriteOutput, **WRITE_ERRORS})
    def patch(
        self, request: AuthenticatedRequest, annotation_id: int, relation_id: int
    ) -> Response:
        relation = self._relation(request, annotation_id, relation_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = services.relation_update(
            relation=relation, actor=request.user, **body.validated_data
        )
        return Response(RelationWriteOutput(updated).data)

    @extend_schema(parameters=[VERSION_PARAMETER], responses={200: VersionOutput, **WRITE_ERRORS})
    def delete(
        self, request: AuthenticatedRequest, annotation_id: int, relation_id: int
    ) -> Response:
        relation = self._relation(request, annotation_id, relation_id)
        annotation = services.relation_delete(
            relation=relation, actor=request.user, version=_version_param(request)
        )
        return Response(VersionOutput(annotation).data)

    def _relation(
        self,
        request: AuthenticatedRequest,
        annotation_id: int,
        relation_id: int,
        *,
        write: bool = True,
    ) -> Relation:
        annotation = permissions.annotation_for(request, annotation_id, write=write)
        relation = selectors.relation_get(annotation=annotation, relation_id=relation_id)
        if relation is None:
            raise permissions.Http404(permissions.NOT_FOUND)
        return relation
