"""/healthz: what a load balancer sees of a web host (annotations/health.py)."""

import socket

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from annotations.health import DATABASE_UNREACHABLE, health_forget

BALANCER_HOST = "10.77.0.11:8000"  # a probe names the host's address, not the site


@pytest.fixture(autouse=True)
def _migrations_checked_afresh():
    health_forget()
    yield
    health_forget()


@pytest.fixture
def production(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["annotate.example.org"]


@pytest.mark.django_db
def test_healthz_answers_ok_to_a_probe_by_address_over_plain_http(client, production):
    response = client.get("/healthz", HTTP_HOST=BALANCER_HOST)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies
    assert client.head("/healthz", HTTP_HOST=BALANCER_HOST).status_code == 200
    # Any other page, asked the same way, is refused: the probe is let through on purpose.
    assert client.get("/accounts/login/", HTTP_HOST=BALANCER_HOST).status_code == 400


@pytest.mark.django_db
def test_healthz_costs_one_query_once_the_migrations_were_found_applied(
    client, django_assert_num_queries
):
    assert client.get("/healthz").status_code == 200

    with django_assert_num_queries(1):
        assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_answers_503_naming_a_migration_not_applied(client):
    latest = MigrationRecorder.Migration.objects.filter(app="annotations").order_by("-name").first()
    latest.delete()

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    (message,) = response.json()["errors"]["migrations"]
    assert message.startswith("1 migration(s) not applied: ")
    assert f"annotations.{latest.name}" in message


def _nothing_listening() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_while_the_database_is_unreachable_and_200_after(client, tmp_path):
    saved = dict(connection.settings_dict)
    if connection.vendor == "postgresql":
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_nothing_listening()))
    else:
        connection.settings_dict["NAME"] = str(tmp_path / "no such directory" / "db.sqlite3")
    connection.close()
    try:
        down = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.update(saved)

    assert down.status_code == 503
    assert down.json() == {"status": "unavailable", "errors": {"database": [DATABASE_UNREACHABLE]}}
    assert client.get("/healthz").status_code == 200
