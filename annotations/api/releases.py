"""Releases: managers freeze the gold into one; reviewers and managers read, download, compare.

Reading is open to reviewers as well as managers: a release is the gold they adjudicated, and
they already read gold and agreement. Annotators get 403: a release holds other people's work,
which blind annotation keeps from them.
"""

from django.http import Http404, QueryDict, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from annotations import access, selectors, tasks
from annotations.api import base, permissions
from annotations.api.base import (
    FILE_RESPONSES,
    FORMAT_PARAMETER,
    ApiView,
    AuthenticatedRequest,
    DownloadApiView,
    ListApiView,
)
from annotations.api.serializers import ErrorOutput
from annotations.models import Release, ReleaseFile, ReleaseStatus
from annotations.services.releases import (
    SNAPSHOT_FORMAT,
    release_compare,
    release_content_type,
    release_file_for,
    release_filename,
)

UNKNOWN_PARAMETER = "Unknown query parameter; expected: format."
ONE_VALUE = "Give this parameter once."


def release_for(request: AuthenticatedRequest, release_id: int) -> Release:
    """Return a release of one of the caller's projects if they review or manage it."""
    release = selectors.release_get_for_user(user=request.user, release_id=release_id)
    if release is None:
        raise Http404(permissions.NOT_FOUND)
    permissions.check_role(release.caller_role, access.REVIEW_ROLES)
    return release


# Inline rather than a named enum component, which would collide with the other "status" sets.
@extend_schema_field({"allOf": [{"type": "string", "enum": list(ReleaseStatus.values)}]})
class ReleaseStatusField(serializers.CharField):
    """queued, building, ready or failed."""


class ReleaseProgressOutput(serializers.Serializer):
    done = serializers.IntegerField(source="progress_done")
    total = serializers.IntegerField(
        source="progress_total",
        help_text="Documents times files; an estimate until the snapshot is taken.",
    )


class ReleaseFileOutput(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReleaseFile
        fields = ["format", "size", "sha256", "warning_count", "warnings", "download_url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, obj: ReleaseFile) -> str:
        path = reverse("api-release-download", args=[obj.release_id])
        return self.context["request"].build_absolute_uri(f"{path}?format={obj.format}")


class ReleaseOutput(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api-release", lookup_url_kwarg="release_id"
    )
    created_by = serializers.CharField(
        source="created_by.username", default=None, read_only=True, allow_null=True
    )
    status = ReleaseStatusField(read_only=True)
    progress = ReleaseProgressOutput(source="*", read_only=True)

    class Meta:
        model = Release
        fields = [
            "id",
            "url",
            "project",
            "name",
            "status",
            "progress",
            "error",
            "formats",
            "split",
            "seed",
            "reviewed_only",
            "document_count",
            "kind_counts",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]


class ReleaseDetailOutput(ReleaseOutput):
    """The data card: counts, label distribution, agreement at release time, files."""

    files = ReleaseFileOutput(many=True, read_only=True)

    class Meta(ReleaseOutput.Meta):
        fields = [
            *ReleaseOutput.Meta.fields,
            "label_counts",
            "guidelines_counts",
            "agreement",
            "files",
        ]


class ReleaseListApi(ListApiView):
    """A project's releases (reviewers, managers); managers create one (built in the background)."""

    serializer_class = ReleaseOutput

    class InputSerializer(base.InputSerializer):
        name = serializers.CharField(max_length=200, allow_blank=True)
        formats = serializers.ListField(
            child=serializers.CharField(),
            required=False,
            help_text=f"Default: jsonl, doccano, conll, csv. {SNAPSHOT_FORMAT} is always built.",
        )
        split = serializers.CharField(
            required=False,
            help_text="Percentages train,validation,test (or train,test), such as 80,10,10.",
        )
        seed = serializers.IntegerField(
            required=False, min_value=0, help_text="The split's seed (default 0)."
        )
        reviewed_only = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Only gold a reviewer marked reviewed (default false: all gold, "
            "reopened gold included). The release page's form defaults to true.",
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Release.objects.none()
        project = permissions.project_for(
            self.request, self.kwargs["project_id"], access.REVIEW_ROLES
        )
        return selectors.release_list(project=project)

    @extend_schema(responses=ReleaseOutput(many=True))
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={202: ReleaseDetailOutput, 400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput},
    )
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = permissions.project_for(request, project_id, access.MANAGE_ROLES)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        started = tasks.release_start(project=project, actor=request.user, **body.validated_data)
        release = selectors.release_get_for_user(user=request.user, release_id=started.pk)
        data = ReleaseDetailOutput(release, context={"request": request}).data
        # A Hyperlink (a str subclass) is not a header value WSGI servers accept.
        location = str(data["url"])
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class ReleaseDetailApi(ApiView):
    """One release's data card and progress (reviewers, managers)."""

    @extend_schema(responses={200: ReleaseDetailOutput, 403: ErrorOutput, 404: ErrorOutput})
    def get(self, request: AuthenticatedRequest, release_id: int) -> Response:
        release = release_for(request, release_id)
        return Response(ReleaseDetailOutput(release, context={"request": request}).data)


class ReleaseDownloadApi(DownloadApiView):
    """Stream one of a ready release's files, byte for byte as stored (reviewers, managers)."""

    @extend_schema(
        parameters=[FORMAT_PARAMETER],
        responses={
            **FILE_RESPONSES,
            400: ErrorOutput,
            403: ErrorOutput,
            404: ErrorOutput,
            409: ErrorOutput,
        },
    )
    def get(self, request: AuthenticatedRequest, release_id: int) -> StreamingHttpResponse:
        release = release_for(request, release_id)
        _check_parameters(request.query_params)
        stored = release_file_for(
            release=release, format_name=request.query_params.get("format", SNAPSHOT_FORMAT)
        )
        chunks = selectors.release_file_chunks(release_file=stored)
        content_type = release_content_type(release, stored.format)
        response = StreamingHttpResponse(chunks, content_type=content_type)
        filename = release_filename(release, stored.format)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Content-Length"] = str(stored.size)
        # The file never changes, so its sha256 is a strong validator.
        response["ETag"] = f'"{stored.sha256}"'
        return response


class ReleaseSideOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class LabelChangeOutput(serializers.Serializer):
    added = serializers.IntegerField()
    removed = serializers.IntegerField()


class DocumentChangesOutput(serializers.Serializer):
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    changed = serializers.IntegerField(help_text="In both, with different spans or stances.")
    unchanged = serializers.IntegerField()
    added_ids = serializers.ListField(child=serializers.IntegerField())
    removed_ids = serializers.ListField(child=serializers.IntegerField())
    changed_ids = serializers.ListField(child=serializers.IntegerField())
    ids_truncated = serializers.BooleanField(help_text="More ids than the lists hold (1,000).")


class CompareOutput(serializers.Serializer):
    base = ReleaseSideOutput()
    other = ReleaseSideOutput()
    documents = DocumentChangesOutput()
    labels = serializers.DictField(
        child=LabelChangeOutput(),
        help_text="Per label: spans (entities, claims) and stances (by value) added and removed.",
    )


class ReleaseCompareApi(ApiView):
    """What changed from one release to another of the same project (reviewers, managers)."""

    @extend_schema(
        responses={
            200: CompareOutput,
            400: ErrorOutput,
            403: ErrorOutput,
            404: ErrorOutput,
            409: ErrorOutput,
        }
    )
    def get(self, request: AuthenticatedRequest, release_id: int, other_id: int) -> Response:
        base = release_for(request, release_id)
        other = release_for(request, other_id)
        changes = release_compare(base=base, other=other)
        sides = {"base": {"id": base.pk, "name": base.name}}
        sides["other"] = {"id": other.pk, "name": other.name}
        return Response({**sides, **changes})


def _check_parameters(query: QueryDict) -> None:
    errors = {}
    for name in query:
        if name != "format":
            errors[name] = [UNKNOWN_PARAMETER]
        elif len(query.getlist(name)) > 1:
            errors[name] = [ONE_VALUE]
    if errors:
        raise ValidationError(errors)
