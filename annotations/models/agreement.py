"""Agreement kept up to date: each document's, stored when its submitted work changes, and the
project's totals, the sum of its documents' counts.

``DocumentAgreement.computed_from`` lists the ``[annotation id, version]`` of the submitted
manual annotations it was computed from: a change to any of them bumps its version, so a row
whose list differs from the annotations' is stale and is never read as current.
``ProjectAgreement`` carries the same fingerprint summed over the project (how many submitted
annotations, the sum of their ids and of their versions), so one aggregate query tells
whether every document's row is current.
"""

from django.db import models

from annotations.models.documents import Document
from annotations.models.projects import Project


class DocumentAgreement(models.Model):
    document = models.OneToOneField(
        Document, on_delete=models.CASCADE, primary_key=True, related_name="agreement"
    )
    # Indexed by the queue index, which starts with it.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    computed_from = models.JSONField(
        help_text="[[annotation id, version], ...] of the submitted manual annotations, sorted."
    )
    agreement = models.FloatField(
        null=True, help_text="Mean pairwise F1 of the items; null with one annotation."
    )
    disagreements = models.PositiveIntegerField(help_text="Items not every annotator has.")
    counts = models.JSONField(help_text="annotations.agreement_sums counts, as JSON.")
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            # The review queue: least agreement first, one annotation last, by document.
            models.Index(
                fields=["project", "agreement", "document"], name="docagreement_queue_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"agreement of document {self.document_id}"


class ProjectAgreement(models.Model):
    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, primary_key=True, related_name="agreement_totals"
    )
    counts = models.JSONField(default=list, help_text="Sum of the documents' counts, as JSON.")
    annotations = models.PositiveIntegerField(default=0)
    annotation_id_sum = models.BigIntegerField(default=0)
    version_sum = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"agreement totals of project {self.project_id}"
