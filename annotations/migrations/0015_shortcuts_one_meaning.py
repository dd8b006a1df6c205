"""One key, one meaning, for projects made before the rule: a label's shortcut that is also a
key of the annotate or review page (``k`` "pick the claimant", ``n`` "check-worthy: no", ...),
or that differs only in case from an earlier label's of the same project (``P`` beside ``p``),
is cleared. The label stays, with every span and stance; a manager can give it a free key on
the project's settings page."""

from django.db import migrations

# The reserved keys as they stand at this migration (services.projects.RESERVED_SHORTCUTS
# may grow later; a migration keeps its own copy).
RESERVED = set("?[]{},.0123456789ynukheg")


def clear_conflicting_shortcuts(apps, schema_editor):
    Label = apps.get_model("annotations", "Label")
    taken: dict[int, set[str]] = {}
    cleared = []
    labels = Label.objects.exclude(shortcut="").order_by("project_id", "pk")
    for pk, project_id, shortcut in labels.values_list("pk", "project_id", "shortcut"):
        key = shortcut.lower()
        seen = taken.setdefault(project_id, set())
        if key in RESERVED or key in seen:
            cleared.append(pk)
        else:
            seen.add(key)
    Label.objects.filter(pk__in=cleared).update(shortcut="")


class Migration(migrations.Migration):
    dependencies = [("annotations", "0014_document_project_id_idx")]

    operations = [
        migrations.RunPython(clear_conflicting_shortcuts, migrations.RunPython.noop, elidable=True)
    ]
