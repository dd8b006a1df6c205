"""Issue 16 item 5: a stance's holder and evidence may be built-in relations.

Schema only: 0034_stance_links moves every Stance.holder and Stance.evidence into a relation,
and 0035_drop_stance_holder_evidence drops the columns (each in its own migration: PostgreSQL
refuses to alter a table with row changes pending in the same transaction). A holder or
evidence relation starts at the stance (``stance``, no ``source``); every other starts at a
span; a stance has one holder and one evidence at most.
"""

import django.db.models.deletion
from django.db import migrations, models

LINKS = ("claimant", "holder", "evidence")
STANCE_LINKS = ("holder", "evidence")


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0032_merge_20261204_0853"),
    ]

    operations = [
        # One stance per target and holder becomes a rule the services keep (the holder moves
        # to another table). Dropped first, so that backwards they come back last, once 0034
        # has put the holders into their column again.
        migrations.RemoveConstraint(
            model_name="stance",
            name="annotations_stance_one_per_target_and_holder",
        ),
        migrations.RemoveConstraint(
            model_name="stance",
            name="annotations_stance_one_per_target_for_author",
        ),
        migrations.AlterField(
            model_name="relation",
            name="source",
            field=models.ForeignKey(
                blank=True,
                help_text="Where it starts; empty for a stance's holder and evidence.",
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="relations_out",
                to="annotations.span",
            ),
        ),
        migrations.AddField(
            model_name="relation",
            name="stance",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="The stance whose holder or evidence it is (built-in holder and "
                "evidence only).",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="builtin_links",
                to="annotations.stance",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="relation",
            name="annotations_relation_label_or_builtin",
        ),
        migrations.AddConstraint(
            model_name="relation",
            constraint=models.CheckConstraint(
                condition=models.Q(("builtin", ""), ("label__isnull", False))
                | models.Q(("builtin__in", LINKS), ("label__isnull", True)),
                name="annotations_relation_label_or_builtin",
            ),
        ),
        migrations.AddConstraint(
            model_name="relation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("source__isnull", False),
                        ("stance__isnull", True),
                        models.Q(("builtin__in", STANCE_LINKS), _negated=True),
                    ),
                    models.Q(
                        ("builtin__in", STANCE_LINKS),
                        ("source__isnull", True),
                        ("stance__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="annotations_relation_stance_or_source",
            ),
        ),
        migrations.AddConstraint(
            model_name="relation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("stance__isnull", False)),
                fields=("stance", "builtin"),
                name="annotations_relation_one_link_per_stance",
            ),
        ),
    ]
