"""Background import jobs: large imports answer 202 with the job's URL; managers follow it."""

import io
from typing import BinaryIO, cast

import orjson
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from annotations import access, selectors, tasks
from annotations.api import permissions
from annotations.api.base import ApiView, AuthenticatedRequest, ListApiView
from annotations.api.serializers import ErrorOutput
from annotations.models import ImportJob, ImportJobStatus, Project
from annotations.services.ingest import SUPPORTED_EXTENSIONS, ImportOptions
from annotations.services.jobs import import_records_count


def job_for(request: AuthenticatedRequest, job_id: int) -> ImportJob:
    """Return an import job of one of the caller's projects if they manage it."""
    job = selectors.import_job_get_for_user(user=request.user, job_id=job_id)
    if job is None:
        raise Http404(permissions.NOT_FOUND)
    permissions.check_role(job.caller_role, access.MANAGE_ROLES)
    return job


def import_in_background(
    request: AuthenticatedRequest,
    *,
    project: Project,
    upload: UploadedFile | None,
    options: ImportOptions,
) -> Response | None:
    """Queue an import over IMPORT_BACKGROUND_THRESHOLD documents and answer 202; else None."""
    threshold = settings.IMPORT_BACKGROUND_THRESHOLD
    if upload is not None:
        # An upload parsed from a request always has both (the stubs allow None for any file).
        name, stream = str(upload.name), cast(BinaryIO, upload.file)
        if not name.lower().endswith(SUPPORTED_EXTENSIONS):
            return None  # the import itself refuses it with 415
        count = import_records_count(name=name, stream=stream)
    elif isinstance(request.data, list):
        count = len(request.data)
        # The body as a .json file: the same items, numbered the same way.
        name, stream = "", io.BytesIO(orjson.dumps(request.data))
    else:
        return None
    if count <= threshold:
        return None
    job = tasks.import_job_start(
        project=project,
        actor=request.user,
        name=name,
        stream=stream,
        options=options,
        records_total=count,
    )
    url = request.build_absolute_uri(reverse("api-job", args=[job.pk]))
    return Response({"job": url}, status=status.HTTP_202_ACCEPTED, headers={"Location": url})


class ImportQueuedOutput(serializers.Serializer):
    job = serializers.URLField(help_text="Follow it for the import's progress and report.")


# Inline rather than a named enum component, which would collide with the other "status" sets.
@extend_schema_field({"allOf": [{"type": "string", "enum": list(ImportJobStatus.values)}]})
class ImportJobStatusField(serializers.CharField):
    """queued, running, done or failed."""


class JobProgressOutput(serializers.Serializer):
    done = serializers.IntegerField(source="records_done", help_text="Input records handled.")
    total = serializers.IntegerField(
        source="records_total", help_text="Input records (for CSV an upper bound until done)."
    )
    created = serializers.IntegerField(source="created_count")
    duplicates = serializers.IntegerField(source="duplicate_count")
    # A declared field, not Serializer.errors: DRF's metaclass moves it into _declared_fields.
    errors = serializers.IntegerField(source="error_count")  # type: ignore[assignment]


class ImportJobOutput(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-job", lookup_url_kwarg="job_id")
    created_by = serializers.CharField(
        source="created_by.username", default=None, read_only=True, allow_null=True
    )
    status = ImportJobStatusField(read_only=True)
    progress = JobProgressOutput(source="*", read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "url",
            "project",
            "name",
            "size",
            "options",
            "status",
            "progress",
            "attempts",
            "error",
            "created_by",
            "created_at",
            "started_at",
            "updated_at",
            "finished_at",
        ]


class ImportJobDetailOutput(ImportJobOutput):
    report = serializers.JSONField(
        read_only=True, allow_null=True, help_text="The import report, once the job is done."
    )

    class Meta(ImportJobOutput.Meta):
        fields = [*ImportJobOutput.Meta.fields, "report"]


class ImportJobListApi(ListApiView):
    """A project's import jobs, newest first (managers)."""

    serializer_class = ImportJobOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ImportJob.objects.none()
        project = permissions.project_for(
            self.request, self.kwargs["project_id"], access.MANAGE_ROLES
        )
        return selectors.import_job_list(project=project)

    @extend_schema(responses=ImportJobOutput(many=True))
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ImportJobDetailApi(ApiView):
    """One import job: status, progress and, once done, the import report (managers)."""

    @extend_schema(responses={200: ImportJobDetailOutput, 403: ErrorOutput, 404: ErrorOutput})
    def get(self, request: AuthenticatedRequest, job_id: int) -> Response:
        job = job_for(request, job_id)
        return Response(ImportJobDetailOutput(job, context={"request": request}).data)


class ImportJobResumeApi(ApiView):
    """Run a job that failed or whose worker died again: it imports only what is left."""

    @extend_schema(
        request=None,
        responses={
            202: ImportJobDetailOutput,
            403: ErrorOutput,
            404: ErrorOutput,
            409: ErrorOutput,
        },
    )
    def post(self, request: AuthenticatedRequest, job_id: int) -> Response:
        job = job_for(request, job_id)
        tasks.import_job_resume(job=job)
        job = job_for(request, job_id)
        data = ImportJobDetailOutput(job, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED)
