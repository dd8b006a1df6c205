"""Throttles: failed log-ins per address and per account, and API writes per user.

Every count lives in Django's cache, the database cache (settings.CACHES), so all server
processes and machines share it. The database cache has no atomic increment (its ``incr`` is
a read then a ``set`` that also restarts the entry's timeout), so nothing here increments: a
failure *claims a slot* with ``cache.add``, which only one caller can win, and a count is the
number of slots taken. Each slot expires on its own, a window after its failure, so a window
never restarts and ``Retry-After`` is the moment the oldest failure stops counting.

Log-in (the page, the admin, the token endpoint and the password-change forms' old password
all go through ``login_attempt``):

- per client address: ``ADDRESS_FAILURES`` failures in ``ADDRESS_WINDOW`` seconds; past that,
  every attempt from the address is refused (429) without checking the password;
- per account (the username as typed, case-folded; whether or not it exists, so a refusal
  tells nothing): the first ``ACCOUNT_FREE_FAILURES`` failures in ``ACCOUNT_WINDOW`` cost
  nothing; after that each failure makes the next attempt wait twice as long, up to
  ``ACCOUNT_MAX_DELAY`` seconds: a progressive delay, not a lock, so an attacker can slow the
  real user to one try a minute but never shut them out. That allows about 75 failures an
  hour; ``ACCOUNT_FAILURES`` (100, OWASP ASVS 2.2.1) is a hard cap on top.

A slot is claimed *before* the password is checked and handed back on success, so parallel
requests cannot all pass a check that only one of them should; while an account is slowed its
attempts also take a turn (one at a time).

API writes (``WriteRateThrottle``): per user, ``settings.API_WRITE_RATE`` per period in fixed
windows. Booking every write in the database would cost a key press five queries, so each
process counts a user's writes in memory and books them in the shared count a block at a time
(a fiftieth of the rate, at most 25). A process's first block is not booked, so one process
alone allows exactly the rate, and the limit holds across every process and machine to within
one block for each further process writing for the user.
"""

import hashlib
import math
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

if TYPE_CHECKING:
    # Only for the type checker: DRF imports this module while it builds APIView.
    from rest_framework.views import APIView

ADDRESS_FAILURES = 10
ADDRESS_WINDOW = 60
ACCOUNT_FAILURES = 100
ACCOUNT_WINDOW = 3600
ACCOUNT_FREE_FAILURES = 10
ACCOUNT_MAX_DELAY = 60
# How long a slowed account's turn is held at most if its process dies mid-attempt.
TURN_TIMEOUT = 30

TOO_MANY_ATTEMPTS = (
    "Too many failed log-in attempts from your address. Wait a minute and try again."
)
ACCOUNT_SLOWED = "Too many failed log-in attempts for this account. Wait a minute and try again."
WRITE_RATE_INVALID = (
    "API_WRITE_RATE must read '<number>/<second|minute|hour|day>', e.g. '1200/minute'; got {!r}."
)


def client_address(request: HttpRequest | Request | None) -> str:
    """The address failures are counted against: the peer of the connection.

    Behind the one trusted proxy (BEHIND_PROXY), the address that proxy appended last to
    X-Forwarded-For; never an earlier one, which any client can write and so pick a fresh
    counter with. DRF reads the same address (NUM_PROXIES is 1 behind the proxy, else 0).
    """
    if request is None:
        return "unknown"
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR") or "unknown"


class LoginThrottled(Exception):
    """A log-in attempt refused before its password was checked."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@dataclass
class LoginAttempt:
    """One attempt under way; call ``fail()`` when its password turns out wrong."""

    failed: bool = False
    held: list[str] = field(default_factory=list)

    def fail(self) -> None:
        self.failed = True


def _slots(kind: str, ident: str, count: int) -> list[str]:
    # Hashed: usernames and forwarded addresses may hold anything, cache keys may not.
    digest = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return [f"throttle:{kind}:{digest}:{n}" for n in range(count)]


def _claim(slots: list[str], taken: dict[str, float], window: int, now: float) -> str | None:
    """Take a free slot for ``window`` seconds; None when all are taken."""
    for slot in slots:
        if slot not in taken and cache.add(slot, now, timeout=window):
            return slot
    return None


def _wait(until: float, now: float) -> int:
    return max(1, math.ceil(until - now))


def account_delay(failures: int) -> int:
    """Seconds an account with ``failures`` recent failures waits after its latest one."""
    if failures <= ACCOUNT_FREE_FAILURES:
        return 0
    return min(2 ** (failures - ACCOUNT_FREE_FAILURES - 1), ACCOUNT_MAX_DELAY)


def _account_refusal(times: Iterable[float], now: float) -> LoginThrottled | None:
    recent = list(times)
    if len(recent) >= ACCOUNT_FAILURES:
        return LoginThrottled(ACCOUNT_SLOWED, _wait(min(recent) + ACCOUNT_WINDOW, now))
    if recent and now < max(recent) + account_delay(len(recent)):
        return LoginThrottled(ACCOUNT_SLOWED, _wait(max(recent) + account_delay(len(recent)), now))
    return None


@contextmanager
def login_attempt(*, address: str, username: str) -> Iterator[LoginAttempt]:
    """Let one log-in attempt through, or raise LoginThrottled before any password is read.

    The attempt counts as a failure against the address and the account if the block calls
    ``fail()``; otherwise (success, or an error on the way) its slots are handed back.
    """
    now = time.time()
    account = username.casefold()
    account_slots = _slots("account", account, ACCOUNT_FAILURES)
    attempt = LoginAttempt()
    try:
        account_taken = cache.get_many(account_slots)
        if len(account_taken) >= ACCOUNT_FREE_FAILURES:
            # Slowed: one attempt at a time, and the count re-read once it is ours.
            turn = f"throttle:turn:{account_slots[0]}"
            if not cache.add(turn, now, timeout=TURN_TIMEOUT):
                raise LoginThrottled(ACCOUNT_SLOWED, 1)
            attempt.held.append(turn)
            account_taken = cache.get_many(account_slots)
        refusal = _account_refusal(account_taken.values(), now)
        if refusal is not None:
            raise refusal
        address_slots = _slots("address", address, ADDRESS_FAILURES)
        address_taken = cache.get_many(address_slots)
        address_slot = _claim(address_slots, address_taken, ADDRESS_WINDOW, now)
        if address_slot is None:
            oldest = min(address_taken.values(), default=now)
            raise LoginThrottled(TOO_MANY_ATTEMPTS, _wait(oldest + ADDRESS_WINDOW, now))
        attempt.held.append(address_slot)
        account_slot = _claim(account_slots, account_taken, ACCOUNT_WINDOW, now)
        if account_slot is None:
            oldest = min(account_taken.values(), default=now)
            raise LoginThrottled(ACCOUNT_SLOWED, _wait(oldest + ACCOUNT_WINDOW, now))
        attempt.held.append(account_slot)
        yield attempt
    finally:
        # A failure keeps its slots (they expire on their own); the turn always goes back.
        released = [
            key for key in attempt.held if not attempt.failed or key.startswith("throttle:turn:")
        ]
        if released:
            cache.delete_many(released)


def address_failures(address: str) -> int:
    """How many failed log-ins from the address still count."""
    return len(cache.get_many(_slots("address", address, ADDRESS_FAILURES)))


def address_failure_record(address: str) -> int:
    """Count one failed log-in against the address alone; return the failures that count."""
    slots = _slots("address", address, ADDRESS_FAILURES)
    taken = cache.get_many(slots)
    _claim(slots, taken, ADDRESS_WINDOW, time.time())
    return address_failures(address)


def _parse_rate(rate: str) -> tuple[int, int]:
    periods = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    count, _, period = rate.partition("/")
    if not count.strip().isdigit() or period.strip()[:1] not in periods or int(count) < 1:
        raise ImproperlyConfigured(WRITE_RATE_INVALID.format(rate))
    return int(count), periods[period.strip()[0]]


class _WriteBook:
    """One process's count of writes per user and window, booked into the cache in blocks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (user, window) -> [writes made here, blocks booked from here]
        self._counts: dict[tuple[str, int], list[int]] = {}

    def allow(self, user: str, *, limit: int, period: int, now: float) -> float | None:
        """Count one write; return None if allowed, else the seconds until the window ends."""
        window = int(now // period)
        wait = (window + 1) * period - now
        block = max(1, min(25, limit // 50))
        with self._lock:
            for stale in [key for key in self._counts if key[1] != window]:
                del self._counts[stale]
            counts = self._counts.setdefault((user, window), [0, 0])
            writes, booked = counts
            if writes < (booked + 1) * block:
                counts[0] += 1
                return None
            # This process used a block beyond the ones it booked: book it now, or refuse. The
            # first block a process uses is not booked, so one process alone gets the rate
            # exactly; every other process writing for the user adds at most one block.
            slots = [f"throttle:write:{user}:{window}:{n}" for n in range(limit // block - 1)]
            if _claim(slots, cache.get_many(slots), period, now) is None:
                return wait
            counts[0] += 1
            counts[1] += 1
            return None


_write_book = _WriteBook()


def _writer(request: Request) -> str:
    # With the join time, so that an id the database hands out again starts afresh.
    joined = getattr(request.user, "date_joined", None)
    return f"{request.user.pk}-{joined.timestamp() if joined else ''}"


class WriteRateThrottle(BaseThrottle):
    """API writes (anything but GET, HEAD, OPTIONS) per signed-in user: API_WRITE_RATE."""

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: Request, view: "APIView") -> bool:
        if request.method in SAFE_METHODS or not request.user.is_authenticated:
            return True
        limit, period = _parse_rate(settings.API_WRITE_RATE)
        self._wait = _write_book.allow(
            _writer(request), limit=limit, period=period, now=time.time()
        )
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
