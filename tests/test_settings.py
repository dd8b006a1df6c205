"""Settings: SQLite ready for concurrent writers, and configuration read from the environment."""

import json
import os
import secrets
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction

from annotations.models import Document, Project
from tests.factories import ProjectFactory

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Everything settings.py reads from the environment, cleared so each run states its own.
CONFIG_VARIABLES = [
    "DATABASE_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "BEHIND_PROXY",
    "IMPORT_MAX_BYTES",
    "LOG_LEVEL",
    "TASKS_BACKEND",
    "DATABASE_PREPARED_STATEMENTS",
    # Set by tests/browser/conftest.py for Playwright; `check --deploy` rightly refuses it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
]
# Prints the parts of the settings that the tests below look at, as one JSON line.
PRINT_SETTINGS = (
    "import json; from django.conf import settings; db = settings.DATABASES['default']; "
    "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']), 'host': db['HOST'], "
    "'port': db['PORT'], 'user': db['USER'], 'options': db.get('OPTIONS', {}), "
    "'conn_max_age': db['CONN_MAX_AGE'], 'debug': settings.DEBUG, "
    "'allowed_hosts': settings.ALLOWED_HOSTS}))"
)

THREADS = 8
TRANSACTIONS_PER_THREAD = 25


def manage(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py`` in a fresh process with only ``variables`` configured (and DEBUG=1,
    local use, unless ``variables`` say otherwise: DEBUG is off when unset)."""
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_VARIABLES}
    env.update({"DEBUG": "1", **variables})
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py, no shell
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def settings_for(**variables: str) -> dict:
    """The settings a fresh process builds from ``variables``."""
    result = manage("shell", "--no-imports", "-c", PRINT_SETTINGS, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def production_variables() -> dict[str, str]:
    return {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "example.org"}


# SQLite set up for several writers at once. These run against a scratch SQLite file in a
# fresh process, so they hold whichever database the suite itself runs on.
SQLITE_PROBE = """
import json, sqlite3
from django.db import connection, transaction
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    busy = cursor.fetchone()[0]
other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
with transaction.atomic():
    try:
        other.execute("BEGIN IMMEDIATE")
        locked_up_front = False
        other.rollback()
    except sqlite3.OperationalError as error:
        locked_up_front = "locked" in str(error)
other.execute("BEGIN IMMEDIATE")
other.rollback()
print(json.dumps({"journal": journal, "busy": busy, "locked_up_front": locked_up_front}))
"""


@pytest.fixture(scope="module")
def sqlite_probe(tmp_path_factory) -> dict:
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'probe.sqlite3'}"
    result = manage("shell", "--no-imports", "-c", SQLITE_PROBE, DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sqlite_connection_uses_the_wal_journal(sqlite_probe):
    assert sqlite_probe["journal"] == "wal"


def test_sqlite_connection_waits_for_the_write_lock_instead_of_failing(sqlite_probe):
    assert sqlite_probe["busy"] >= 5000  # milliseconds


def test_sqlite_transactions_take_the_write_lock_up_front(sqlite_probe):
    # Nothing written yet, but BEGIN IMMEDIATE already holds the write lock: a second
    # writer queues behind it rather than deadlocking on a later lock upgrade.
    assert sqlite_probe["locked_up_front"] is True


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_all_succeed_without_database_is_locked():
    project_id = ProjectFactory().pk
    start_together = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def annotator(number: int) -> None:
        try:
            start_together.wait()
            for index in range(TRANSACTIONS_PER_THREAD):
                text = f"Writer {number}, document {index}."
                # Read, then write: with a deferred transaction the write would need a lock
                # upgrade, which SQLite refuses outright ("database is locked") under contention.
                with transaction.atomic():
                    project = Project.objects.get(pk=project_id)
                    Document.objects.create(
                        project=project,
                        text=text,
                        content_hash=f"{number:032x}{index:032x}",
                    )
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=annotator, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert Document.objects.filter(project_id=project_id).count() == (
        THREADS * TRANSACTIONS_PER_THREAD
    )


# Configuration from the environment, each in a fresh process.


def test_production_without_secret_key_refuses_to_start():
    # Serving starts from the WSGI application (gunicorn, and runserver through it).
    result = manage("runserver", "127.0.0.1:0", "--noreload", DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "command",
    [("check",), ("makemigrations", "--check", "--dry-run"), ("showmigrations", "--list")],
)
def test_tooling_runs_with_nothing_configured(command):
    # The settings load without a SECRET_KEY; only serving needs one.
    result = manage(*command, DEBUG="0")
    assert result.returncode == 0, result.stderr


def test_deploy_check_is_clean_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production_variables())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_reports_a_production_setting_turned_off():
    # The clean deploy check above means something: turning off a protection is reported.
    variables = {**production_variables(), "SECURE_SSL_REDIRECT": "0"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **variables)
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


def test_database_url_selects_postgresql():
    configured = settings_for(
        DATABASE_URL="postgres://workbench:s3cret@db.example.org:5433/annotations",
        **production_variables(),
    )
    # Django's PostgreSQL backend, pinging idle connections only (workbench/postgresql).
    assert configured["engine"] == "workbench.postgresql"
    assert (configured["name"], configured["host"], configured["port"]) == (
        "annotations",
        "db.example.org",
        5433,
    )
    assert configured["user"] == "workbench"
    # SQLite's options would make psycopg refuse to connect.
    assert "transaction_mode" not in configured["options"]
    assert configured["conn_max_age"] == 60
    # The hot-path statements are prepared (rows.py) unless a pooler cannot keep them.
    assert configured["options"]["prepare_threshold"] == 0
    pooled = settings_for(
        DATABASE_URL="postgres://workbench@db.example.org/annotations",
        DATABASE_PREPARED_STATEMENTS="0",
        **production_variables(),
    )
    assert "prepare_threshold" not in pooled["options"]


def test_without_database_url_the_database_is_the_sqlite_file_in_the_project():
    configured = settings_for()
    assert configured["engine"] == "django.db.backends.sqlite3"
    assert configured["name"] == str(PROJECT_ROOT / "db.sqlite3")
    assert configured["options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in configured["options"]["init_command"]
    assert configured["debug"] is True


def test_allowed_hosts_come_from_a_comma_separated_variable():
    configured = settings_for(ALLOWED_HOSTS=" example.org, api.example.org ,,")
    assert configured["allowed_hosts"] == ["example.org", "api.example.org"]


def test_allowed_hosts_default_to_the_loopback_names():
    assert settings_for()["allowed_hosts"] == ["127.0.0.1", "localhost", "[::1]"]


def test_log_in_failures_are_counted_once_for_every_server_process(tmp_path):
    """The throttle's cache is the database: two processes add to one count, after migrate."""
    database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    migrated = manage("migrate", "--noinput", DATABASE_URL=database)
    assert migrated.returncode == 0, migrated.stderr
    record = "from annotations.auth_views import login_failure_record as r; print(r('203.0.113.9'))"
    counts = []
    for _process in range(3):
        result = manage("shell", "--no-imports", "-c", record, DATABASE_URL=database)
        assert result.returncode == 0, result.stderr
        counts.append(int(result.stdout.strip().splitlines()[-1]))
    assert counts == [1, 2, 3]


def test_behind_a_proxy_the_address_it_appended_is_counted_not_the_proxys(settings, rf):
    from annotations.auth_views import client_address

    request = rf.get(
        "/accounts/login/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9",
    )
    settings.BEHIND_PROXY = False
    assert client_address(request) == "10.0.0.2"
    settings.BEHIND_PROXY = True
    # The last entry is the one the proxy wrote; the client could have written the first.
    assert client_address(request) == "203.0.113.9"
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
