"""Issue 16 item 5: a relation may be a built-in one (a claim's claimant), with no label.

Schema only: 0029_claimant_relations moves every Span.claimant into a relation, and
0030_drop_span_claimant drops the column (each in its own migration: PostgreSQL refuses to
alter a table with row changes pending in the same transaction). A relation has a label or a
built-in name, never both; a claim has one claimant relation at most.
"""

import django.db.models.deletion
import django.db.models.manager
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0027_shortcuts_new_page_keys"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="relation",
            options={
                "base_manager_name": "links",
                "default_manager_name": "objects",
                "ordering": ["annotation_id", "id"],
            },
        ),
        migrations.AlterModelManagers(
            name="relation",
            managers=[
                ("links", django.db.models.manager.Manager()),
                ("objects", django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddField(
            model_name="relation",
            name="builtin",
            field=models.CharField(
                blank=True,
                help_text="Which built-in relation it is (annotations.builtins.LINKS); "
                "empty: a user's.",
                max_length=16,
                default="",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="relation",
            name="label",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="The relation label; empty for a built-in relation.",
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="relations",
                to="annotations.label",
            ),
        ),
        migrations.AddConstraint(
            model_name="relation",
            constraint=models.CheckConstraint(
                condition=models.Q(("builtin", ""), ("label__isnull", False))
                | models.Q(("builtin__in", ("claimant",)), ("label__isnull", True)),
                name="annotations_relation_label_or_builtin",
            ),
        ),
        migrations.AddConstraint(
            model_name="relation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("builtin", "claimant")),
                fields=("source",),
                name="annotations_relation_one_claimant",
            ),
        ),
    ]
