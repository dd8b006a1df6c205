"""Issue 16 item 5: a claim's checkworthy and claimant_text become built-in attributes.

Every claim label declares the built-in attributes ``checkworthy`` (choice yes/no/unsure)
and ``claimant_text`` (text); each span's values move from their columns into its attribute
values under those names (the column ``attributes`` keeps its name; the model calls the field
``attribute_values``). 0022_builtin_span_columns then drops the two columns: in a migration of
its own, because PostgreSQL refuses to alter a table with row changes pending in the same
transaction.

A user attribute already declared under a built-in's name on a claim label is renamed
``<name>_user`` (``_user2``... when taken), its values moved with it, so that nothing is lost
or mixed. Backwards, the values go back into the columns and the built-ins are removed.
"""

from django.db import migrations, models

BUILTINS = (
    (
        "checkworthy",
        "choice",
        ["yes", "no", "unsure"],
        "Whether the claim is worth checking (built in).",
    ),
    (
        "claimant_text",
        "text",
        [],
        "Who makes the claim, when they are not in the text (built in).",
    ),
)
NAMES = [name for name, *_ in BUILTINS]
BATCH = 1000


def _free_name(taken, name):
    candidate, number = f"{name}_user", 1
    while candidate in taken:
        number += 1
        candidate = f"{name}_user{number}"
    return candidate


def declare_and_move(apps, schema_editor):
    Label = apps.get_model("annotations", "Label")
    LabelAttribute = apps.get_model("annotations", "LabelAttribute")
    Span = apps.get_model("annotations", "Span")
    for label in Label.objects.filter(kind="claim").iterator():
        declared = {row.name: row for row in LabelAttribute.objects.filter(label=label)}
        for name in NAMES:
            row = declared.get(name)
            if row is None:
                continue
            renamed = _free_name(declared, name)
            row.name = renamed
            row.save(update_fields=["name"])
            declared[renamed] = row
            moved = []
            for span in Span.objects.filter(label=label, attribute_values__has_key=name):
                values = dict(span.attribute_values)
                values[renamed] = values.pop(name)
                span.attribute_values = values
                moved.append(span)
            Span.objects.bulk_update(moved, ["attribute_values"], batch_size=BATCH)
        LabelAttribute.objects.bulk_create(
            LabelAttribute(
                label=label,
                name=name,
                builtin=name,
                type=type_,
                choices=choices,
                description=description,
                position=position,
            )
            for position, (name, type_, choices, description) in enumerate(BUILTINS)
        )
    given = ~models.Q(checkworthy="") | ~models.Q(claimant_text="")
    spans = Span.objects.filter(given).only(
        "pk", "checkworthy", "claimant_text", "attribute_values"
    )
    batch = []
    for span in spans.order_by("pk").iterator(chunk_size=BATCH):
        values = dict(span.attribute_values or {})
        for name in NAMES:
            if getattr(span, name):
                values[name] = getattr(span, name)
        span.attribute_values = values
        batch.append(span)
        if len(batch) == BATCH:
            Span.objects.bulk_update(batch, ["attribute_values"])
            batch = []
    Span.objects.bulk_update(batch, ["attribute_values"])


def move_back(apps, schema_editor):
    LabelAttribute = apps.get_model("annotations", "LabelAttribute")
    Span = apps.get_model("annotations", "Span")
    held = models.Q(attribute_values__has_key=NAMES[0]) | models.Q(
        attribute_values__has_key=NAMES[1]
    )
    batch = []
    for span in Span.objects.filter(held).order_by("pk").iterator(chunk_size=BATCH):
        values = dict(span.attribute_values)
        for name in NAMES:
            setattr(span, name, values.pop(name, "") or "")
        span.attribute_values = values
        batch.append(span)
        if len(batch) == BATCH:
            Span.objects.bulk_update(batch, ["attribute_values", *NAMES])
            batch = []
    Span.objects.bulk_update(batch, ["attribute_values", *NAMES])
    LabelAttribute.objects.exclude(builtin="").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0020_schema_relations_documents_attributes"),
    ]

    operations = [
        migrations.AddField(
            model_name="labelattribute",
            name="builtin",
            field=models.CharField(
                blank=True,
                help_text="Which built-in it is (annotations.builtins), named as it; empty: a "
                "user's. Built-ins are declared by the workbench and cannot be changed or "
                "removed by users.",
                max_length=32,
            ),
        ),
        migrations.AddConstraint(
            model_name="labelattribute",
            constraint=models.CheckConstraint(
                condition=models.Q(("builtin", ""))
                | models.Q(("builtin__in", tuple(NAMES)), ("name", models.F("builtin"))),
                name="annotations_labelattribute_builtin_valid",
            ),
        ),
        # The column keeps its name: only the model's field is renamed.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(
                    model_name="span", old_name="attributes", new_name="attribute_values"
                ),
                migrations.AlterField(
                    model_name="span",
                    name="attribute_values",
                    field=models.JSONField(
                        blank=True,
                        db_column="attributes",
                        default=dict,
                        help_text="Values of the label's attributes, by attribute name (checked "
                        "on every write); the built-in checkworthy and claimant_text included.",
                    ),
                ),
            ],
        ),
        migrations.RunPython(declare_and_move, move_back),
    ]
