"""Indexes whose plans stay good without statistics (issue 14): see docs/benchmarks.md.

Each new index starts with the column of the foreign-key index it replaces, so every lookup
that index served is served still, and a write maintains no more indexes than before. The
new ones are built before the old ones are dropped.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0010_project_licence_citation"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="annotationevent",
            index=models.Index(fields=["annotation", "id"], name="event_annotation_id_idx"),
        ),
        migrations.AddIndex(
            model_name="span",
            index=models.Index(fields=["label", "annotation"], name="span_label_annotation_idx"),
        ),
        migrations.AddIndex(
            model_name="stance",
            index=models.Index(fields=["label", "annotation"], name="stance_label_annotation_idx"),
        ),
        migrations.AlterField(
            model_name="annotationevent",
            name="annotation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="annotations.annotation",
            ),
        ),
        migrations.AlterField(
            model_name="span",
            name="label",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="spans",
                to="annotations.label",
            ),
        ),
        migrations.AlterField(
            model_name="stance",
            name="label",
            field=models.ForeignKey(
                db_index=False,
                help_text="A stance value.",
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="stances",
                to="annotations.label",
            ),
        ),
    ]
