"""What a load balancer's health check asks of the database: is it there, is it migrated.

Contract:
- ``database_ping`` runs ``SELECT 1`` on the request's own connection (no new connection is
  opened when one is already up) and lets the driver's error through: the caller decides
  what an unreachable database means.
- ``unapplied_migrations`` answers what ``manage.py migrate --plan`` would apply, as
  ``app_label.migration_name`` strings in the order they would run; empty when the schema is
  the one the code expects. It reads the migration files and ``django_migrations``, which
  costs tens of milliseconds: callers cache a result once it is empty.
"""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def database_ping() -> None:
    """Round-trip one trivial statement; raise the driver's error when the database is not there."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def unapplied_migrations() -> list[str]:
    """Name every migration the code has and the database has not applied."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
