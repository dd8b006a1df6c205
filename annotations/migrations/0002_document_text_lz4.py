"""Store document text with lz4 on PostgreSQL: about twice as fast to write as pglz."""

from django.db import DatabaseError, migrations, transaction


def use_lz4(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        # A PostgreSQL built without lz4 refuses; pglz then stays, which is only slower.
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(
                "ALTER TABLE annotations_document ALTER COLUMN text SET COMPRESSION lz4"
            )
    except DatabaseError:
        pass


def use_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE annotations_document ALTER COLUMN text SET COMPRESSION DEFAULT"
        )


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]

    operations = [migrations.RunPython(use_lz4, use_default)]
