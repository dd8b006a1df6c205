"""Releases: read-only snapshots of gold; a broken build can be queued again from here."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from annotations import tasks
from annotations.admin.shared import ReadOnlyAdmin, ReadOnlyInline, queue_each_again
from annotations.models import Release, ReleaseFile, ReleaseStatus


class ReleaseFileInline(ReadOnlyInline):
    model = ReleaseFile
    fields = ("format", "size", "sha256", "warning_count")
    show_change_link = False


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    """Releases are created over the API and never change once ready; a broken build can be
    queued again, and a release that never became ready can be deleted (freeing its name)."""

    list_display = ("name", "project", "status", "document_count", "created_by", "created_at")
    list_select_related = ("project", "created_by")
    list_filter = ("status", ("project", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "project__name")
    inlines = (ReleaseFileInline,)
    actions = ("build_again",)

    def get_actions(self, request: HttpRequest) -> dict:
        # The bulk delete would not ask has_delete_permission about each release.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: Release | None = None) -> bool:
        if obj is not None and obj.status == ReleaseStatus.READY:
            return False
        return super().has_delete_permission(request, obj)

    def has_build_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    @admin.action(permissions=["build"], description="Build the selected releases again")
    def build_again(self, request: HttpRequest, queryset: QuerySet[Release]) -> None:
        queue_each_again(
            self,
            request,
            queryset,
            queue=lambda release: tasks.release_rebuild(release=release),
            name=lambda release: release.name,
        )
