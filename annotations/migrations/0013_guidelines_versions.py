"""Versioned guidelines (issue 15, item 6): every project starts at version 1 with its text.

Releases say which guidelines versions their gold was made under, and may take only reviewed
gold (item 8).

Existing annotations keep no version: nobody knows which text they were made under, and a
release card says so ("not recorded") rather than guess.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def first_versions(apps, schema_editor):
    """Give every existing project version 1 of its guidelines, with its current text."""
    Project = apps.get_model("annotations", "Project")
    GuidelinesVersion = apps.get_model("annotations", "GuidelinesVersion")
    rows = (
        GuidelinesVersion(project_id=pk, number=1, text=text, created_by_id=creator)
        for pk, text, creator in Project.objects.values_list("pk", "guidelines", "created_by_id")
    )
    GuidelinesVersion.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0012_document_agreement"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="GuidelinesVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField(help_text="1, 2, 3... within the project.")),
                (
                    "text",
                    models.TextField(
                        blank=True, help_text="The guidelines (markdown) of this version."
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="guidelines_versions",
                        to="annotations.project",
                    ),
                ),
            ],
            options={
                "ordering": ["project_id", "number"],
            },
        ),
        migrations.AddField(
            model_name="annotation",
            name="guidelines_version",
            field=models.ForeignKey(
                blank=True,
                help_text="The guidelines current when the annotation was started (empty for work older than versioned guidelines).",
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="annotations.guidelinesversion",
            ),
        ),
        migrations.AddField(
            model_name="annotation",
            name="submitted_guidelines_version",
            field=models.ForeignKey(
                blank=True,
                help_text="The guidelines current when it was last submitted (gold: marked reviewed).",
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="annotations.guidelinesversion",
            ),
        ),
        migrations.AddConstraint(
            model_name="guidelinesversion",
            constraint=models.UniqueConstraint(
                fields=("project", "number"), name="annotations_guidelinesversion_number_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="guidelinesversion",
            constraint=models.CheckConstraint(
                condition=models.Q(("number__gte", 1)),
                name="annotations_guidelinesversion_number_positive",
            ),
        ),
        migrations.AddField(
            model_name="release",
            name="guidelines_counts",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text='Gold documents per guidelines version: [{"version": 2, "documents": 40}, '
                "...] (version null: not recorded).",
            ),
        ),
        migrations.AddField(
            model_name="release",
            name="reviewed_only",
            field=models.BooleanField(
                default=False,
                help_text="Only gold a reviewer marked reviewed; otherwise all gold, reopened "
                "included.",
            ),
        ),
        migrations.RunPython(first_versions, migrations.RunPython.noop),
    ]
