"""The token endpoint counts failures per address, and the address is one a client cannot pick.

Against a real gunicorn with several workers: without a proxy the count is per connection
(the socket's peer), whatever X-Forwarded-For says; behind one (BEHIND_PROXY=1) it is per the
address that proxy appended, the last entry.
"""

import secrets
from concurrent.futures import ThreadPoolExecutor

from annotations.auth_views import MAX_FAILURES
from tests.factories import PASSWORD

TOKEN_URL = "/api/auth/token/"


def _guess(client, username: str = "ada", **headers: str) -> int:
    response = client.post(
        TOKEN_URL, json={"username": username, "password": secrets.token_hex(8)}, headers=headers
    )
    return response.status_code


def _random_address() -> str:
    return f"198.51.{secrets.randbelow(256)}.{secrets.randbelow(256)}"


def test_a_forged_x_forwarded_for_does_not_pick_a_fresh_count(gunicorn):
    server = gunicorn()
    with server.client() as client:
        codes = [
            _guess(client, f"user{n}", **{"X-Forwarded-For": _random_address()})
            for n in range(MAX_FAILURES + 5)
        ]
    assert codes == [400] * MAX_FAILURES + [429] * 5


def test_a_forged_victims_address_does_not_lock_the_victim_out(gunicorn):
    server = gunicorn()
    with server.client("127.0.0.2") as attacker:
        codes = [
            _guess(attacker, f"user{n}", **{"X-Forwarded-For": "127.0.0.3"})
            for n in range(MAX_FAILURES + 2)
        ]
    assert codes[-1] == 429
    with server.client("127.0.0.3") as victim:
        response = victim.post(TOKEN_URL, json={"username": "victim", "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert response.json()["token"]


def test_behind_the_proxy_the_address_it_appended_is_counted(gunicorn):
    server = gunicorn(BEHIND_PROXY="1")
    with server.client() as proxy:
        # The client wrote the first entry, a different one each time; the proxy the last.
        codes = [
            _guess(proxy, f"user{n}", **{"X-Forwarded-For": f"{_random_address()}, 203.0.113.9"})
            for n in range(MAX_FAILURES + 2)
        ]
        assert codes == [400] * MAX_FAILURES + [429] * 2
        # Another client behind the same proxy, whatever the first entry says, is not held back.
        forged = {"X-Forwarded-For": "203.0.113.9, 192.0.2.44"}
        assert _guess(proxy, "someone", **forged) == 400


def test_parallel_guesses_from_one_address_get_no_more_than_the_limit(gunicorn):
    server = gunicorn()
    attempts = 4 * MAX_FAILURES

    def guess(n: int) -> int:
        with server.client() as client:
            return _guess(client, f"user{n}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(guess, range(attempts)))
    assert codes.count(400) == MAX_FAILURES
    assert codes.count(429) == attempts - MAX_FAILURES
