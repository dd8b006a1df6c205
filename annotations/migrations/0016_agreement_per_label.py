"""The stored agreement counts gain alpha and kappa per label: drop the rows computed without.

No schema change. Rows kept would be read as current (their fingerprint still matches the
annotations) and the per-label figures would be missing from them; dropped, they are computed
again on the next read of each project, or ahead of time with ``manage.py refresh_agreement``.
"""

from django.db import migrations


def drop_stored_agreement(apps, schema_editor):
    apps.get_model("annotations", "DocumentAgreement").objects.all().delete()
    apps.get_model("annotations", "ProjectAgreement").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0015_shortcuts_one_meaning"),
    ]

    operations = [
        migrations.RunPython(drop_stored_agreement, migrations.RunPython.noop),
    ]
