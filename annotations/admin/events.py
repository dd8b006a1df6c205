"""The event log: the audit trail of every change to an annotation, read-only here."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from annotations.admin.shared import ReadOnlyAdmin
from annotations.models import AnnotationEvent


@admin.register(AnnotationEvent)
class AnnotationEventAdmin(ReadOnlyAdmin):
    """The audit trail: append-only, so nobody adds, changes or deletes an event here."""

    project_path = "annotation__document__project"
    list_display = ("created_at", "action", "annotation", "actor", "object_id", "version")
    list_select_related = ("annotation", "actor")
    list_filter = (
        "action",
        ("annotation__document__project", admin.RelatedOnlyFieldListFilter),
        "created_at",
    )
    search_fields = ("actor__username", "=annotation__id", "=object_id")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[AnnotationEvent]:
        return super().get_queryset(request).select_related("annotation", "actor")
