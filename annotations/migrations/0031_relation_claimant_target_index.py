"""Issue 16 item 5: an index for "the claims naming this span" (claimant relations only)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0030_drop_span_claimant"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="relation",
            index=models.Index(
                condition=models.Q(("builtin", "claimant")),
                fields=["target"],
                name="relation_claimant_target_idx",
            ),
        ),
    ]
