"""Migration 0015: shortcuts that clash with a page key, or with another label's in the other
case, are cleared; every other shortcut, and every label, stays."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("annotations", "0014_document_project_id_idx")]
AFTER = [("annotations", "0015_shortcuts_one_meaning")]


@pytest.mark.django_db(transaction=True)
def test_clashing_shortcuts_are_cleared_and_the_others_kept():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    project_model = old.get_model("annotations", "Project")
    label_model = old.get_model("annotations", "Label")
    sahel, other = (project_model.objects.create(name=name) for name in ("Sahel", "Other"))
    made = {
        (project.name, name): label_model.objects.create(
            project=project, name=name, kind=kind, shortcut=shortcut, color="#4e79a7"
        ).pk
        for project, name, kind, shortcut in [
            (sahel, "PER", "entity", "p"),
            (sahel, "PLACE", "entity", "P"),  # the same key as PER's on the page
            (sahel, "KIN", "entity", "k"),  # "pick the claimant"
            (sahel, "NEUTRAL", "stance", "n"),  # "check-worthy: no"
            (sahel, "ORG", "entity", "o"),
            (sahel, "MISC", "entity", ""),
            (other, "PLACE", "entity", "P"),  # another project: no clash
        ]
    }

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    labels = new.get_model("annotations", "Label").objects.select_related("project")
    after = {(label.project.name, label.name): label.shortcut for label in labels}
    assert after == {
        ("Sahel", "PER"): "p",
        ("Sahel", "PLACE"): "",
        ("Sahel", "KIN"): "",
        ("Sahel", "NEUTRAL"): "",
        ("Sahel", "ORG"): "o",
        ("Sahel", "MISC"): "",
        ("Other", "PLACE"): "P",
    }
    assert set(labels.values_list("pk", flat=True)) == set(made.values())

    # Back to the latest schema for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
