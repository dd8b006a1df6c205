"""The annotator's queue: ``POST /api/projects/{p}/next/`` hands out the caller's next document.

POST, not GET: asking assigns a document (it creates the caller's annotation), so the request
is neither safe nor cacheable. Every role annotates, so any member may ask.

The caller's open work comes back before anything new, so the queue never refuses at the
``max_open_per_annotator`` limit: that limit (a 409 with ``services.queue.OPEN_LIMIT``) binds
where a member opens a document of their choice (``services.queue.document_start``).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from annotations import selectors
from annotations.api import base, permissions
from annotations.api.base import ApiView, AuthenticatedRequest
from annotations.api.serializers import ErrorOutput
from annotations.models import Annotation
from annotations.services.queue import document_assign_next


class QueueAnnotationOutput(serializers.ModelSerializer):
    class Meta:
        model = Annotation
        fields = ["id", "version", "status"]


class ProgressOutput(serializers.Serializer):
    done = serializers.IntegerField(help_text="The caller's submitted and skipped documents.")
    assigned = serializers.IntegerField(help_text="Documents the caller has an annotation on.")
    total = serializers.IntegerField(help_text="Documents in the project.")
    available = serializers.IntegerField(
        help_text="Documents the queue could still give the caller, beyond those assigned."
    )


class NextDocumentOutput(serializers.Serializer):
    id = serializers.IntegerField(source="document.id")
    external_id = serializers.CharField(source="document.external_id")
    meta = serializers.JSONField(source="document.meta")
    text = serializers.CharField(source="document.text")
    annotation = QueueAnnotationOutput()
    progress = ProgressOutput()


class QueueNextApi(ApiView):
    """The caller's next document with their annotation of it; 204 when nothing is left."""

    class InputSerializer(base.InputSerializer):
        """No fields: a body naming any is refused like every unknown field."""

    @extend_schema(
        request=None,
        responses={200: NextDocumentOutput, 204: None, 400: ErrorOutput, 404: ErrorOutput},
    )
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = permissions.project_for(request, project_id)
        self.InputSerializer(data=request.data).is_valid(raise_exception=True)
        annotation = document_assign_next(project=project, user=request.user)
        if annotation is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        progress = selectors.project_progress_for_user(project=project, user=request.user)
        output = {"document": annotation.document, "annotation": annotation, "progress": progress}
        return Response(NextDocumentOutput(output).data)
