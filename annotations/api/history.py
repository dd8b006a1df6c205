"""An annotation's history (the event log) and reverting one change from it."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from annotations import selectors
from annotations.api import permissions
from annotations.api.base import ApiView, AuthenticatedRequest, ListApiView
from annotations.api.serializers import ErrorOutput
from annotations.models import AnnotationEvent
from annotations.services.history import event_revert


class EventOutput(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor.username", default=None, read_only=True, allow_null=True
    )
    reverted_by = serializers.IntegerField(default=None, read_only=True, allow_null=True)
    before = serializers.JSONField(read_only=True)
    after = serializers.JSONField(read_only=True)

    class Meta:
        model = AnnotationEvent
        fields = [
            "id",
            "action",
            "actor",
            "created_at",
            "object_id",
            "version",
            "before",
            "after",
            "reverted_by",
        ]


class AnnotationEventListApi(ListApiView):
    """The annotation's changes, newest first, each with who made it and what it changed."""

    serializer_class = EventOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AnnotationEvent.objects.none()
        annotation = permissions.annotation_for(self.request, self.kwargs["annotation_id"])
        return selectors.event_list(annotation=annotation)

    @extend_schema(responses=EventOutput(many=True))
    def get(self, request: AuthenticatedRequest, annotation_id: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(EventOutput(page, many=True).data)


class EventRevertApi(ApiView):
    """Undo one change (gold: reviewers and managers; one's own annotation: its author)."""

    @extend_schema(
        request=None,
        responses={201: EventOutput, 400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput},
    )
    def post(self, request: AuthenticatedRequest, event_id: int) -> Response:
        event = selectors.event_get(event_id=event_id)
        if event is None:
            raise Http404(permissions.NOT_FOUND)
        permissions.annotation_for(request, event.annotation_id, write=True)
        undo = event_revert(event=event, actor=request.user)
        return Response(EventOutput(undo).data, status=status.HTTP_201_CREATED)
