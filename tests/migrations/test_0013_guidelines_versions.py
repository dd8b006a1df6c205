"""Migration 0013: every project that exists when guidelines become versioned gets version 1."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("annotations", "0011_plan_indexes")]
AFTER = [("annotations", "0013_guidelines_versions")]


@pytest.mark.django_db(transaction=True)
def test_existing_projects_get_version_1_with_their_current_text():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    user = old.get_model("auth", "User").objects.create(username="owner")
    project_model = old.get_model("annotations", "Project")
    written = project_model.objects.create(name="Sahel", guidelines="# Rules", created_by=user)
    empty = project_model.objects.create(name="Blank")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    versions = new.get_model("annotations", "GuidelinesVersion").objects.order_by("project_id")
    assert [(v.project_id, v.number, v.text, v.created_by_id) for v in versions] == [
        (written.pk, 1, "# Rules", user.pk),
        (empty.pk, 1, "", None),
    ]

    # Back to the latest schema for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
