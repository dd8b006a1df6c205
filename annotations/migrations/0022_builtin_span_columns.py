"""Issue 16 item 5: the span columns checkworthy and claimant_text go (0021 moved their values).

Their rules stay in the database as checks on the attribute values: a check-worthiness is
yes, no or unsure, and a claim names its claimant as a span or as a text, never both.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0021_builtin_links"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="span",
            name="annotations_span_checkworthy_valid",
        ),
        migrations.RemoveConstraint(
            model_name="span",
            name="annotations_span_one_claimant",
        ),
        migrations.RemoveField(
            model_name="span",
            name="checkworthy",
        ),
        migrations.RemoveField(
            model_name="span",
            name="claimant_text",
        ),
        migrations.AddConstraint(
            model_name="span",
            constraint=models.CheckConstraint(
                condition=models.Q(("attribute_values__has_key", "checkworthy"), _negated=True)
                | models.Q(("attribute_values__checkworthy__in", ["yes", "no", "unsure"])),
                name="annotations_span_checkworthy_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="span",
            constraint=models.CheckConstraint(
                condition=models.Q(("claimant__isnull", True))
                | models.Q(("attribute_values__has_key", "claimant_text"), _negated=True),
                name="annotations_span_one_claimant",
            ),
        ),
    ]
