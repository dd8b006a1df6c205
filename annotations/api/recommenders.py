"""Recommenders: reviewers and managers read them and their versions' figures; managers create
them and ask for a version now (trained, or run, on the worker: 202).

An external recommender names a server of the ``RECOMMENDER_SERVERS`` setting; an address is
refused like any unknown name, so nothing sent here can make the server fetch a URL.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from annotations import access, tasks
from annotations.api import base, permissions
from annotations.api.base import ApiView, AuthenticatedRequest, ListApiView
from annotations.api.serializers import ErrorOutput
from annotations.models import ModelVersion, ModelVersionStatus, Recommender
from annotations.selectors import recommenders as reads
from annotations.services.recommenders import recommender_create, recommender_set_enabled


# Inline rather than named enum components, which would collide with the other "status" and
# "kind" sets.
@extend_schema_field({"allOf": [{"type": "string", "enum": list(ModelVersionStatus.values)}]})
class ModelVersionStatusField(serializers.CharField):
    """queued, training, ready or failed."""


# Kinds as plain strings: an enum of them would collide with the labels' "kind" enum.
@extend_schema_field({"type": "string", "description": "imported, ner, dictionary or external"})
class RecommenderKindField(serializers.CharField):
    """imported, ner, dictionary or external."""


@extend_schema_field({"type": "string", "description": "ner, dictionary or external"})
class CreatedKindField(serializers.CharField):
    """ner, dictionary or external (checked by the service, which names the choices)."""


class ModelVersionOutput(serializers.ModelSerializer):
    status = ModelVersionStatusField(read_only=True)
    predictions = serializers.IntegerField(
        source="prediction_count", help_text="Documents it pre-annotated."
    )

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "version",
            "status",
            "created_at",
            "started_at",
            "finished_at",
            "gold_documents",
            "metrics",
            "error",
            "predictions",
        ]


class ModelVersionSummaryOutput(serializers.ModelSerializer):
    status = ModelVersionStatusField(read_only=True)
    f1 = serializers.SerializerMethodField(help_text="Held-out F1 over all labels (micro).")

    class Meta:
        model = ModelVersion
        fields = ["id", "version", "status", "finished_at", "gold_documents", "f1", "error"]

    def get_f1(self, obj: ModelVersion) -> float | None:
        overall = obj.metrics.get("overall") if isinstance(obj.metrics, dict) else None
        return overall.get("f1") if overall and obj.metrics.get("held_out_documents") else None


class RecommenderOutput(serializers.ModelSerializer):
    kind = RecommenderKindField(read_only=True)
    versions = ModelVersionSummaryOutput(
        source="recent_versions", many=True, read_only=True, help_text="Newest first."
    )

    class Meta:
        model = Recommender
        fields = ["id", "name", "kind", "server", "enabled", "created_at", "versions"]


def recommender_for(request: AuthenticatedRequest, project_id: int, recommender_id: int, roles):
    project = permissions.project_for(request, project_id, roles)
    recommender = reads.recommender_get(project=project, recommender_id=recommender_id)
    if recommender is None:
        raise Http404(permissions.NOT_FOUND)
    return recommender


class RecommenderListApi(ListApiView):
    """The project's recommenders with their versions' figures; managers add one."""

    serializer_class = RecommenderOutput

    class InputSerializer(base.InputSerializer):
        name = serializers.CharField(max_length=100, allow_blank=True)
        kind = CreatedKindField(max_length=16)
        server = serializers.CharField(
            max_length=100,
            required=False,
            default="",
            allow_blank=True,
            help_text="External: the name of a server in the RECOMMENDER_SERVERS setting.",
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Recommender.objects.none()
        project = permissions.project_for(
            self.request, self.kwargs["project_id"], access.REVIEW_ROLES
        )
        return reads.recommender_list(project=project)

    @extend_schema(responses=RecommenderOutput(many=True))
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={201: RecommenderOutput, 400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput},
    )
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = permissions.project_for(request, project_id, access.MANAGE_ROLES)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        created = recommender_create(project=project, actor=request.user, **body.validated_data)
        created.recent_versions = []  # type: ignore[attr-defined]  # none yet
        return Response(RecommenderOutput(created).data, status=status.HTTP_201_CREATED)


class RecommenderDetailApi(ApiView):
    """One recommender; managers switch it on or off (``enabled``)."""

    class InputSerializer(base.InputSerializer):
        enabled = serializers.BooleanField(
            help_text="Off: it neither trains nor predicts, and its suggestions are not shown."
        )

    @extend_schema(responses={200: RecommenderOutput, 403: ErrorOutput, 404: ErrorOutput})
    def get(self, request: AuthenticatedRequest, project_id: int, recommender_id: int) -> Response:
        recommender = recommender_for(request, project_id, recommender_id, access.REVIEW_ROLES)
        return Response(RecommenderOutput(_with_versions(recommender)).data)

    @extend_schema(
        request=InputSerializer,
        responses={200: RecommenderOutput, 400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput},
    )
    def patch(
        self, request: AuthenticatedRequest, project_id: int, recommender_id: int
    ) -> Response:
        recommender = recommender_for(request, project_id, recommender_id, access.MANAGE_ROLES)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        recommender_set_enabled(recommender=recommender, enabled=body.validated_data["enabled"])
        return Response(RecommenderOutput(_with_versions(recommender)).data)


def _with_versions(recommender: Recommender) -> Recommender:
    """The recommender as the list shows it (its recent versions with their figures)."""
    found = reads.recommender_with_versions(recommender=recommender)
    if found is None:
        raise Http404(permissions.NOT_FOUND)
    return found


class ModelVersionListApi(ListApiView):
    """One recommender's versions, newest first, with their held-out figures and errors."""

    serializer_class = ModelVersionOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ModelVersion.objects.none()
        recommender = recommender_for(
            self.request,
            self.kwargs["project_id"],
            self.kwargs["recommender_id"],
            access.REVIEW_ROLES,
        )
        return reads.model_version_list(recommender=recommender)

    @extend_schema(responses=ModelVersionOutput(many=True))
    def get(self, request: AuthenticatedRequest, project_id: int, recommender_id: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class RecommenderTrainApi(ApiView):
    """Train the recommender now (or run its server): queues a version for the worker (202)."""

    @extend_schema(
        request=None,
        responses={
            202: ModelVersionOutput,
            400: ErrorOutput,
            403: ErrorOutput,
            404: ErrorOutput,
            409: ErrorOutput,
        },
    )
    def post(self, request: AuthenticatedRequest, project_id: int, recommender_id: int) -> Response:
        recommender = recommender_for(request, project_id, recommender_id, access.MANAGE_ROLES)
        version = tasks.recommender_train(recommender=recommender)
        version.prediction_count = 0  # type: ignore[attr-defined]  # queued: none yet
        return Response(ModelVersionOutput(version).data, status=status.HTTP_202_ACCEPTED)
