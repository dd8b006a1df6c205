"""Migration 0027: a label key that the annotate page took since 0015 (suggestions, matches,
the claim record, every occurrence, comments, next sentence) is cleared; the others stay."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("annotations", "0026_merge_20261203_1702")]
AFTER = [("annotations", "0027_shortcuts_new_page_keys")]


@pytest.mark.django_db(transaction=True)
def test_shortcuts_the_page_now_uses_are_cleared_and_the_others_kept():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    project = old.get_model("annotations", "Project").objects.create(name="Sahel")
    label_model = old.get_model("annotations", "Label")
    keys = {"PER": "p", "SOURCE": "s", "EXTRA": "X", "IDEA": "i", "RUMOUR": "r", "ORG": "o"}
    for name, shortcut in keys.items():
        label_model.objects.create(
            project=project, name=name, kind="entity", shortcut=shortcut, color="#4e79a7"
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    after = dict(new.get_model("annotations", "Label").objects.values_list("name", "shortcut"))
    assert after == {"PER": "p", "SOURCE": "", "EXTRA": "", "IDEA": "", "RUMOUR": "", "ORG": "o"}

    # Back to the latest schema for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_migration_knows_every_key_the_page_reserved_since_0015():
    # A key reserved later needs a migration of its own: this one's copy is what it cleared.
    from importlib import import_module

    from annotations.services.projects import RESERVED_SHORTCUTS

    cleared = import_module("annotations.migrations.0027_shortcuts_new_page_keys").ADDED
    before = set(import_module("annotations.migrations.0015_shortcuts_one_meaning").RESERVED)
    assert set(RESERVED_SHORTCUTS) == before | cleared
