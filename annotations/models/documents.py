"""Documents: text stored once, repaired before storage and never changed after."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact

from annotations.models.projects import Project


class Document(models.Model):
    # No index of its own: the unique (project, content_hash) index serves every lookup by
    # project, and one index less is less work for every document imported.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="documents", db_index=False
    )
    text = models.TextField(help_text="Immutable once any annotation exists.")
    external_id = models.CharField(max_length=255, blank=True)
    meta = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(
        max_length=64, help_text="sha256 of the stored text; unique per project."
    )
    ingestion_report = models.JSONField(
        default=dict, blank=True, help_text="What the import repaired or warned about."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The document's place when the queue follows the model (Project.queue_order), kept by
    # services.queue_scores from its shown prediction. Stored, so the queue walks an index.
    queue_rank = models.FloatField(
        null=True,
        blank=True,
        help_text="Lowest first in the model's queue order: the shown prediction's lowest span "
        "score (uncertainty) or minus its highest (score); empty: no scored span (last).",
    )

    # Set by the selectors that read it for a user (their role in its project), else absent.
    caller_role: str | None

    class Meta:
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "content_hash"], name="%(app_label)s_%(class)s_hash_unique"
            ),
            models.CheckConstraint(
                condition=~Q(text=""), name="%(app_label)s_%(class)s_text_not_empty"
            ),
            models.CheckConstraint(
                condition=Exact(Length("content_hash"), 64),
                name="%(app_label)s_%(class)s_hash_is_sha256",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "external_id"], name="document_external_id_idx"),
            # A project's documents in id order without a sort: an export's cursor starts
            # at once, whatever the statistics say (without them, PostgreSQL sorted the
            # whole project, texts and all, before the first row).
            models.Index(fields=["project", "id"], name="document_project_id_idx"),
            # The queue in the model's order (selectors.queue): the first eligible document
            # is the first of the index, read in its order and never sorted (ascending is
            # NULLS LAST on PostgreSQL, as the queue orders: no NULLS clause needed, which
            # SQLite's indexes do not take).
            models.Index(fields=["project", "queue_rank", "id"], name="document_queue_rank_idx"),
        ]

    def __str__(self) -> str:
        return self.external_id or f"document #{self.pk}"
