import pytest
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory


def _signed_in(username: str) -> APIClient:
    client = APIClient()
    response = client.post(
        "/api/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


@pytest.mark.django_db
def test_project_from_creation_to_a_submitted_annotation():
    UserFactory(username="maria")
    UserFactory(username="ali")
    manager = _signed_in("maria")

    project = manager.post("/api/projects/", {"name": "Sahel news"}, format="json").json()
    p = project["id"]
    per = manager.post(
        f"/api/projects/{p}/labels/",
        {"name": "PER", "kind": "entity", "shortcut": "p"},
        format="json",
    ).json()
    claim = manager.post(
        f"/api/projects/{p}/labels/", {"name": "CLAIM", "kind": "claim"}, format="json"
    ).json()
    against = manager.post(
        f"/api/projects/{p}/labels/", {"name": "AGAINST", "kind": "stance"}, format="json"
    ).json()
    target = manager.post(
        f"/api/projects/{p}/targets/", {"name": "the French intervention"}, format="json"
    ).json()
    member = manager.post(
        f"/api/projects/{p}/members/", {"username": "ali", "role": "annotator"}, format="json"
    )
    assert member.status_code == 201
    text = "Keita said the French troops must leave. 🇲🇱 Crowds agreed."
    report = manager.post(
        f"/api/projects/{p}/documents/", [{"text": text, "external_id": "bamako-1"}], format="json"
    )
    assert report.status_code == 201

    annotator = _signed_in("ali")
    documents = annotator.get(f"/api/projects/{p}/documents/").json()
    assert [(d["external_id"], d["status"]) for d in documents["results"]] == [("bamako-1", "new")]
    d = documents["results"][0]["id"]
    annotation = annotator.post(f"/api/documents/{d}/annotations/").json()
    a = annotation["id"]

    keita = annotator.post(
        f"/api/annotations/{a}/spans/",
        {"label": per["id"], "start": 0, "end": 5, "text": "Keita"},
        format="json",
    ).json()
    said = annotator.post(
        f"/api/annotations/{a}/spans/",
        {
            "label": claim["id"],
            "start": 11,
            "end": 39,
            "text": text[11:39],
            "claimant": keita["id"],
            "checkworthy": "yes",
        },
        format="json",
    ).json()
    stance = annotator.post(
        f"/api/annotations/{a}/stances/",
        {
            "target": target["id"],
            "label": against["id"],
            "holder": keita["id"],
            "evidence": said["id"],
        },
        format="json",
    ).json()
    assert stance["version"] == 4

    detail = annotator.get(f"/api/annotations/{a}/").json()
    assert [s["label_name"] for s in detail["spans"]] == ["PER", "CLAIM"]
    assert detail["spans"][1]["claimant"] == keita["id"]
    assert detail["stances"][0]["target_name"] == "the French intervention"

    submitted = annotator.patch(
        f"/api/annotations/{a}/",
        {"status": "submitted", "version": detail["version"]},
        format="json",
    )
    assert submitted.status_code == 200
    assert submitted.json()["version"] == 5
    statuses = annotator.get(f"/api/projects/{p}/documents/?status=submitted").json()
    assert [doc["id"] for doc in statuses["results"]] == [d]
    # The manager sees the annotator's work; nobody else's project sees anything.
    assert manager.get(f"/api/annotations/{a}/").status_code == 200
