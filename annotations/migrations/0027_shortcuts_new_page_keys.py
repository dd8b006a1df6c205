"""One key, one meaning, again: the annotate page gained keys since migration 0015 (``j`` next
sentence, ``m`` comments, ``s``/``x``/``=``/``+`` suggestions, ``*`` every occurrence, ``r`` the
claim record, ``i`` matches). A label whose shortcut is one of them (in either case) would
never be applied by its key: its shortcut is cleared. The label stays, with everything made
with it; a manager gives it a free key on the project's settings page."""

from django.db import migrations

# The keys reserved after 0015, as they stand at this migration (a migration keeps its copy).
ADDED = set("jmsx=+*ri")


def clear_shortcuts_now_reserved(apps, schema_editor):
    Label = apps.get_model("annotations", "Label")
    clashing = [
        pk
        for pk, shortcut in Label.objects.exclude(shortcut="").values_list("pk", "shortcut")
        if shortcut.lower() in ADDED
    ]
    Label.objects.filter(pk__in=clashing).update(shortcut="")


class Migration(migrations.Migration):
    dependencies = [("annotations", "0026_merge_20261203_1702")]

    operations = [
        migrations.RunPython(clear_shortcuts_now_reserved, migrations.RunPython.noop, elidable=True)
    ]
