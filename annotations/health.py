"""``GET /healthz``: the load balancer's question, answered before anything else runs.

A load balancer probes every web host every second or so, by its address (not the site's
name), over plain HTTP, without a session. So the check answers from the first middleware:
no SSL redirect, no ALLOWED_HOSTS check, no session or CSRF, no log-in, and it never writes.

It answers 200 ``{"status": "ok"}`` when the database answers ``SELECT 1`` and every
migration of the code is applied; otherwise 503 ``{"status": "unavailable", "errors":
{"database" | "migrations": [message]}}``, so the balancer takes the host out of rotation
(a host whose code is newer than the schema would answer 500s). The migration check reads
the migration files, so it runs until it first passes and then never again in this process:
migrations are only ever applied, never unapplied, under running code. A healthy probe then
costs one ``SELECT 1``. The driver's error goes to the log, not to the anonymous caller.
"""

import logging
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponseBase, JsonResponse

from annotations.db.health import database_ping, unapplied_migrations

logger = logging.getLogger(__name__)

PATH = "/healthz"
DATABASE_UNREACHABLE = "The database does not answer."
MIGRATIONS_UNAPPLIED = "{count} migration(s) not applied: {names}. Run manage.py migrate."


class _State:
    # Once true, stays true for the life of the process (see the module docstring).
    migrated = False


def health_errors() -> dict[str, list[str]]:
    """Say what keeps this host from serving: the database, then the migrations."""
    try:
        database_ping()
        if not _State.migrated:
            pending = unapplied_migrations()
            if pending:
                message = MIGRATIONS_UNAPPLIED.format(count=len(pending), names=", ".join(pending))
                return {"migrations": [message]}
            _State.migrated = True
    except DatabaseError:
        logger.warning("health check: database error", exc_info=True)
        return {"database": [DATABASE_UNREACHABLE]}
    return {}


def health_forget() -> None:
    """Check the migrations again on the next probe (for tests and after a restore)."""
    _State.migrated = False


class HealthCheckMiddleware:
    """Answer ``GET``/``HEAD /healthz`` itself; pass every other request on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info != PATH or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        errors = health_errors()
        body = {"status": "unavailable", "errors": errors} if errors else {"status": "ok"}
        response = JsonResponse(body, status=503 if errors else 200)
        response["Cache-Control"] = "no-store"
        return response
