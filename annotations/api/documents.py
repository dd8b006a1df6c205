"""Documents: the caller's list with their status, import, and one document."""

import logging
from typing import BinaryIO, cast

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from annotations import access, selectors, tasks
from annotations.api import permissions
from annotations.api.agreement import document_agreement_output
from annotations.api.base import ApiView, AuthenticatedRequest, ListApiView, StrictJSONParser
from annotations.api.document_filters import FALSE_VALUES, TRUE_VALUES, DocumentFilter
from annotations.api.errors import TOO_LARGE
from annotations.api.jobs import ImportQueuedOutput, import_in_background
from annotations.api.serializers import (
    DocumentListOutput,
    DocumentOutput,
    ErrorOutput,
    ImportReportOutput,
)
from annotations.models import Document, Project
from annotations.services import agreement as agreement_services
from annotations.services.ingest import (
    ANNOTATE_AS,
    AS_PREDICTION,
    ERR_OFFSETS_OPTION,
    OFFSET_UNITS,
    ON_DUPLICATE,
    SKIP,
    ImportOptions,
    documents_import_file,
    documents_import_files,
    documents_import_records,
    statistics_refresh,
    workers_for,
)

logger = logging.getLogger(__name__)

NORMALIZE_INVALID = "normalize takes one value: nfc."
OFFSETS_INVALID = ERR_OFFSETS_OPTION
AS_INVALID = "as takes prediction (the default) or gold."
ON_DUPLICATE_INVALID = "on_duplicate takes skip (the default) or attach."
FLAG_INVALID = "Expected 1 or 0."
BODY_INVALID = 'Send a JSON list of {"text", "external_id"?, "meta"?} or a multipart "file".'


class DocumentFilterBackend(DjangoFilterBackend):
    """Hands the caller's role to ``DocumentFilter``: which filters they may use depends on it."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        return {**kwargs, "role": getattr(view, "caller_role", None)}


class DocumentListApi(ListApiView):
    """A project's documents with the caller's status; its managers import more."""

    serializer_class = DocumentListOutput
    filter_backends = [DocumentFilterBackend]
    filterset_class = DocumentFilter
    parser_classes = [StrictJSONParser, MultiPartParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Document.objects.none()
        project = permissions.project_for(self.request, self.kwargs["project_id"])
        self.caller_role = project.caller_role
        return selectors.document_list_for_user(user=self.request.user, project=project)

    @extend_schema(responses=DocumentListOutput(many=True))
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(DocumentListOutput(page, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("normalize", OpenApiTypes.STR, enum=["nfc"]),
            OpenApiParameter("collapse_repeats", OpenApiTypes.STR, enum=["1", "0"]),
            OpenApiParameter(
                "offsets",
                OpenApiTypes.STR,
                enum=list(OFFSET_UNITS),
                description="The unit of pre-annotation offsets (default auto: read from "
                "the spans, and said in the report).",
            ),
            OpenApiParameter(
                "as",
                OpenApiTypes.STR,
                enum=list(ANNOTATE_AS),
                description="What pre-annotations become: the document's prediction (default) "
                "or its gold (a dataset adjudicated elsewhere), written and logged as gold edits.",
            ),
            OpenApiParameter(
                "on_duplicate",
                OpenApiTypes.STR,
                enum=list(ON_DUPLICATE),
                description="skip (default): a text the project has is only reported. attach: "
                "its pre-annotations go onto that document (replacing its prediction; gold only "
                "where it has none or an empty one), said in the report's duplicates.",
            ),
            OpenApiParameter(
                "create_labels",
                OpenApiTypes.STR,
                enum=["1", "0"],
                description="1: unknown span labels are created (entity, or claim under "
                '"claims") instead of dropped, and listed in the report\'s labels_created.',
            ),
        ],
        request={
            "application/json": {"type": "array", "items": {"type": "object"}},
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "file": {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "description": "One file, or several (one report naming each).",
                    }
                },
            },
        },
        responses={
            200: ImportReportOutput,
            201: ImportReportOutput,
            202: ImportQueuedOutput,
            # A report when lines were refused; the error shape when the request itself was.
            400: PolymorphicProxySerializer(
                component_name="ImportRefused",
                serializers=[ImportReportOutput, ErrorOutput],
                resource_type_field_name=None,
            ),
            413: ErrorOutput,
            415: ErrorOutput,
        },
    )
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = permissions.project_for(request, project_id, access.MANAGE_ROLES)
        _check_size(request.META.get("CONTENT_LENGTH"))
        options = _import_options(request)
        uploads = request.FILES.getlist("file") if not isinstance(request.data, list) else []
        for each in uploads:
            _check_size(each.size)
        if len(uploads) > 1:
            # Several files: imported here, one report naming each file (no background job).
            files = [(str(each.name), cast(BinaryIO, each.file)) for each in uploads]
            report = documents_import_files(
                project=project,
                files=files,
                options=options,
                actor=request.user,
                refresh_statistics=False,
            )
            return _imported(project, report)
        upload = uploads[0] if uploads else None
        # Over IMPORT_BACKGROUND_THRESHOLD documents: a background job, 202 with its URL.
        queued = import_in_background(request, project=project, upload=upload, options=options)
        if queued is not None:
            return queued
        # A large one is prepared by worker processes, as the command line does.
        size = upload.size if upload is not None else request.META.get("CONTENT_LENGTH")
        workers = workers_for(_length(size))
        if upload is not None:
            report = documents_import_file(
                project=project,
                name=upload.name,
                # The raw file: Django's own line iteration would also split on a lone CR.
                stream=upload.file,
                options=options,
                actor=request.user,
                workers=workers,
                refresh_statistics=False,
            )
        elif isinstance(request.data, list):
            report = documents_import_records(
                project=project,
                records=request.data,
                options=options,
                actor=request.user,
                workers=workers,
                refresh_statistics=False,
            )
        else:
            raise ValidationError({"file": [BODY_INVALID]})
        return _imported(project, report)


def _imported(project: Project, report: dict) -> "ImportAnswer":
    # The new documents get the ready recommenders' predictions on the worker.
    tasks.documents_imported(project_id=project.pk, report=report)
    return ImportAnswer.of(report)


class ImportAnswer(Response):
    """An import report as the answer; the ANALYZE that ends a large import runs once it is sent.

    The WSGI server (and Django's test client) calls ``close()`` when the body is written:
    the user has the report a few tenths of a second sooner (ANALYZE samples every table the
    import filled), and queries that follow are planned from fresh statistics all the same.
    """

    created = 0

    @classmethod
    def of(cls, report: dict) -> "ImportAnswer":
        answer = cls(report, status=_import_status(report))
        answer.created = len(report["created"])
        return answer

    def close(self) -> None:
        try:
            statistics_refresh(created=self.created)
        except DatabaseError:
            # The answer is out: the statistics wait for autovacuum, and the log says why.
            logger.exception("ANALYZE after an import of %d documents failed", self.created)
        finally:
            super().close()


class DocumentDetailApi(ApiView):
    """One document of one of the caller's projects, with its text."""

    @extend_schema(responses={200: DocumentOutput})
    def get(self, request: AuthenticatedRequest, document_id: int) -> Response:
        document = permissions.document_for(request, document_id)
        data = DocumentOutput(document).data
        if access.may_review(document.caller_role):
            # Reviewers and managers also read its agreement (annotators work blind).
            row = agreement_services.document_agreement_current(document_id=document.pk)
            data["agreement"] = document_agreement_output(row) if row else None
        return Response(data)


def _length(size: str | int | None) -> int:
    """A body's or file's length in bytes; 0 when it is not said (or not a number)."""
    try:
        return int(size or 0)
    except (TypeError, ValueError):
        return 0


def _check_size(size: str | int | None) -> None:
    """Refuse a body or file over IMPORT_MAX_BYTES before reading it."""
    if _length(size) > settings.IMPORT_MAX_BYTES:
        raise RequestDataTooBig(TOO_LARGE.format(limit=settings.IMPORT_MAX_BYTES))


def _import_options(request: AuthenticatedRequest) -> ImportOptions:
    errors: dict[str, list[str]] = {}
    normalize = request.query_params.get("normalize")
    if normalize not in (None, "", "nfc"):
        errors["normalize"] = [NORMALIZE_INVALID]
    collapse = _flag(request, "collapse_repeats", errors)
    offsets = request.query_params.get("offsets") or "auto"
    if offsets not in OFFSET_UNITS:
        errors["offsets"] = [OFFSETS_INVALID]
    annotate_as = request.query_params.get("as") or AS_PREDICTION
    if annotate_as not in ANNOTATE_AS:
        errors["as"] = [AS_INVALID]
    on_duplicate = request.query_params.get("on_duplicate") or SKIP
    if on_duplicate not in ON_DUPLICATE:
        errors["on_duplicate"] = [ON_DUPLICATE_INVALID]
    create_labels = _flag(request, "create_labels", errors)
    if errors:
        raise ValidationError(errors)
    return ImportOptions(
        normalize=normalize or None,
        collapse_repeats=collapse,
        offsets=offsets,
        annotate_as=annotate_as,
        on_duplicate=on_duplicate,
        create_labels=create_labels,
    )


def _flag(request: AuthenticatedRequest, name: str, errors: dict[str, list[str]]) -> bool:
    """A 1/0 query parameter (0 when absent); a bad value is an error naming it."""
    value = request.query_params.get(name, "0").lower()
    if value not in (*TRUE_VALUES, *FALSE_VALUES):
        errors[name] = [FLAG_INVALID]
    return value in TRUE_VALUES


def _import_status(report: dict) -> int:
    if report["created"]:
        return status.HTTP_201_CREATED
    if report["errors"]:
        return status.HTTP_400_BAD_REQUEST
    return status.HTTP_200_OK
