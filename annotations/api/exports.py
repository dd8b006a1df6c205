"""Export: ``GET /api/projects/{p}/export/?format=...`` streams the project's dataset.

Every format streams: its first bytes leave as soon as the first batch is rendered. What a
token format leaves out cannot ride in the answer's headers (they leave first) nor in its body
(warnings never enter the data), so ``GET .../export/warnings/`` with the same parameters
answers it as JSON, and the download's ``Link`` header points there.
"""

from collections.abc import Iterable
from typing import Any

from django.http import QueryDict, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from annotations import access, selectors
from annotations.api import permissions
from annotations.api.base import (
    FILE_RESPONSES,
    FORMAT_PARAMETER,
    ApiView,
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
    export_warnings,
    format_rows,
    labelstudio,
    packaging,
)
from annotations.exports.base import ExportOptions
from annotations.models import AnnotationStatus, Project

UNKNOWN_PARAMETER = "Unknown query parameter; expected one of: {names}."
ONE_VALUE = "Give this parameter once."
PARAMETERS = ("format", "include", "label", "status", "split", "seed")
REPEATABLE = ("label", "status")


EXPORT_PARAMETERS = [
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
]
# The Link relation of a token format's download to what it left out.
WARNINGS_REL = "export-warnings"


class ExportWarningsOutput(serializers.Serializer):
    format = serializers.CharField()
    rows = serializers.IntegerField(help_text="Records the export wrote.")
    warning_count = serializers.IntegerField()
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="Every span the format left out, in order."
    )


class ExportApi(DownloadApiView):
    """Stream the project's gold (or submitted) annotations in one format (reviewers, managers)."""

    @extend_schema(
        parameters=EXPORT_PARAMETERS,
        responses={**FILE_RESPONSES, 400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput},
    )
    def get(self, request: AuthenticatedRequest, project_id: int) -> StreamingHttpResponse:
        project, options = _export_request(request, project_id)
        rows = _rows(project, options)
        content_type, _ = packaging(options.format, options.split)
        response = StreamingHttpResponse(
            export_stream(rows=rows, options=options, report=ExportReport()),
            content_type=content_type,
        )
        if FORMATS[options.format].warns:
            warnings_url = reverse("api-export-warnings", args=[project.pk])
            query = request.META.get("QUERY_STRING", "")
            link = request.build_absolute_uri(f"{warnings_url}?{query}" if query else warnings_url)
            response["Link"] = f'<{link}>; rel="{WARNINGS_REL}"'
        if options.format == "labelstudio":
            response[labelstudio.CONFIG_HEADER] = labelstudio.config_header(options)
        filename = export_filename(project=project, options=options)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class ExportWarningsApi(ApiView):
    """What an export leaves out: the same parameters as the export, answered as JSON."""

    @extend_schema(
        parameters=EXPORT_PARAMETERS,
        responses={200: ExportWarningsOutput, 400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput},
    )
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project, options = _export_request(request, project_id)
        report = export_warnings(project=project, options=options)
        output = {
            "format": options.format,
            "rows": report.rows,
            "warning_count": report.warning_count,
            "warnings": report.warnings,
        }
        return Response(ExportWarningsOutput(output).data)


def _export_request(
    request: AuthenticatedRequest, project_id: int
) -> tuple[Project, ExportOptions]:
    """The project (reviewers and managers) and the export its query string asks for."""
    project = permissions.project_for(request, project_id, access.REVIEW_ROLES)
    query = request.query_params
    _check_parameters(query)
    return project, export_options(
        project=project,
        format_name=query.get("format", "jsonl"),
        include=query.get("include"),
        labels=query.getlist("label"),
        statuses=query.getlist("status"),
        split=query.get("split"),
        seed=query.get("seed"),
    )


def _rows(project: Project, options: ExportOptions) -> Iterable[dict[str, Any]]:
    return format_rows(
        project=project,
        options=options,
        documents=lambda: export_rows(
            project=project,
            include=options.include,
            labels=options.labels,
            statuses=options.statuses,
        ),
    )


def _check_parameters(query: QueryDict) -> None:
    errors = {}
    for name in query:
        if name not in PARAMETERS:
            errors[name] = [UNKNOWN_PARAMETER.format(names=", ".join(PARAMETERS))]
        elif name not in REPEATABLE and len(query.getlist(name)) > 1:
            errors[name] = [ONE_VALUE]
    if errors:
        raise ValidationError(errors)
