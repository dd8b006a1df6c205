"""Fact-checking: a claim's record (verdict, evidence), and claims linked across the corpus.

A claim span (label kind ``claim``) of any annotation may carry one ``ClaimRecord``: the
normalised claim, its date and type, a verdict on the project's scale, a justification and
evidence (spans of the project's documents, or external sources stored as given, never
fetched). ``ClaimLink`` says two claim spans are (or may be: ``suggested``) the same claim;
confirmed links form clusters (``ClaimCluster``) with a canonical claim and a cluster verdict.
"""

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact

from annotations.models.fields import created_by_field
from annotations.models.projects import Project


class ClaimCluster(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="claim_clusters")
    canonical = models.ForeignKey(
        "annotations.Span",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        help_text="The member whose normalised text names the cluster.",
    )
    verdict = models.CharField(max_length=100, blank=True, help_text="On the project's scale.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project_id", "id"]

    def __str__(self) -> str:
        return f"claim cluster #{self.pk}"


class ClaimRecord(models.Model):
    span = models.OneToOneField(
        "annotations.Span", on_delete=models.CASCADE, related_name="claim_record"
    )
    normalized_text = models.TextField(
        blank=True, help_text="The claim as a standalone, checkable sentence."
    )
    claim_date = models.DateField(null=True, blank=True, help_text="When the claim was made.")
    claim_type = models.CharField(max_length=64, blank=True)
    verdict = models.CharField(max_length=100, blank=True, help_text="On the project's scale.")
    justification = models.TextField(blank=True)
    cluster = models.ForeignKey(
        ClaimCluster,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="records",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["span_id"]

    def __str__(self) -> str:
        return f"claim record of span #{self.span_id}"


class ClaimEvidence(models.Model):
    """One piece of evidence: a passage of a document of the project, or an external source.

    A passage is kept by its offsets (code points) and text, not as a span: it survives the
    annotations around it changing, and any document of the project may be cited.
    """

    record = models.ForeignKey(ClaimRecord, on_delete=models.CASCADE, related_name="evidence")
    document = models.ForeignKey(
        "annotations.Document",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cited_as_evidence",
    )
    start = models.PositiveIntegerField(null=True, blank=True, help_text="Code-point offset.")
    end = models.PositiveIntegerField(null=True, blank=True, help_text="Code-point offset.")
    text = models.TextField(blank=True, help_text="document.text[start:end], checked on write.")
    url = models.URLField(max_length=2000, blank=True, help_text="Stored as given; never fetched.")
    title = models.CharField(max_length=500, blank=True)
    published = models.DateField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["record_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(document__isnull=False, url="", start__lt=F("end"))
                    & Exact(Length("text"), F("end") - F("start"))
                )
                | Q(document__isnull=True, start__isnull=True, end__isnull=True, text="")
                & ~Q(url=""),
                name="%(app_label)s_%(class)s_passage_or_url",
            ),
        ]

    def __str__(self) -> str:
        return f"evidence #{self.pk}"


class ClaimLinkStatus(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"


class ClaimLink(models.Model):
    """Two claim spans said (or suggested) to be the same claim; low id first."""

    # Indexed through the unique constraint that starts with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="claim_links", db_index=False
    )
    first = models.ForeignKey(
        "annotations.Span", on_delete=models.CASCADE, related_name="claim_links_first"
    )
    second = models.ForeignKey(
        "annotations.Span", on_delete=models.CASCADE, related_name="claim_links_second"
    )
    status = models.CharField(
        max_length=16, choices=ClaimLinkStatus.choices, default=ClaimLinkStatus.SUGGESTED
    )
    score = models.FloatField(null=True, blank=True, help_text="The matcher's score.")
    created_by = created_by_field()
    decided_by = created_by_field()
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "first", "second"], name="%(app_label)s_%(class)s_once"
            ),
            models.CheckConstraint(
                condition=Q(first__lt=F("second")), name="%(app_label)s_%(class)s_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ClaimLinkStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status"], name="claimlink_project_status_idx"),
        ]

    def __str__(self) -> str:
        return f"claim link {self.first_id} = {self.second_id} ({self.status})"
