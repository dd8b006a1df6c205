"""Span indexes of the claimant and the client id hold only spans that have one (issue 14).

Imported predictions have neither: each of their spans wrote a null into both indexes.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0017_comments"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="span",
            name="annotations_span_client_id_unique",
        ),
        migrations.AlterField(
            model_name="span",
            name="claimant",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="The entity span (same annotation) that makes this claim.",
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="claims",
                to="annotations.span",
            ),
        ),
        migrations.AddIndex(
            model_name="span",
            index=models.Index(
                condition=models.Q(("claimant__isnull", False)),
                fields=["claimant"],
                name="span_claimant_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="span",
            constraint=models.UniqueConstraint(
                condition=models.Q(("client_id__isnull", False)),
                fields=("annotation", "client_id"),
                name="annotations_span_client_id_unique",
            ),
        ),
    ]
