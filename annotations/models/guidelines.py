"""The versions of a project's guidelines: every change of the text is a new, numbered row.

Versions are never edited or deleted (but with their project): an annotation points at the
version it was started under and the one current when it was last submitted, and a release
counts its gold per version, so a number must always mean the same text.
"""

from django.db import models
from django.db.models import Q

from annotations.models.fields import created_by_field
from annotations.models.projects import Project


class GuidelinesVersion(models.Model):
    # Indexed through the unique (project, number) constraint, which starts with it.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="guidelines_versions", db_index=False
    )
    number = models.PositiveIntegerField(help_text="1, 2, 3... within the project.")
    text = models.TextField(blank=True, help_text="The guidelines (markdown) of this version.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = created_by_field()

    class Meta:
        ordering = ["project_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], name="%(app_label)s_%(class)s_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="%(app_label)s_%(class)s_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"guidelines v{self.number}"
