"""Issue 16 item 5: every claim's claimant span becomes a built-in relation.

One relation per span that names a claimant: builtin "claimant", no label, from the claim
(source) to the claimant entity (target), in the claim's annotation. The event log is left as
it is: a span's logged state keeps its "claimant" id, which the services still read and write
as the span's field. Backwards, each relation goes back into Span.claimant and is deleted.
"""

from django.db import migrations

CLAIMANT = "claimant"
BATCH = 1000


def spans_to_relations(apps, schema_editor):
    Span = apps.get_model("annotations", "Span")
    Relation = apps.get_model("annotations", "Relation")
    named = Span.objects.filter(claimant__isnull=False).order_by("pk")
    batch = []
    for claim_id, annotation_id, claimant_id in named.values_list(
        "pk", "annotation_id", "claimant_id"
    ).iterator(chunk_size=BATCH):
        batch.append(
            Relation(
                annotation_id=annotation_id,
                builtin=CLAIMANT,
                source_id=claim_id,
                target_id=claimant_id,
            )
        )
        if len(batch) == BATCH:
            Relation.objects.bulk_create(batch)
            batch = []
    Relation.objects.bulk_create(batch)


def relations_to_spans(apps, schema_editor):
    Span = apps.get_model("annotations", "Span")
    Relation = apps.get_model("annotations", "Relation")
    links = Relation.objects.filter(builtin=CLAIMANT).order_by("pk")
    batch = []
    for claim_id, claimant_id in links.values_list("source_id", "target_id").iterator(
        chunk_size=BATCH
    ):
        batch.append(Span(pk=claim_id, claimant_id=claimant_id))
        if len(batch) == BATCH:
            Span.objects.bulk_update(batch, ["claimant"])
            batch = []
    Span.objects.bulk_update(batch, ["claimant"])
    links.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0028_relation_builtin"),
    ]

    operations = [
        migrations.RunPython(spans_to_relations, relations_to_spans),
    ]
