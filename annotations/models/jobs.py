"""Background imports: the uploaded file, its progress batch by batch, and the final report."""

from django.db import models
from django.db.models import Q

from annotations.models.fields import created_by_field
from annotations.models.files import Chunk
from annotations.models.projects import Project


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    STALLED = "stalled", "Stalled"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = created_by_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, help_text="Last progress made.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    name = models.CharField(
        max_length=255, blank=True, help_text="The uploaded file's name; empty for a JSON body."
    )
    size = models.PositiveBigIntegerField(default=0, help_text="Bytes of input.")
    options = models.JSONField(default=dict, blank=True, help_text="normalize, collapse_repeats.")
    status = models.CharField(
        max_length=16, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(
        default=0, help_text="Runs started; only the latest run may commit a batch."
    )
    records_total = models.PositiveIntegerField(
        default=0, help_text="Input records: exact for JSON and .jsonl, an upper bound for CSV."
    )
    records_done = models.PositiveIntegerField(
        default=0, help_text="Input records whose outcome is committed."
    )
    created_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the last run failed.")
    worker = models.CharField(
        max_length=64, blank=True, help_text="The db_worker running it (its worker id)."
    )
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="When its worker last said it was alive."
    )
    report = models.JSONField(
        null=True, blank=True, help_text="The import report, once the job is done."
    )

    # Set by the selectors that read it for a user (their role in its project), else absent.
    caller_role: str | None

    class Meta:
        ordering = ["project_id", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportJobStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"import job #{self.pk} ({self.status})"


class ImportJobChunk(Chunk):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="chunks")

    class Meta:
        ordering = ["job_id", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "index"], name="%(app_label)s_%(class)s_index_unique"
            ),
        ]


class ImportJobBatch(models.Model):
    """The report of one committed batch, stored in the batch's own transaction.

    One row per batch instead of a growing report rewritten each time (quadratic in the
    file's size); the rows are joined into the job's report when it is done.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="batches")
    records_done = models.PositiveIntegerField(
        help_text="Input records consumed up to the end of this batch."
    )
    report = models.JSONField()

    class Meta:
        ordering = ["job_id", "records_done"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "records_done"], name="%(app_label)s_%(class)s_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"batch up to record {self.records_done}"
