"""Issue 16 item 5: the column Span.claimant goes (0029 moved every claimant into a relation).

Its rules live on the relation now: one claimant per claim (annotations_relation_one_claimant)
and never the claim itself (annotations_relation_not_to_itself); a claim naming both a claimant
span and a claimant text is refused by the span services.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0029_claimant_relations"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="span",
            name="annotations_span_not_own_claimant",
        ),
        migrations.RemoveConstraint(
            model_name="span",
            name="annotations_span_one_claimant",
        ),
        migrations.RemoveIndex(
            model_name="span",
            name="span_claimant_idx",
        ),
        migrations.RemoveField(
            model_name="span",
            name="claimant",
        ),
    ]
