"""One user's API writes are held to API_WRITE_RATE, on every worker together."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.api.conftest import client_for
from tests.factories import UserFactory
from tests.security.conftest import WORKERS

RATE = 5


def _create(client, n: int):
    return client.post("/api/projects/", {"name": f"P{n}"}, format="json")


@pytest.mark.django_db
def test_a_users_writes_past_the_rate_answer_429_in_the_error_shape(settings, clock):
    settings.API_WRITE_RATE = f"{RATE}/minute"
    clock.advance(60 - clock.time() % 60)  # the start of a minute: the window is whole
    ada = client_for(UserFactory(username="ada"))
    codes = [_create(ada, n).status_code for n in range(RATE)]
    assert codes == [201] * RATE
    refused = _create(ada, RATE)
    assert refused.status_code == 429
    assert set(refused.json()) == {"detail", "errors"}
    wait = int(refused["Retry-After"])
    assert 1 <= wait <= 60
    # Reads go on; so do another user's writes.
    assert ada.get("/api/projects/").status_code == 200
    assert _create(client_for(UserFactory(username="bob")), 99).status_code == 201
    clock.advance(wait)
    assert _create(ada, RATE + 1).status_code == 201


@pytest.mark.django_db
def test_the_default_write_rate_is_generous(settings):
    rate = int(settings.API_WRITE_RATE.split("/")[0])
    assert rate >= 600
    ada = client_for(UserFactory(username="ada"))
    assert all(_create(ada, n).status_code == 201 for n in range(60))


def test_the_write_rate_holds_across_every_worker(gunicorn):
    limit = 20
    # Per day: a window boundary in the middle of the test is all but impossible.
    server = gunicorn(API_WRITE_RATE=f"{limit}/day")
    headers = {"Authorization": f"Token {server.token}"}

    def create(n: int) -> tuple[int, str, dict]:
        with server.client() as client:
            response = client.post("/api/projects/", json={"name": f"P{n}"}, headers=headers)
            return response.status_code, response.headers.get("Retry-After", ""), response.json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(create, range(2 * limit)))
    created = [answer for answer in answers if answer[0] == 201]
    refused = [answer for answer in answers if answer[0] == 429]
    assert len(created) + len(refused) == len(answers)
    # Exact for one process; each further worker may add its first unbooked write.
    assert limit <= len(created) <= limit + WORKERS - 1
    assert all(int(wait) > 0 and set(body) == {"detail", "errors"} for _, wait, body in refused)
