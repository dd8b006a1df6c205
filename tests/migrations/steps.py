"""Moving the test database between migrations (the data-migration tests share these)."""

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
