"""The PostgreSQL backend pings a reused connection only after it sat idle."""

import pytest
from django.db import connection

from workbench.postgresql import base

pytestmark = pytest.mark.postgresql  # the PostgreSQL backend's own behaviour


@pytest.mark.django_db
def test_a_connection_used_moments_ago_is_not_pinged_one_idle_for_long_is(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(base.time, "monotonic", lambda: clock[0])
    pings = []
    monkeypatch.setattr(connection, "is_usable", lambda: pings.append(clock[0]) or True)
    monkeypatch.setattr(connection, "health_check_enabled", True)
    connection.ensure_connection()

    def request() -> None:
        # What Django does around each request (request_started / request_finished).
        connection.close_if_unusable_or_obsolete()
        connection.close_if_health_check_failed()
        clock[0] += 0.01
        connection.close_if_unusable_or_obsolete()

    connection.last_request_at = None
    request()
    assert pings == [1000.0]  # never used by a request before: checked
    clock[0] += 1
    request()
    clock[0] += base.IDLE_SECONDS - 0.5
    request()
    assert pings == [1000.0]  # busy: no round trip spent on a ping
    clock[0] += base.IDLE_SECONDS + 1
    request()
    assert len(pings) == 2  # idle for a while: checked again before it is used
    assert connection.connection is not None
