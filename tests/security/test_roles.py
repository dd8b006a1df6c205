"""Export and release downloads follow one rule: reviewers may take both, annotators neither."""

import pytest

from tests.api.conftest import client_for
from tests.exports.conftest import build_dataset

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_reviewers_export_gold_as_they_download_releases():
    # Reviewers read every annotation already; the export was refused to them (403) while
    # the release download, the same data frozen, was not.
    dataset = build_dataset()
    url = f"/api/projects/{dataset.project.pk}/export/"
    response = client_for(dataset.users["reviewer"]).get(url)
    assert response.status_code == 200
    exported = _body(response)
    assert exported.count(b"\n") >= 1
    assert exported == _body(client_for(dataset.users["manager"]).get(url))


@pytest.mark.parametrize(("role", "status"), [("alice", 403), ("outsider", 404)])
def test_annotators_are_refused_the_export_and_outsiders_do_not_see_it(role, status):
    dataset = build_dataset()
    response = client_for(dataset.users[role]).get(f"/api/projects/{dataset.project.pk}/export/")
    assert response.status_code == status
