"""Releases: immutable snapshots of a project's gold, as files with their sha256 and counts."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact

from annotations.models.fields import created_by_field
from annotations.models.files import Chunk
from annotations.models.projects import Project

RELEASE_FROZEN = "Release {pk} is ready: a ready release never changes."


class ReleaseStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    BUILDING = "building", "Building"
    STALLED = "stalled", "Stalled"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class Release(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="releases")
    name = models.CharField(max_length=200)
    created_by = created_by_field()
    created_at = models.DateTimeField(auto_now_add=True)
    formats = models.JSONField(default=list, help_text="The file formats built; jsonl always.")
    split = models.JSONField(
        null=True,
        blank=True,
        help_text="Percentages of train, validation, test (or train, test); null: not split.",
    )
    seed = models.PositiveBigIntegerField(default=0, help_text="The split's seed.")
    reviewed_only = models.BooleanField(
        default=False,
        help_text="Only gold a reviewer marked reviewed; otherwise all gold, reopened included.",
    )
    status = models.CharField(
        max_length=16, choices=ReleaseStatus.choices, default=ReleaseStatus.QUEUED
    )
    progress_done = models.PositiveBigIntegerField(
        default=0, help_text="Documents written so far, counted once per file."
    )
    progress_total = models.PositiveBigIntegerField(
        default=0, help_text="Documents times files: an estimate until the snapshot is taken."
    )
    error = models.TextField(blank=True, help_text="Why the build failed.")
    worker = models.CharField(
        max_length=64, blank=True, help_text="The db_worker building it (its worker id)."
    )
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="When its worker last said it was alive."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    document_count = models.PositiveIntegerField(default=0)
    label_counts = models.JSONField(
        default=dict, blank=True, help_text='{"PER": {"kind": "entity", "count": 12}, ...}'
    )
    kind_counts = models.JSONField(
        default=dict, blank=True, help_text='{"entity": 30, "claim": 4, "stance": 3}'
    )
    guidelines_counts = models.JSONField(
        default=list,
        blank=True,
        help_text='Gold documents per guidelines version: [{"version": 2, "documents": 40}, ...] '
        "(version null: not recorded).",
    )
    agreement = models.JSONField(
        null=True,
        blank=True,
        help_text="The project's agreement figures when the release was built.",
    )

    # Set by the selectors that read it for a user (their role in its project), else absent.
    caller_role: str | None

    class Meta:
        ordering = ["project_id", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"], name="%(app_label)s_%(class)s_name_unique"
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="%(app_label)s_%(class)s_name_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReleaseStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The builder writes with QuerySet.update() on rows still building; anything that
        # saves a whole row (the admin, a shell) must not rewrite a published release.
        if (
            not self._state.adding
            and type(self).objects.filter(pk=self.pk, status=ReleaseStatus.READY).exists()
        ):
            raise ValueError(RELEASE_FROZEN.format(pk=self.pk))
        super().save(*args, **kwargs)


class ReleaseFile(models.Model):
    """One file of a release, in one format; its bytes are its chunks."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=16)
    size = models.PositiveBigIntegerField(help_text="Bytes.")
    sha256 = models.CharField(max_length=64)
    warning_count = models.PositiveIntegerField(
        default=0, help_text="Spans the format could not hold (conll, spacy)."
    )
    warnings = models.JSONField(default=list, blank=True, help_text="The first 100 warnings.")

    class Meta:
        ordering = ["release_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "format"], name="%(app_label)s_%(class)s_one_per_format"
            ),
            models.CheckConstraint(
                condition=Exact(Length("sha256"), 64),
                name="%(app_label)s_%(class)s_sha256_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.format} file #{self.pk}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("Release files are written once and never changed.")
        super().save(*args, **kwargs)


class ReleaseFileChunk(Chunk):
    file = models.ForeignKey(ReleaseFile, on_delete=models.CASCADE, related_name="chunks")

    class Meta:
        ordering = ["file_id", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["file", "index"], name="%(app_label)s_%(class)s_index_unique"
            ),
        ]
