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
    export_to_file,
    labelstudio,
    packaging,
    warning_headers,
)
from annotations.models import AnnotationStatus

UNKNOWN_PARAMETER = "Unknown query parameter; expected one of: {names}."
ONE_VALUE = "Give this parameter once."
PARAMETERS = ("format", "include", "label", "status", "split", "seed")
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
            OpenApiParameter(
                "split",
                str,
                description="Percentages train,validation,test (or train,test), such as "
                "80,10,10: each document goes to one split by a hash of its id and the seed.",
            ),
            OpenApiParameter("seed", int, description="The split's seed (default 0)."),
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
            split=query.get("split"),
            seed=query.get("seed"),
        )
        rows = export_rows(
            project=project,
            include=options.include,
            labels=options.labels,
            statuses=options.statuses,
        )
        report = ExportReport()
        content_type, _ = packaging(options.format, options.split)
        headers: dict[str, str] = {}
        if FORMATS[options.format].warns:
            # Rendered whole first (into a spooled file) so the headers can count the warnings.
            body = export_to_file(rows=rows, options=options, report=report)
            headers = warning_headers(report)
        else:
            body = export_stream(rows=rows, options=options, report=report)
        response = StreamingHttpResponse(body, content_type=content_type)
        if options.format == "labelstudio":
            headers[labelstudio.CONFIG_HEADER] = labelstudio.config_header(options)
        for name, value in headers.items():
            response[name] = value
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
