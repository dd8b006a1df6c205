"""Django's PostgreSQL backend, pinging a reused connection only after it sat idle.

With CONN_HEALTH_CHECKS, Django sends ``SELECT 1`` before the first query of every request
on a reused connection: one round trip in ten of a span write, for a connection that served
a request a moment ago and is all but certainly alive. Here the ping happens only when the
connection has been idle for IDLE_SECONDS or more, which is when a restarted server or a
dropped socket is likely. A connection that breaks inside that window fails one request; the
error marks it, and Django closes it when that request ends.
"""

import time

from django.db.backends.postgresql import base

IDLE_SECONDS = 5.0


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.last_request_at: float | None = None

    def close_if_unusable_or_obsolete(self) -> None:
        # Called as each request starts and ends.
        super().close_if_unusable_or_obsolete()
        now = time.monotonic()
        recent = self.last_request_at is not None and now - self.last_request_at < IDLE_SECONDS
        if self.connection is not None and recent:
            self.health_check_done = True
        self.last_request_at = now
