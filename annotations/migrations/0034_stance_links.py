"""Issue 16 item 5: every stance's holder and evidence spans become built-in relations.

One relation per stance that names a holder (builtin "holder") and one per stance that names
evidence (builtin "evidence"): no label, no source span, from the stance (``stance``) to the
span (``target``), in the stance's annotation. The event log is left as it is: a stance's
logged state keeps its "holder" and "evidence" ids, which the services still read and write
as the stance's fields. Backwards, each relation goes back into its column and is deleted.
"""

from django.db import migrations

ROLES = ("holder", "evidence")
BATCH = 1000


def stances_to_relations(apps, schema_editor):
    Stance = apps.get_model("annotations", "Stance")
    Relation = apps.get_model("annotations", "Relation")
    for role in ROLES:
        named = Stance.objects.filter(**{f"{role}__isnull": False}).order_by("pk")
        batch = []
        for stance_id, annotation_id, span_id in named.values_list(
            "pk", "annotation_id", f"{role}_id"
        ).iterator(chunk_size=BATCH):
            batch.append(
                Relation(
                    annotation_id=annotation_id,
                    builtin=role,
                    stance_id=stance_id,
                    target_id=span_id,
                )
            )
            if len(batch) == BATCH:
                Relation.objects.bulk_create(batch)
                batch = []
        Relation.objects.bulk_create(batch)


def relations_to_stances(apps, schema_editor):
    Stance = apps.get_model("annotations", "Stance")
    Relation = apps.get_model("annotations", "Relation")
    for role in ROLES:
        links = Relation.objects.filter(builtin=role).order_by("pk")
        batch = []
        for stance_id, span_id in links.values_list("stance_id", "target_id").iterator(
            chunk_size=BATCH
        ):
            batch.append(Stance(pk=stance_id, **{f"{role}_id": span_id}))
            if len(batch) == BATCH:
                Stance.objects.bulk_update(batch, [role])
                batch = []
        Stance.objects.bulk_update(batch, [role])
        links.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0033_relation_stance_links"),
    ]

    operations = [
        migrations.RunPython(stances_to_relations, relations_to_stances),
    ]
