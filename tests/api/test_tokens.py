import logging

import pytest

from tests.factories import PASSWORD, UserFactory


@pytest.mark.django_db
def test_token_for_good_credentials_authenticates_later_requests(api):
    UserFactory(username="ada")
    response = api.post(
        "/api/auth/token/", {"username": "ada", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/projects/").status_code == 200


@pytest.mark.django_db
def test_token_refused_for_a_wrong_password_and_logged(api, caplog):
    UserFactory(username="ada")
    with caplog.at_level(logging.WARNING, logger="annotations.api.auth"):
        response = api.post(
            "/api/auth/token/", {"username": "ada", "password": "wrong"}, format="json"
        )
    assert response.status_code == 400
    assert response.json()["errors"] == {"non_field_errors": [response.json()["detail"]]}
    assert "ada" in caplog.text


@pytest.mark.django_db
def test_token_requests_are_throttled(api):
    codes = [
        api.post("/api/auth/token/", {"username": "x", "password": "y"}, format="json").status_code
        for _ in range(11)
    ]
    assert codes == [400] * 10 + [429]


@pytest.mark.django_db
def test_token_request_names_missing_and_unknown_fields(api):
    response = api.post("/api/auth/token/", {"username": "ada", "pasword": "x"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"password", "pasword"}


@pytest.mark.django_db
def test_session_writes_need_a_csrf_token(world):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.login(username="manager", password=PASSWORD)
    response = client.post("/api/projects/", {"name": "X"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.mark.django_db
def test_a_token_authenticates_as_its_user_until_it_is_deleted_or_the_user_deactivated(api):
    from rest_framework.authtoken.models import Token

    ada = UserFactory(username="ada")
    token = Token.objects.create(user=ada)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    me = api.get("/api/projects/")
    assert me.status_code == 200

    ada.is_active = False
    ada.save()
    refused = api.get("/api/projects/")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "User inactive or deleted."

    ada.is_active = True
    ada.save()
    token.delete()
    gone = api.get("/api/projects/")
    assert gone.status_code == 401
    assert gone.json()["detail"] == "Invalid token."
    assert gone["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "detail"),
    [
        ("0" * 40, "Invalid token."),
        ("x", "Invalid token."),
        ("'--;", "Invalid token."),
        ("é" * 40, "Invalid token header. Token string should not contain invalid characters."),
        ("' OR '1'='1", "Invalid token header. Token string should not contain spaces."),
    ],
)
def test_unknown_token_keys_answer_401(api, key, detail):
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/projects/")
    assert response.status_code == 401
    assert response.json()["detail"] == detail
