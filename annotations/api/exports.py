"""Export: ``GET /api/projects/{p}/export/?format=...`` streams the project's dataset."""

from django.http import QueryDict, StreamingHttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError

from annotations import access, selectors
from annotations.api import permissions
from annotations.api.base import (
    FILE_RESPONSES,
    FORMAT_PARAMETER,
    AuthenticatedRequest,
    DownloadApiView,
)
from annotations.api.serializers import ErrorOutput
from annotations.exports import (
    FORMATS,
    ExportReport,
    export_filename,
    export_options,
    export_rows,
    export_stream,
)
from annotations.models import AnnotationStatus

UNKNOWN_PARAMETER = "Unknown query parameter; expected one of: {names}."
ONE_VALUE = "Give this parameter once."
PARAMETERS = ("format", "include", "label", "status")
REPEATABLE = ("label", "status")


class ExportApi(DownloadApiView):
    """Stream the project's gold (or submitted) annotations in one format (reviewers, managers)."""

    @extend_schema(
        parameters=[
            FORMAT_PARAMETER,
            OpenApiParameter(
                "include",
                str,
                enum=list(selectors.EXPORT_INCLUDES),
                description="gold (default): one line per document with gold; submitted: "
                "one line per submitted manual annotation, with its annotator.",
            ),
            OpenApiParameter(
                "label", str, many=True, description="Only spans and stances with these labels."
            ),
            OpenApiParameter(
                "status",
                str,
                many=True,
                enum=list(AnnotationStatus.values),
                description="Only documents whose gold has this status.",
            ),
        ],
        responses={**FILE_RESPONSES, 400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput},
    )
    def get(self, request: AuthenticatedRequest, project_id: int) -> StreamingHttpResponse:
        project = permissions.project_for(request, project_id, access.REVIEW_ROLES)
        query = request.query_params
        _check_parameters(query)
        options = export_options(
            project=project,
            format_name=query.get("format", "jsonl"),
            include=query.get("include"),
            labels=query.getlist("label"),
            statuses=query.getlist("status"),
        )
        rows = export_rows(
            project=project,
            include=options.include,
            labels=options.labels,
            statuses=options.statuses,
        )
        chunks = export_stream(rows=rows, options=options, report=ExportReport())
        response = StreamingHttpResponse(chunks, content_type=FORMATS[options.format].content_type)
        filename = export_filename(project=project, options=options)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _check_parameters(query: QueryDict) -> None:
    errors = {}
    for name in query:
        if name not in PARAMETERS:
            errors[name] = [UNKNOWN_PARAMETER.format(names=", ".join(PARAMETERS))]
        elif name not in REPEATABLE and len(query.getlist(name)) > 1:
            errors[name] = [ONE_VALUE]
    if errors:
        raise ValidationError(errors)
