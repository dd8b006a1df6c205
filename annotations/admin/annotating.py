"""Annotations with their spans and stances: read-only, changed only through actions.

A write to an annotation must bump its version and append to the event log, which only the
annotating services do; so the actions here (hand over, reopen, mark gold reviewed) call them
one annotation at a time.
"""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.text import Truncator

from annotations import tasks
from annotations.admin.shared import (
    ACTION_PROBLEM,
    GOLD_REVIEWED,
    PREVIEW_CHARS,
    ReadOnlyAdmin,
    ReadOnlyInline,
    report_action,
    service_error_text,
    staff_user,
)
from annotations.errors import ServiceError
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Project,
    Span,
    SpanQuerySet,
    Stance,
    StanceQuerySet,
)
from annotations.services.annotating import annotation_set_status
from annotations.services.assignment import annotation_reassign

REOPENED = "Reopened {count} annotation(s)."
REASSIGNED = "Handed {count} annotation(s) to {username}."
NOT_GOLD = "Left {count} annotation(s) alone: only gold is marked reviewed."


class ReassignForm(forms.Form):
    """Whom to hand the selected annotations to: a member of their project."""

    author: "forms.ModelChoiceField[User]" = forms.ModelChoiceField(
        queryset=None, label="Hand them to"
    )

    def __init__(self, *args: Any, users: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[User]", self.fields["author"]).queryset = users


class SpanInline(ReadOnlyInline):
    model = Span
    fields = ("label", "start", "end", "text", "claimant_span", "claimant_text", "checkworthy")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Span]:
        spans = cast(SpanQuerySet, super().get_queryset(request))
        return spans.with_claimant().select_related("label")

    @admin.display(description="claimant")
    def claimant_span(self, obj: Span) -> str:
        # The built-in claimant relation, read with the span (no query per row).
        return "" if obj.claimant_id is None else f"span #{obj.claimant_id}"


def _span_ref(span_id: int | None) -> str:
    return "" if span_id is None else f"span #{span_id}"


class StanceLinks:
    """A stance's holder and evidence: built-in relations, read with the stance (no query per
    row) and shown by span id like a claim's claimant."""

    @admin.display(description="holder")
    def holder_span(self, obj: Stance) -> str:
        return _span_ref(obj.holder_id)

    @admin.display(description="evidence")
    def evidence_span(self, obj: Stance) -> str:
        return _span_ref(obj.evidence_id)


class StanceInline(StanceLinks, ReadOnlyInline):
    model = Stance
    fields = ("target", "label", "holder_span", "evidence_span")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Stance]:
        stances = cast(StanceQuerySet, super().get_queryset(request))
        return stances.with_links().select_related("target", "label")


@admin.register(Annotation)
class AnnotationAdmin(ReadOnlyAdmin):
    project_path = "document__project"
    list_display = (
        "id",
        "document",
        "project",
        "author",
        "kind",
        "status",
        "version",
        "updated_at",
    )
    list_select_related = ("document__project", "author")
    list_filter = (
        "kind",
        "status",
        ("document__project", admin.RelatedOnlyFieldListFilter),
        "updated_at",
    )
    search_fields = ("=id", "author__username", "document__external_id")
    inlines = (SpanInline, StanceInline)
    actions = ("reassign_annotations", "reopen_annotations", "mark_gold_reviewed")

    @admin.action(description="Hand the selected work in progress to another member…")
    def reassign_annotations(self, request: HttpRequest, queryset: QuerySet[Annotation]):
        annotations = list(queryset.select_related("document__project", "author").order_by("pk"))
        projects = {annotation.document.project_id for annotation in annotations}
        members = (
            get_user_model()
            .objects.filter(memberships__project__in=projects)
            .distinct()
            .order_by("username")
        )
        form = ReassignForm(request.POST if "apply" in request.POST else None, users=members)
        if form.is_valid():
            author, done, problems = form.cleaned_data["author"], 0, []
            for annotation in annotations:
                try:
                    annotation_reassign(
                        annotation=annotation, author=author, actor=staff_user(request)
                    )
                except ServiceError as error:
                    item = f"Annotation {annotation.pk}"
                    problems.append(ACTION_PROBLEM.format(item=item, why=service_error_text(error)))
                else:
                    done += 1
            message = REASSIGNED.format(count=done, username=author.get_username())
            report_action(self, request, message, problems)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Hand work in progress to another member",
            "opts": self.model._meta,
            "annotations": annotations,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/annotations/annotation/reassign.html", context)

    @admin.action(description="Reopen the selected annotations (back to in progress)")
    def reopen_annotations(self, request: HttpRequest, queryset: QuerySet[Annotation]) -> None:
        self._set_status(request, queryset, AnnotationStatus.IN_PROGRESS, REOPENED)

    @admin.action(description="Mark the selected gold annotations reviewed")
    def mark_gold_reviewed(self, request: HttpRequest, queryset: QuerySet[Annotation]) -> None:
        gold = queryset.filter(kind=AnnotationKind.GOLD)
        self._set_status(request, gold, AnnotationStatus.SUBMITTED, GOLD_REVIEWED)
        skipped = queryset.exclude(kind=AnnotationKind.GOLD).count()
        if skipped:
            self.message_user(request, NOT_GOLD.format(count=skipped), messages.WARNING)

    def _set_status(self, request, queryset, status: str, done_message: str) -> None:
        # One by one through the annotating service: each change checks its own rules
        # (who may reopen what) and is logged, as from the API.
        done, problems = 0, []
        for annotation in queryset.order_by("pk"):
            try:
                annotation_set_status(
                    annotation=annotation,
                    status=status,
                    version=annotation.version,
                    actor=request.user,
                )
            except ServiceError as error:
                item = f"Annotation {annotation.pk}"
                problems.append(ACTION_PROBLEM.format(item=item, why=service_error_text(error)))
            else:
                done += 1
                if annotation.kind == AnnotationKind.GOLD and status == AnnotationStatus.SUBMITTED:
                    tasks.recommenders_gold_reviewed(document_id=annotation.document_id)
        report_action(self, request, done_message.format(count=done), problems)

    @admin.display(description="project", ordering="document__project__name")
    def project(self, obj: Annotation) -> Project:
        return obj.document.project

    def get_queryset(self, request: HttpRequest) -> QuerySet[Annotation]:
        return super().get_queryset(request).select_related("document__project", "author")


@admin.register(Span)
class SpanAdmin(ReadOnlyAdmin):
    project_path = "annotation__document__project"
    list_display = ("id", "annotation", "label", "start", "end", "preview", "checkworthy")
    list_select_related = ("annotation", "label")
    list_filter = (
        "label__kind",
        "annotation__kind",
        ("annotation__document__project", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("=id", "text", "label__name")

    @admin.display(description="text")
    def preview(self, obj: Span) -> str:
        return Truncator(obj.text).chars(PREVIEW_CHARS)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Span]:
        spans = cast(SpanQuerySet, super().get_queryset(request))
        return spans.with_claimant().select_related("annotation", "label")


@admin.register(Stance)
class StanceAdmin(StanceLinks, ReadOnlyAdmin):
    project_path = "annotation__document__project"
    list_display = ("id", "annotation", "target", "label", "holder_span", "evidence_span")
    list_select_related = ("annotation", "target", "label")
    list_filter = (
        "annotation__kind",
        ("annotation__document__project", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("=id", "target__name", "label__name")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Stance]:
        stances = cast(StanceQuerySet, super().get_queryset(request))
        return stances.with_links().select_related("annotation", "target", "label")
