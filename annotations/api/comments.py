"""Comments on a document and on its spans and stances: list, write, edit, resolve, reopen.

Who reads and writes what is ``selectors.comments`` and ``services.comments``; a comment the
caller may not read answers 404, as an id that does not exist.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from annotations import selectors
from annotations.api import base, permissions
from annotations.api.base import ApiView, AuthenticatedRequest, ListApiView
from annotations.api.serializers import ErrorOutput
from annotations.models import Comment
from annotations.models.comments import BODY_MAX_LENGTH
from annotations.services import comments as services

NO_CHANGE = "Send at least one of: body, resolved."


class CommentPages(PageNumberPagination):
    """Threads are read whole by the pages: 200 a page, so one request nearly always does."""

    page_size = 200


class CommentOutput(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)
    resolved = serializers.SerializerMethodField()
    resolved_by = serializers.CharField(
        source="resolved_by.username", default=None, read_only=True, allow_null=True
    )
    mentions = serializers.SerializerMethodField()
    may_edit = serializers.SerializerMethodField()
    may_resolve = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "document",
            "annotation",
            "span",
            "stance",
            "target_caption",
            "author",
            "body",
            "created_at",
            "edited_at",
            "resolved",
            "resolved_at",
            "resolved_by",
            "mentions",
            "may_edit",
            "may_resolve",
        ]

    def get_resolved(self, comment: Comment) -> bool:
        return comment.resolved_at is not None

    def get_mentions(self, comment: Comment) -> list[str]:
        return sorted(user.username for user in comment.mentions.all())

    def get_may_edit(self, comment: Comment) -> bool:
        return services.may_edit(comment, self.context["user"])

    def get_may_resolve(self, comment: Comment) -> bool:
        return services.may_resolve(comment, self.context["user"], self.context["role"])


class DocumentCommentListApi(ListApiView):
    """The document's comments the caller may read, oldest first; any member writes one.

    A comment is on the document, or on one ``span`` or ``stance`` of it (by id). ``@username``
    in the body mentions a member who may read it.
    """

    serializer_class = CommentOutput
    pagination_class = CommentPages

    class InputSerializer(base.InputSerializer):
        body = serializers.CharField(
            max_length=BODY_MAX_LENGTH, trim_whitespace=False, help_text="Plain text."
        )
        span = serializers.IntegerField(required=False, allow_null=True)
        stance = serializers.IntegerField(required=False, allow_null=True)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        self.document = permissions.document_for(self.request, self.kwargs["document_id"])
        return selectors.comment_list_for_user(user=self.request.user, document=self.document)

    def get_serializer_context(self):
        return {"user": self.request.user, "role": self.document.caller_role}

    @extend_schema(responses=CommentOutput(many=True))
    def get(self, request: AuthenticatedRequest, document_id: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={201: CommentOutput, 400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput},
    )
    def post(self, request: AuthenticatedRequest, document_id: int) -> Response:
        document = permissions.document_for(request, document_id)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        comment = services.comment_create(
            document=document,
            actor=request.user,
            role=str(document.caller_role),
            body=data["body"],
            span_id=data.get("span"),
            stance_id=data.get("stance"),
        )
        context = {"user": request.user, "role": document.caller_role}
        return Response(
            CommentOutput(comment, context=context).data, status=status.HTTP_201_CREATED
        )


class CommentDetailApi(ApiView):
    """Edit a comment's text (its author) or resolve and reopen it (author, reviewers, managers)."""

    class InputSerializer(base.InputSerializer):
        body = serializers.CharField(
            max_length=BODY_MAX_LENGTH, trim_whitespace=False, required=False
        )
        resolved = serializers.BooleanField(required=False)

    @extend_schema(
        request=InputSerializer,
        responses={200: CommentOutput, 400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput},
    )
    def patch(self, request: AuthenticatedRequest, comment_id: int) -> Response:
        comment = selectors.comment_get_for_user(user=request.user, comment_id=comment_id)
        if comment is None:
            raise Http404(permissions.NOT_FOUND)
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not body.validated_data:
            raise serializers.ValidationError({"body": [NO_CHANGE]})
        role = str(comment.caller_role)
        updated = services.comment_update(
            comment=comment, actor=request.user, role=role, **body.validated_data
        )
        context = {"user": request.user, "role": role}
        return Response(CommentOutput(updated, context=context).data)
