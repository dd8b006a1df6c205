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
