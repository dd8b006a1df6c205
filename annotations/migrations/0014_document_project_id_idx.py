"""A project's documents in id order by index: the export's cursor needs no sort (issue 14)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0013_guidelines_versions"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="document",
            index=models.Index(fields=["project", "id"], name="document_project_id_idx"),
        ),
    ]
