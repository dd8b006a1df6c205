"""The claim-matching index: one row per claim that matching can find, and a per-project state.

``ClaimIndexEntry`` holds what a claim is matched on (``text``: the normalised text of its
``ClaimRecord`` if it has one, else the span's text) and its sentence embedding (``vector``:
256 float32, little-endian, unit length). Which claims have a row is decided by
``services.matching.indexing`` (docs/fact-checking.md, "Claim matching"): claims of gold
annotations and of submitted manual ones. The lexical half lives beside the table, outside
the ORM (``annotations.db.claimsearch``): on PostgreSQL a stored ``tsvector`` column with a
GIN index, on SQLite an FTS5 table; migration 0022 creates whichever the database takes.

``ClaimIndexState.version`` goes up with every write to a project's entries, and each entry
written carries that version as its ``revision``: a process whose vectors are at version v
reads the entries of revision > v (and the project's span ids, for those removed) instead of
every vector again (the cache invalidation: ``selectors.matching.project_vectors``).
"""

from django.conf import settings
from django.db import models

from annotations.models.projects import Project


class ClaimIndexEntry(models.Model):
    span = models.OneToOneField(
        "annotations.Span", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    # Indexed through the (project, document) index.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    document = models.ForeignKey(
        "annotations.Document", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    annotation = models.ForeignKey(
        "annotations.Annotation", on_delete=models.CASCADE, related_name="+"
    )
    start = models.PositiveIntegerField(help_text="Code-point offset of the claim span.")
    end = models.PositiveIntegerField(help_text="Code-point offset of the claim span.")
    gold = models.BooleanField(default=False, help_text="From the document's gold annotation.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    text = models.TextField(help_text="What the claim is matched on.")
    vector = models.BinaryField(help_text="The text's embedding: float32, unit length.")
    revision = models.PositiveBigIntegerField(
        default=0, help_text="The project's index version that wrote this entry."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["span_id"]
        indexes = [
            models.Index(fields=["project", "document"], name="claimindex_project_doc_idx"),
            models.Index(fields=["project", "revision"], name="claimindex_project_rev_idx"),
        ]

    def __str__(self) -> str:
        return f"claim index entry of span #{self.span_id}"


class ClaimIndexState(models.Model):
    project = models.OneToOneField(
        Project, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    version = models.PositiveBigIntegerField(default=0)
    pending = models.BooleanField(default=False, help_text="A sync is queued.")
    synced_at = models.DateTimeField(null=True, blank=True)
    entries = models.PositiveIntegerField(
        default=0, help_text="How many entries the project's index had after the last sync."
    )
    span_id_sum = models.PositiveBigIntegerField(
        default=0, help_text="The sum of their span ids: what a cache checks its ids against."
    )

    def __str__(self) -> str:
        return f"claim index state of project #{self.project_id}"
