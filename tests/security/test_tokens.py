"""API tokens expire, can be revoked by their user, and die with a password change."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotations import selectors
from annotations.db import hotpath
from annotations.passwords import PASSWORD_CHANGE_REVOKES
from annotations.views import tokens as token_views
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def api(db) -> APIClient:
    cache.clear()  # the token throttle counts in the database cache
    return APIClient()


def _issue(api: APIClient, username: str = "ada", password: str = PASSWORD) -> str:
    response = api.post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _age(token_key: str, days: float) -> None:
    Token.objects.filter(key=token_key).update(created=timezone.now() - timedelta(days=days))


def _projects_with(key: str):
    return APIClient().get("/api/projects/", HTTP_AUTHORIZATION=f"Token {key}")


def test_a_token_past_its_lifetime_answers_401_like_an_unknown_one(api, settings):
    settings.TOKEN_LIFETIME_DAYS = 30
    UserFactory(username="ada")
    key = _issue(api)
    _age(key, 29.9)
    assert _projects_with(key).status_code == 200
    _age(key, 30)
    expired = _projects_with(key)
    unknown = _projects_with("0" * 40)
    assert expired.status_code == unknown.status_code == 401
    assert expired.json() == unknown.json()
    assert expired["WWW-Authenticate"] == "Token"


def test_asking_again_after_expiry_hands_out_a_new_key(api, settings):
    settings.TOKEN_LIFETIME_DAYS = 30
    UserFactory(username="ada")
    first = _issue(api)
    assert _issue(api) == first  # still live: the same key
    _age(first, 31)
    second = _issue(api)
    assert second != first
    assert _projects_with(second).status_code == 200
    assert _projects_with(first).status_code == 401


def test_delete_revokes_the_callers_token(api):
    UserFactory(username="ada")
    key = _issue(api)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.delete("/api/auth/token/")
    assert response.status_code == 204
    assert not Token.objects.filter(key=key).exists()
    assert _projects_with(key).status_code == 401
    # Revoked means gone: a new POST makes a new key.
    assert _issue(APIClient()) != key


def test_delete_without_credentials_answers_401(api):
    response = api.delete("/api/auth/token/")
    assert response.status_code == 401


def test_delete_with_a_session_needs_csrf_and_revokes_the_users_token(api):
    ada = UserFactory(username="ada")
    key = _issue(api)
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(ada)
    assert browser.delete("/api/auth/token/").status_code == 403  # no CSRF token
    assert Token.objects.filter(key=key).exists()


def test_a_password_change_revokes_the_users_token(api):
    ada = UserFactory(username="ada")
    old = _issue(api)
    ada.set_password("a-new-long-passphrase")
    ada.save()
    assert _projects_with(old).status_code == 401
    new = _issue(api, password="a-new-long-passphrase")
    assert new != old


def test_the_password_change_page_revokes_the_token_and_says_so(api, client):
    ada = UserFactory(username="ada")
    old = _issue(api)
    client.force_login(ada)
    page = client.get("/accounts/password_change/")
    assert PASSWORD_CHANGE_REVOKES in page.content.decode()
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
    )
    assert response.status_code == 302
    assert _projects_with(old).status_code == 401


def test_a_hash_upgrade_at_log_in_keeps_the_token(api, settings):
    # Django re-hashes a password when the hasher changes; that is no password change.
    ada = UserFactory(username="ada")
    key = _issue(api)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert ada.check_password(PASSWORD)
    ada.refresh_from_db()
    assert ada.password.startswith("pbkdf2_")
    assert _projects_with(key).status_code == 200


def test_the_token_read_stays_one_query_and_equal_to_the_orm(api, django_assert_num_queries):
    UserFactory(username="ada")
    key = _issue(api)
    with django_assert_num_queries(1):
        token = selectors.token_get(key=key)
    orm = Token.objects.select_related("user").filter(key=key).first()
    assert token is not None and orm is not None
    assert (token.key, token.user_id, token.created) == (orm.key, orm.user_id, orm.created)
    assert token.user.__dict__.keys() >= {"username", "password", "is_active"}
    assert (token.user.username, token.user.is_active) == (orm.user.username, orm.user.is_active)
    assert hotpath.token_with_user(key="0" * 40) is None


def test_a_token_request_runs_as_many_queries_as_before(api, django_assert_num_queries):
    UserFactory(username="ada")
    key = _issue(api)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.get("/api/projects/")  # warm
    with django_assert_num_queries(2):  # the token and its user; the count (nothing to list)
        assert client.get("/api/projects/").status_code == 200


def test_the_token_page_shows_the_key_start_its_age_and_expiry(api, client, settings):
    settings.TOKEN_LIFETIME_DAYS = 30
    ada = UserFactory(username="ada")
    key = _issue(api)
    _age(key, 3)
    client.force_login(ada)
    page = client.get("/account/token/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"<code>{key[: token_views.KEY_SHOWN]}…</code>" in html
    assert key not in html  # never the whole key
    assert "3\xa0days ago" in html
    expires = (timezone.now() - timedelta(days=3) + timedelta(days=30)).strftime("%Y-%m-%d")
    assert expires in html


def test_the_token_page_revokes_the_token(api, client):
    ada = UserFactory(username="ada")
    key = _issue(api)
    client.force_login(ada)
    response = client.post("/account/token/revoke/", follow=True)
    assert response.redirect_chain[-1][0] == "/account/token/"
    assert token_views.TOKEN_REVOKED in response.content.decode()
    assert 'id="no-token"' in response.content.decode()
    assert _projects_with(key).status_code == 401


def test_the_token_page_is_for_signed_in_users_only(client, db):
    response = client.get("/account/token/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post("/account/token/revoke/").status_code == 302
