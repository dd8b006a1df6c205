"""Issue 16 item 5: the columns Stance.holder and Stance.evidence go (0034 moved them).

Their rules live on the relation now (0033 dropped the stance's unique constraints): one
holder and one evidence per stance (annotations_relation_one_link_per_stance), a span that holds or evidences a stance cannot be
deleted (the relation's RESTRICT), and "the stances naming this span" reads its own partial
index. One stance per target and holder in an annotation can no longer be a unique
constraint (the holder is in another table): every writer checks it under the annotation's
lock (annotations.rules.StanceSlots, services.annotating.rules.check_stance_unique).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0034_stance_links"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="stance",
            name="holder",
        ),
        migrations.RemoveField(
            model_name="stance",
            name="evidence",
        ),
        migrations.AddIndex(
            model_name="relation",
            index=models.Index(
                condition=models.Q(("builtin__in", ("holder", "evidence"))),
                fields=["target"],
                name="relation_stance_target_idx",
            ),
        ),
    ]
