"""``POST /api/projects/{p}/assignments/``: a manager hands chosen documents to an annotator.

Alongside the automatic queue (``/next/``): each document becomes the annotator's work in
progress, as ``services.assignment.documents_assign`` says. The answer lists what was assigned,
what the annotator already had, and what their open-documents limit refused, by id: 201 when
anything was assigned, else 200 (nothing written).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from annotations import access
from annotations.api import base, permissions
from annotations.api.base import ApiView, AuthenticatedRequest
from annotations.api.serializers import ErrorOutput
from annotations.services.assignment import ASSIGN_AT_ONCE, documents_assign


class AssignmentOutput(serializers.Serializer):
    annotator = serializers.CharField()
    limit = serializers.IntegerField(help_text="The most documents one annotator holds open.")
    assigned = serializers.ListField(child=serializers.IntegerField())
    already = serializers.ListField(
        child=serializers.IntegerField(), help_text="The annotator had these: left as they were."
    )
    refused = serializers.ListField(
        child=serializers.IntegerField(), help_text="Past the annotator's open-documents limit."
    )


class AssignmentApi(ApiView):
    """Hand chosen documents of the project to one of its members (managers)."""

    class InputSerializer(base.InputSerializer):
        documents = serializers.ListField(
            child=serializers.IntegerField(), allow_empty=False, max_length=ASSIGN_AT_ONCE
        )
        annotator = serializers.CharField(max_length=150)

    @extend_schema(
        request=InputSerializer,
        responses={200: AssignmentOutput, 201: AssignmentOutput, 400: ErrorOutput},
    )
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = permissions.project_for(request, project_id, access.MANAGE_ROLES)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        annotator = base.user_named(body.validated_data["annotator"], field="annotator")
        handout = documents_assign(
            project=project,
            document_ids=body.validated_data["documents"],
            annotator=annotator,
            actor=request.user,
        )
        code = status.HTTP_201_CREATED if handout.assigned else status.HTTP_200_OK
        return Response(AssignmentOutput(handout).data, status=code)
