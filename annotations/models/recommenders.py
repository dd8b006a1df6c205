"""Models in the loop: recommenders, their trained versions, and what annotators made of them.

A recommender is a source of predictions for a project: predictions imported from files (kind
``imported``), the built-in spaCy NER trained on the project's gold (``ner``), the dictionary of
the gold's surface strings (``dictionary``), or a model server named in the environment
(``external``: ``server`` names an entry of ``settings.RECOMMENDER_SERVERS``, never an address).
Each training or run makes a version; a version's predictions are prediction annotations
(``Annotation.model_version``), one per document.
"""

from django.db import models
from django.db.models import Q

from annotations.models.fields import created_by_field
from annotations.models.projects import Label, Project


class RecommenderKind(models.TextChoices):
    IMPORTED = "imported", "Imported predictions"
    NER = "ner", "Built-in NER (spaCy, trained on the gold)"
    DICTIONARY = "dictionary", "Dictionary of the gold's strings"
    EXTERNAL = "external", "External model server"


class Recommender(models.Model):
    # Indexed through the unique constraint that starts with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="recommenders", db_index=False
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=RecommenderKind.choices)
    server = models.CharField(
        max_length=100,
        blank=True,
        help_text="External: the name of a server in the RECOMMENDER_SERVERS setting.",
    )
    enabled = models.BooleanField(default=True, help_text="Whether it trains and predicts.")
    created_by = created_by_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"], name="%(app_label)s_%(class)s_name_unique"
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="%(app_label)s_%(class)s_name_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=RecommenderKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind="external", server__gt="") | (~Q(kind="external") & Q(server="")),
                name="%(app_label)s_%(class)s_server_iff_external",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class ModelVersionStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    TRAINING = "training", "Training"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ModelVersion(models.Model):
    # Indexed through the unique constraint that starts with it.
    recommender = models.ForeignKey(
        Recommender, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=ModelVersionStatus.choices, default=ModelVersionStatus.QUEUED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    gold_documents = models.PositiveIntegerField(
        default=0, help_text="How many gold documents it was trained on."
    )
    metrics = models.JSONField(
        default=dict,
        blank=True,
        help_text="Held-out evaluation: precision, recall and F1 per label and overall.",
    )
    artifact = models.BinaryField(
        null=True, blank=True, help_text="The trained model (spaCy bytes, or the dictionary)."
    )
    error = models.TextField(blank=True, help_text="Why training or a run failed.")
    worker = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["recommender_id", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommender", "version"], name="%(app_label)s_%(class)s_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="%(app_label)s_%(class)s_version_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ModelVersionStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recommender_id} v{self.version}"


class SuggestionOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    CORRECTED = "corrected", "Accepted, then changed"
    REJECTED = "rejected", "Rejected"
    # Shown, and still undecided when the annotation was submitted.
    IGNORED = "ignored", "Left undecided"


class SuggestionDecision(models.Model):
    """What an annotator made of one suggestion: kept when the suggestion itself is replaced."""

    # The annotator's own (manual) annotation. Indexed through the unique constraint.
    annotation = models.ForeignKey(
        "annotations.Annotation",
        on_delete=models.CASCADE,
        related_name="suggestion_decisions",
        db_index=False,
    )
    # Empty: imported predictions of no named model.
    model_version = models.ForeignKey(
        ModelVersion,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="decisions",
    )
    # The suggestion as it was (the prediction's span may be replaced by a later version).
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    start = models.PositiveIntegerField(help_text="Code-point offset, inclusive.")
    end = models.PositiveIntegerField(help_text="Code-point offset, exclusive.")
    score = models.FloatField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=SuggestionOutcome.choices)
    # The annotator's span it became (accepted or corrected), while it exists.
    span = models.ForeignKey(
        "annotations.Span",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["annotation_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["annotation", "label", "start", "end"],
                name="%(app_label)s_%(class)s_once_per_suggestion",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=SuggestionOutcome.values),
                name="%(app_label)s_%(class)s_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")),
                name="%(app_label)s_%(class)s_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} [{self.start}, {self.end})"
