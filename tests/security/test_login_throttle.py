"""Log-in throttling does what it says: windows that end when they say, counts per account
as well as per address without a lock-out, and the same counts on every way in."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from annotations.auth_views import MAX_FAILURES, TOO_MANY_ATTEMPTS, WINDOW_SECONDS
from tests.factories import PASSWORD, UserFactory

ADDRESS = "203.0.113.7"
# OWASP ASVS 2.2.1: no more than 100 failed attempts per hour on one account.
ASVS_FAILURES_PER_HOUR = 100
# A real user is slowed, never shut out: the longest an account's delay may get.
LONGEST_WAIT = 60


def _log_in(password: str, address: str = ADDRESS, username: str = "ada"):
    return Client().post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _address(n: int) -> str:
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


@pytest.mark.django_db
def test_the_address_window_ends_when_retry_after_says(clock):
    UserFactory(username="ada")
    for n in range(MAX_FAILURES):
        assert _log_in(f"guess-{n}").status_code == 200
    clock.advance(20)
    throttled = _log_in(PASSWORD)
    assert throttled.status_code == 429
    wait = int(throttled["Retry-After"])
    # The oldest failure counts for a minute from when it happened (a little earlier than 20 s
    # ago on a slow machine), not from the latest failure.
    assert 3 <= wait <= WINDOW_SECONDS - 19
    # Refusals do not push the end of the window back.
    clock.advance(wait - 2)
    assert _log_in(PASSWORD).status_code == 429
    clock.advance(2)
    assert _log_in(PASSWORD).status_code == 302


@pytest.mark.django_db
def test_failures_against_one_account_from_many_addresses_are_slowed(clock):
    UserFactory(username="ada")
    codes = [_log_in(f"guess-{n}", address=_address(n)).status_code for n in range(30)]
    assert 200 in codes and 429 in codes
    slowed = _log_in(PASSWORD, address=_address(99))
    assert slowed.status_code == 429
    assert 1 <= int(slowed["Retry-After"]) <= LONGEST_WAIT
    assert "_auth_user_id" not in Client().session


@pytest.mark.django_db
def test_an_account_takes_no_more_than_100_failures_an_hour(clock):
    UserFactory(username="ada")
    failures, n, elapsed = 0, 0, 0.0
    # An attacker with a fresh address for every guess, as fast as the throttle lets them.
    while elapsed < 3600 and failures <= ASVS_FAILURES_PER_HOUR:
        response = _log_in(f"guess-{n}", address=_address(n))
        n += 1
        if response.status_code == 429:
            wait = int(response["Retry-After"])
            assert wait <= LONGEST_WAIT
            step = wait
        else:
            assert response.status_code == 200
            failures += 1
            step = 0.5
        clock.advance(step)
        elapsed += step
    assert failures <= ASVS_FAILURES_PER_HOUR


@pytest.mark.django_db
def test_the_real_user_gets_in_after_at_most_a_minute_whatever_the_attacker_did(clock):
    UserFactory(username="ada")
    failures, n = 0, 0
    while failures < 40:
        response = _log_in(f"guess-{n}", address=_address(n))
        n += 1
        if response.status_code == 429:
            clock.advance(int(response["Retry-After"]))
        else:
            failures += 1
    # The attacker has just failed again: the user, at home, is asked to wait, not locked out.
    response = _log_in(PASSWORD, address="192.0.2.50")
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= LONGEST_WAIT
    clock.advance(int(response["Retry-After"]))
    assert _log_in(PASSWORD, address="192.0.2.50").status_code == 302


@pytest.mark.django_db
def test_the_page_the_admin_and_the_token_endpoint_share_the_count():
    UserFactory(username="ada", is_staff=True)
    half = MAX_FAILURES // 2
    for n in range(half):
        _log_in(f"guess-{n}")
    for n in range(MAX_FAILURES - half):
        Client().post(
            "/admin/login/", {"username": "ada", "password": f"g{n}"}, REMOTE_ADDR=ADDRESS
        )
    response = APIClient().post(
        "/api/auth/token/",
        {"username": "ada", "password": PASSWORD},
        format="json",
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 429
    body = response.json()
    assert body["detail"].startswith(TOO_MANY_ATTEMPTS)  # and DRF's "Expected available in…"
    assert body["errors"] == {}
    assert int(response["Retry-After"]) <= WINDOW_SECONDS


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/password_change/", "/admin/password_change/"])
def test_the_old_password_of_a_password_change_is_throttled(url):
    ada = UserFactory(username="ada", is_staff=True)
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(ada)
    change = {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"}
    for n in range(MAX_FAILURES):
        wrong = client.post(url, {"old_password": f"guess-{n}", **change})
        assert wrong.status_code == 200
    throttled = client.post(url, {"old_password": PASSWORD, **change})
    assert throttled.status_code == 429
    assert 1 <= int(throttled["Retry-After"]) <= WINDOW_SECONDS
    assert TOO_MANY_ATTEMPTS in throttled.content.decode()
    assert get_user_model().objects.get(pk=ada.pk).check_password(PASSWORD)
