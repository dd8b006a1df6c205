"""Pages and responses: no-store caching, no password-reset pages, idle sessions, DEBUG off."""

import os
import subprocess
import sys

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import client_for
from tests.exports.conftest import build_dataset
from tests.factories import ReleaseFactory, ReleaseFileFactory, UserFactory
from tests.test_settings import CONFIG_VARIABLES, PROJECT_ROOT, manage

pytestmark = pytest.mark.django_db


# Cache-Control: no-store


def test_a_signed_in_page_is_not_stored(client):
    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_an_api_response_is_not_stored():
    token = Token.objects.create(user=UserFactory())
    response = APIClient().get("/api/projects/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_an_export_is_not_stored():
    dataset = build_dataset()
    response = client_for(dataset.users["manager"]).get(
        f"/api/projects/{dataset.project.pk}/export/?format=jsonl"
    )
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert response["Cache-Control"] == "no-store"


def test_a_release_download_is_not_stored():
    dataset = build_dataset()
    release = ReleaseFactory(project=dataset.project)
    ReleaseFileFactory(release=release, format="jsonl", content=b'{"id": 1}\n')
    response = client_for(dataset.users["manager"]).get(
        f"/api/releases/{release.pk}/download/?format=jsonl"
    )
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert response["Cache-Control"] == "no-store"


# No password-reset pages


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/MQ/set-password/",
        "/accounts/reset/done/",
    ],
)
def test_password_reset_pages_do_not_exist(client, path):
    assert client.get(path).status_code == 404
    assert client.post(path, {"email": "ada@example.org"}).status_code == 404


def test_log_out_and_password_change_are_still_there(client):
    client.force_login(UserFactory())
    assert client.get("/accounts/password_change/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302


# Sessions end when idle


def _session(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key)


def test_sessions_last_eight_hours_from_the_last_request_by_default():
    show = "from django.conf import settings; print(settings.SESSION_COOKIE_AGE)"
    result = manage("shell", "--no-imports", "-c", show)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.split()[-1]) == 8 * 3600
    result = manage("shell", "--no-imports", "-c", show, SESSION_IDLE_MINUTES="30")
    assert int(result.stdout.split()[-1]) == 30 * 60


def test_a_request_moves_the_sessions_end_to_the_idle_limit_from_now(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from annotations import middleware

    settings.SESSION_COOKIE_AGE = 8 * 3600
    client.force_login(UserFactory())
    session = _session(client)
    # As if idle for 7 hours 50 minutes: ten minutes left, last seen long ago.
    session.expire_date = timezone.now() + timedelta(minutes=10)
    data = session.get_decoded()
    data[middleware.LAST_SEEN] = 0
    session.session_data = session.get_session_store_class()().encode(data)
    session.save()

    response = client.get("/")
    assert response.status_code == 200
    left = _session(client).expire_date - timezone.now()
    assert timedelta(hours=7, minutes=59) < left <= timedelta(hours=8)
    assert response.cookies["sessionid"]["max-age"] == 8 * 3600


def test_a_session_idle_past_the_limit_is_signed_out(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.SESSION_COOKIE_AGE = 8 * 3600
    client.force_login(UserFactory())
    session = _session(client)
    session.expire_date = timezone.now() - timedelta(minutes=1)
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_requests_within_a_minute_do_not_write_the_session_again(client):
    client.force_login(UserFactory())
    client.get("/")
    before = _session(client).expire_date
    client.get("/")
    assert _session(client).expire_date == before


def test_an_anonymous_visit_makes_no_session(client):
    from django.contrib.sessions.models import Session

    client.get("/accounts/login/")
    assert Session.objects.count() == 0


# DEBUG is off unless set


def _fresh(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """Python in a fresh process with none of the settings' variables but ``variables``."""
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_VARIABLES}
    env.update(variables)
    return subprocess.run(  # noqa: S603 - our own interpreter, no shell
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_debug_set_debug_is_off_and_a_secret_key_is_required():
    refused = _fresh("-c", "import workbench.wsgi")  # what a bare gunicorn loads
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr
    assert "SECRET_KEY" in refused.stderr

    show = "from django.conf import settings; print(settings.DEBUG)"
    shown = _fresh("manage.py", "shell", "--no-imports", "-c", show, SECRET_KEY="k" * 50)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split()[-1] == "False"


def test_the_wsgi_application_starts_with_debug_off_and_shows_no_debug_page():
    # What a bare `gunicorn workbench.wsgi` imports, and what an unknown URL then shows.
    probe = (
        "import workbench.wsgi; from django.conf import settings; "
        "from django.test import Client; "
        "r = Client().get('/no-such-page/', HTTP_HOST='example.org', secure=True); "
        "print(settings.DEBUG, r.status_code, b'URLconf' in r.content)"
    )
    done = _fresh("-c", probe, SECRET_KEY="k" * 50, ALLOWED_HOSTS="example.org")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-3:] == ["False", "404", "False"]
