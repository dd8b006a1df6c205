"""Migration 0017_comments: ``m`` opens comment threads, so a label loses ``m`` as its key."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("annotations", "0016_agreement_per_label")]
AFTER = [("annotations", "0017_comments")]


@pytest.mark.django_db(transaction=True)
def test_a_label_keyed_m_keeps_its_spans_and_loses_the_key():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    project = old.get_model("annotations", "Project").objects.create(name="Sahel")
    label_model = old.get_model("annotations", "Label")
    misc = label_model.objects.create(project=project, name="MISC", kind="entity", shortcut="M")
    per = label_model.objects.create(project=project, name="PER", kind="entity", shortcut="p")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    labels = new.get_model("annotations", "Label").objects.order_by("pk")
    assert [(label.pk, label.name, label.shortcut) for label in labels] == [
        (misc.pk, "MISC", ""),
        (per.pk, "PER", "p"),
    ]

    # Back to the latest schema for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
