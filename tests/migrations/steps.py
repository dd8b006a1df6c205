"""Moving the test database between migrations (the data-migration tests share these)."""

from typing import Any

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

Target = list[tuple[str, str]]


def migrate_to(target: Target) -> Apps:
    """Migrate the database to ``target``; return the models as they are there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def state_at(target: Target) -> Apps:
    """The models as they are at ``target`` (the database is not touched)."""
    return MigrationExecutor(connection).loader.project_state(target).apps


def migrate_to_latest() -> None:
    """Migrate the database forward to the newest migrations again."""
    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())


def managed_project(old: Apps, *, labels: dict[str, str]) -> tuple[Any, Any, dict[str, Any]]:
    """At an earlier state ``old``: a user "ama" managing a project "Sahel" with these labels
    (name -> kind); return the user, the project and the labels by name."""
    user = old.get_model("auth", "User").objects.create(username="ama")
    project = old.get_model("annotations", "Project").objects.create(name="Sahel")
    old.get_model("annotations", "Membership").objects.create(
        project=project, user=user, role="manager"
    )
    made = old.get_model("annotations", "Label").objects
    created = {
        name: made.create(project=project, name=name, kind=kind) for name, kind in labels.items()
    }
    return user, project, created
