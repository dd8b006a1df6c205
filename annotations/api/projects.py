"""Projects and what configures them: members, labels, stance targets."""

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response

from annotations import access, selectors
from annotations.api import base, permissions
from annotations.api.base import ApiView, AuthenticatedRequest, ListApiView
from annotations.api.serializers import (
    ErrorOutput,
    GuidelinesVersionOutput,
    LabelGroupOutput,
    LabelOutput,
    MemberOutput,
    ProjectOutput,
    TargetOutput,
)
from annotations.models import (
    GuidelinesVersion,
    Label,
    LabelGroup,
    LabelKind,
    Membership,
    Project,
    QueueOrder,
    Role,
    StanceTarget,
)
from annotations.services import labelgroups
from annotations.services import projects as services


class ProjectListApi(ListApiView):
    """The caller's projects; any signed-in user may create one and becomes its manager."""

    serializer_class = ProjectOutput

    class InputSerializer(base.InputSerializer):
        name = serializers.CharField(max_length=200)
        description = serializers.CharField(required=False, allow_blank=True)
        guidelines = serializers.CharField(required=False, allow_blank=True)
        allow_overlap = serializers.BooleanField(required=False)
        sentence_units = serializers.BooleanField(required=False)
        show_suggestions = serializers.BooleanField(required=False)
        annotators_per_document = serializers.IntegerField(
            required=False, min_value=1, max_value=32767
        )
        max_open_per_annotator = serializers.IntegerField(
            required=False, min_value=1, max_value=32767
        )
        release_after_hours = serializers.IntegerField(
            required=False, min_value=1, max_value=2147483647
        )
        queue_order = serializers.ChoiceField(
            choices=QueueOrder.choices,
            required=False,
            help_text="The order the queue hands out documents in (docs/managing.md).",
        )
        licence = serializers.CharField(required=False, allow_blank=True)
        citation = serializers.CharField(required=False, allow_blank=True)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return selectors.project_list_for_user(user=self.request.user)

    @extend_schema(responses=ProjectOutput(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ProjectOutput(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: ProjectOutput, 400: ErrorOutput})
    def post(self, request: AuthenticatedRequest) -> Response:
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        created = services.project_create(creator=request.user, **body.validated_data)
        project = selectors.project_get_for_user(user=request.user, project_id=created.pk)
        return Response(ProjectOutput(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailApi(ApiView):
    """One project: members read it, its managers change or delete it."""

    class InputSerializer(ProjectListApi.InputSerializer):
        # The settings a project is created with, each optional in a change.
        name = serializers.CharField(max_length=200, required=False)
        # A recommender's id (the project's own), or null: the imported predictions.
        suggestions_from = serializers.IntegerField(required=False, allow_null=True)

    @extend_schema(responses={200: ProjectOutput})
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = permissions.project_for(request, project_id)
        return Response(ProjectOutput(project).data)

    @extend_schema(request=InputSerializer, responses={200: ProjectOutput, 400: ErrorOutput})
    def patch(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = permissions.project_for(request, project_id, access.MANAGE_ROLES)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = services.project_update(
            project=project, actor=request.user, **body.validated_data
        )
        updated.caller_role = project.caller_role
        return Response(ProjectOutput(updated).data)

    @extend_schema(responses={204: None})
    def delete(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = permissions.project_for(request, project_id, access.MANAGE_ROLES)
        services.project_delete(project=project)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _ProjectPartsApi(ListApiView):
    """One kind of a project's configuration (members, labels, targets): members list it.

    Subclasses name the selector that lists it, the model its schema stands for and, where
    managers add to it with a service of the same shape, that service.
    """

    list_parts: Callable[..., QuerySet[Any]]
    part_model: type[Model]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return self.part_model._default_manager.none()
        project = permissions.project_for(self.request, self.kwargs["project_id"])
        return type(self).list_parts(project=project)

    def listed(self) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def created(self, request: AuthenticatedRequest, project_id: int, create: Any) -> Response:
        project = permissions.project_for(request, project_id, access.MANAGE_ROLES)
        body = self.InputSerializer(data=request.data)  # type: ignore[attr-defined]
        body.is_valid(raise_exception=True)
        part = create(project=project, **body.validated_data)
        return Response(self.get_serializer(part).data, status=status.HTTP_201_CREATED)


class _AddedByManagersApi(_ProjectPartsApi):
    """A part managers add with a service ``create_part(project=..., **body)``.

    The OpenAPI description of get and post is each subclass's (``_documented``).
    """

    create_part: Callable[..., Model]

    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        return self.listed()

    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        return self.created(request, project_id, type(self).create_part)


def _documented(view: type[_AddedByManagersApi], output: type[Any]) -> None:
    """Describe a part list's get and post in the schema with its own input and output."""
    extend_schema_view(
        get=extend_schema(responses=output(many=True)),
        post=extend_schema(
            request=view.InputSerializer,  # type: ignore[attr-defined]
            responses={201: output, 400: ErrorOutput},
        ),
    )(view)


class GuidelinesVersionListApi(_ProjectPartsApi):
    """Every version of a project's guidelines, newest first (members); a change of the
    guidelines (PATCH the project) makes the next one."""

    serializer_class = GuidelinesVersionOutput
    list_parts = staticmethod(selectors.guidelines_versions)
    part_model = GuidelinesVersion

    @extend_schema(responses=GuidelinesVersionOutput(many=True))
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        return self.listed()


class MemberListApi(_ProjectPartsApi):
    """A project's members; its managers add members or change their role."""

    serializer_class = MemberOutput

    class InputSerializer(base.InputSerializer):
        username = serializers.CharField(max_length=150)
        role = serializers.ChoiceField(choices=Role.choices)

    list_parts = staticmethod(selectors.membership_list)
    part_model = Membership

    @extend_schema(responses=MemberOutput(many=True))
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        return self.listed()

    @extend_schema(request=InputSerializer, responses={201: MemberOutput, 400: ErrorOutput})
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = permissions.project_for(request, project_id, access.MANAGE_ROLES)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = base.user_named(body.validated_data["username"], field="username")
        membership = services.membership_set(
            project=project,
            user=user,
            role=body.validated_data["role"],
        )
        return Response(MemberOutput(membership).data, status=status.HTTP_201_CREATED)


class LabelListApi(_AddedByManagersApi):
    """A project's labels; its managers add labels."""

    serializer_class = LabelOutput

    class InputSerializer(base.InputSerializer):
        name = serializers.CharField(max_length=100)
        kind = serializers.ChoiceField(choices=LabelKind.choices)
        color = serializers.CharField(max_length=7, required=False)
        shortcut = serializers.CharField(
            max_length=1, required=False, allow_blank=True, trim_whitespace=False
        )
        description = serializers.CharField(required=False, allow_blank=True)
        group = serializers.IntegerField(required=False, allow_null=True)
        source_kind = serializers.CharField(
            required=False,
            allow_blank=True,
            help_text="Relation labels: the kind of span a relation starts at ('' any).",
        )
        target_kind = serializers.CharField(
            required=False,
            allow_blank=True,
            help_text="Relation labels: the kind of span a relation ends at ('' any).",
        )
        # Checked by the service (annotations.attributes), which names the field at fault.
        attributes = serializers.JSONField(
            required=False,
            help_text="A list of {name, type, required?, choices?, description?}.",
        )

    list_parts = staticmethod(selectors.label_list)
    part_model = Label
    create_part = staticmethod(services.label_create)

    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = permissions.project_for(request, project_id, access.MANAGE_ROLES)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        created = services.label_create(project=project, **body.validated_data)
        label = selectors.label_with_attributes_get(project=project, label_id=created.pk)
        return Response(LabelOutput(label).data, status=status.HTTP_201_CREATED)


_documented(LabelListApi, LabelOutput)


class LabelDetailApi(ApiView):
    """One label: members read it, its managers change it (``attributes`` replaces the list)."""

    class InputSerializer(LabelListApi.InputSerializer):
        name = serializers.CharField(max_length=100, required=False)
        kind = serializers.ChoiceField(choices=LabelKind.choices, required=False)

    def _label(self, project: Project, label_id: int) -> Label:
        label = selectors.label_with_attributes_get(project=project, label_id=label_id)
        if label is None:
            raise Http404(permissions.NOT_FOUND)
        return label

    @extend_schema(responses={200: LabelOutput})
    def get(self, request: AuthenticatedRequest, project_id: int, label_id: int) -> Response:
        project = permissions.project_for(request, project_id)
        return Response(LabelOutput(self._label(project, label_id)).data)

    @extend_schema(request=InputSerializer, responses={200: LabelOutput, 400: ErrorOutput})
    def patch(self, request: AuthenticatedRequest, project_id: int, label_id: int) -> Response:
        project = permissions.project_for(request, project_id, access.MANAGE_ROLES)
        label = self._label(project, label_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.label_update(label=label, **body.validated_data)
        return Response(LabelOutput(self._label(project, label_id)).data)


class TargetListApi(_AddedByManagersApi):
    """A project's stance targets; its managers add targets."""

    serializer_class = TargetOutput

    class InputSerializer(base.InputSerializer):
        name = serializers.CharField(max_length=200)
        description = serializers.CharField(required=False, allow_blank=True)

    list_parts = staticmethod(selectors.target_list)
    part_model = StanceTarget
    create_part = staticmethod(services.target_create)


_documented(TargetListApi, TargetOutput)


class LabelGroupListApi(_AddedByManagersApi):
    """A project's label groups (what document labels are chosen in); its managers add them."""

    serializer_class = LabelGroupOutput

    class InputSerializer(base.InputSerializer):
        name = serializers.CharField(max_length=100)
        multiple = serializers.BooleanField(required=False)
        # A declared field, not Field.required: DRF's metaclass moves it into _declared_fields.
        required = serializers.BooleanField(required=False)  # type: ignore[assignment]
        position = serializers.IntegerField(required=False, min_value=0, max_value=32767)

    list_parts = staticmethod(selectors.label_group_list)
    part_model = LabelGroup
    create_part = staticmethod(labelgroups.label_group_create)


_documented(LabelGroupListApi, LabelGroupOutput)


class LabelGroupDetailApi(ApiView):
    """One label group: members read it, managers change or delete it (when it has no labels)."""

    class InputSerializer(base.InputSerializer):
        name = serializers.CharField(max_length=100, required=False)
        multiple = serializers.BooleanField(required=False)
        # A declared field, not Field.required: DRF's metaclass moves it into _declared_fields.
        required = serializers.BooleanField(required=False)  # type: ignore[assignment]
        position = serializers.IntegerField(required=False, min_value=0, max_value=32767)

    @extend_schema(responses={200: LabelGroupOutput})
    def get(self, request: AuthenticatedRequest, project_id: int, group_id: int) -> Response:
        return Response(LabelGroupOutput(self._group(request, project_id, group_id)).data)

    @extend_schema(request=InputSerializer, responses={200: LabelGroupOutput, 400: ErrorOutput})
    def patch(self, request: AuthenticatedRequest, project_id: int, group_id: int) -> Response:
        group = self._group(request, project_id, group_id, access.MANAGE_ROLES)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = labelgroups.label_group_update(group=group, **body.validated_data)
        return Response(LabelGroupOutput(updated).data)

    @extend_schema(responses={204: None, 400: ErrorOutput})
    def delete(self, request: AuthenticatedRequest, project_id: int, group_id: int) -> Response:
        group = self._group(request, project_id, group_id, access.MANAGE_ROLES)
        labelgroups.label_group_delete(group=group)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _group(
        self,
        request: AuthenticatedRequest,
        project_id: int,
        group_id: int,
        allowed: tuple[str, ...] = access.READ_ROLES,
    ) -> LabelGroup:
        project = permissions.project_for(request, project_id, allowed)
        group = selectors.label_group_get(project=project, group_id=group_id)
        if group is None:
            raise permissions.Http404(permissions.NOT_FOUND)
        return group
