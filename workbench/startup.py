"""What the serving entry points (wsgi, asgi, and so runserver) check before they serve."""

import importlib
import os

from django.core.exceptions import ImproperlyConfigured

NO_KEY = (
    "SECRET_KEY is not set. With DEBUG off (the default) the workbench refuses to "
    "start without a SECRET_KEY from the environment; generate one with "
    "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`, or set DEBUG=1 "
    "for local use (`make run` does)."
)


def require_secret_key() -> None:
    """Refuse to serve without a SECRET_KEY: with DEBUG off the settings leave it empty."""
    configured = importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    if not getattr(configured, "SECRET_KEY", ""):
        raise ImproperlyConfigured(NO_KEY)


def import_views() -> None:
    """Import every view now, as a worker starts, not in the first request it serves.

    Django reads the URLconf (and with it every view module) lazily, on a process's first
    request: under gunicorn each worker's first request waited for it (0.5-1.3 s on the
    development machine), so a user's first export after a restart took that long to its
    first byte.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the import is the point)
