"""Background import jobs: read-only; one that failed or whose worker died can be resumed."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from annotations import tasks
from annotations.admin.shared import ReadOnlyAdmin, queue_each_again
from annotations.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """Background imports; one that failed or whose worker died can be resumed from here."""

    list_display = (
        "id",
        "project",
        "name",
        "status",
        "records_done",
        "records_total",
        "created_by",
        "created_at",
    )
    list_select_related = ("project", "created_by")
    list_filter = ("status", ("project", admin.RelatedOnlyFieldListFilter))
    search_fields = ("=id", "name", "project__name")
    actions = ("resume",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportJob]:
        return super().get_queryset(request).defer("report")

    def has_resume_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    @admin.action(permissions=["resume"], description="Resume the selected import jobs")
    def resume(self, request: HttpRequest, queryset: QuerySet[ImportJob]) -> None:
        queue_each_again(
            self, request, queryset, queue=lambda job: tasks.import_job_resume(job=job), name=str
        )
