"""Store a background import's uploaded chunks with lz4 on PostgreSQL instead of pglz.

The 202 of a large upload waits for its bytes to be stored as the job's chunks: for a 55 MB
.jsonl file, PostgreSQL spent 0.93-0.96 CPU seconds compressing them with pglz and 0.17-0.18
with lz4 (the chunks take 19 MB instead of 13). See 0002_document_text_lz4 for documents.
"""

from django.db import DatabaseError, migrations, transaction

TABLE = "annotations_importjobchunk"


def use_lz4(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        # A PostgreSQL built without lz4 refuses; pglz then stays, which is only slower.
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN data SET COMPRESSION lz4")
    except DatabaseError:
        pass


def use_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN data SET COMPRESSION DEFAULT")


class Migration(migrations.Migration):
    dependencies = [("annotations", "0018_partial_span_indexes")]

    operations = [migrations.RunPython(use_lz4, use_default)]
