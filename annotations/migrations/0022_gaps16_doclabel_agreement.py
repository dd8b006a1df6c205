"""Document labels count in each document's agreement and disputed items: drop the rows
computed without them.

No schema change. Rows kept would be read as current (their fingerprint still matches the
annotations) and a document whose annotators chose different document labels would still
read as agreed; dropped, they are computed again on the next read of each project, or ahead
of time with ``manage.py refresh_agreement``.
"""

from django.db import migrations


def drop_stored_agreement(apps, schema_editor):
    apps.get_model("annotations", "DocumentAgreement").objects.all().delete()
    apps.get_model("annotations", "ProjectAgreement").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0021_recommenders_claims"),
    ]

    operations = [
        migrations.RunPython(drop_stored_agreement, migrations.RunPython.noop),
    ]
