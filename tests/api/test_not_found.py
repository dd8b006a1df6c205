"""Unknown URLs under /api/ answer the API's JSON error shape; pages keep Django's 404."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/nothing-here/", "/api/events/-5/revert/"])
def test_unknown_api_url_answers_json(client, path):
    response = client.post(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "errors": {}}


@pytest.mark.django_db
def test_unknown_page_answers_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
