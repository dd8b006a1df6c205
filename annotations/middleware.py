"""Two response policies: ``Cache-Control: no-store``, and sessions that end when idle.

``NoStoreMiddleware``: ``Cache-Control: no-store`` on every response the app itself renders.

Pages, API answers, exports and release downloads all carry someone's work or data behind a
log-in, and a shared machine's browser cache, a proxy or the back button must not keep them.
Static files never reach this (WhiteNoise answers them earlier in settings.MIDDLEWARE, with
its own long-lived caching). A view that chose its own Cache-Control keeps it.

``SessionIdleMiddleware``: a session lives ``SESSION_COOKIE_AGE`` (SESSION_IDLE_MINUTES)
from its last use, not from the log-in. Django's SESSION_SAVE_EVERY_REQUEST would do it by
writing the session on every request, one more write per span saved, which SQLite's single
writer feels; here the session is written (and its expiry and cookie moved on) at most once
a minute, so the idle limit holds to within that minute. The log-in stamps the session it
saves anyway (``session_stamp_at_log_in``), so the first page after it writes nothing.
"""

import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase


class NoStoreMiddleware:
    """Add ``Cache-Control: no-store`` to responses that do not set a Cache-Control."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response


LAST_SEEN = "_workbench_last_seen"
REFRESH_SECONDS = 60


class SessionIdleMiddleware:
    """Move a live session's expiry to SESSION_COOKIE_AGE from now, once a minute at most."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        session = request.session
        seen = session.get(LAST_SEEN)  # loads the session: an unknown or expired key has none
        # Only a session that exists (no new ones for anonymous visitors) and was not just
        # ended (log-out flushes it).
        if session.session_key is not None and not session.is_empty():
            now = int(time.time())
            if seen is None or now - seen >= REFRESH_SECONDS:
                session[LAST_SEEN] = now
        return response


def session_stamp_at_log_in(sender: Any, request: HttpRequest, **kwargs: Any) -> None:
    """Mark the session seen now as Django logs the user in (it saves the session then)."""
    request.session[LAST_SEEN] = int(time.time())
