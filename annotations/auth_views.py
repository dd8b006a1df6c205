"""The browser log-in, throttled per client address and logged on every refusal.

Django's own LoginView lets anyone try passwords as fast as the server answers. Here the
failures from one address are counted in Django's cache for a minute; past the limit every
attempt from that address is refused (429) without even checking the password, so a right
guess cannot be told from a wrong one until the minute is over. A success does not reset the
count: otherwise a caller with an account of their own could interleave log-ins with guesses.

The counters live in the configured cache, the database cache by default (settings.CACHES),
so every server process and machine shares one count per address.
"""

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("annotations.auth")

MAX_FAILURES = 10
WINDOW_SECONDS = 60
TOO_MANY_ATTEMPTS = (
    "Too many failed log-in attempts from your address. Wait a minute and try again."
)
THROTTLED = "throttled"


def client_address(request: HttpRequest | None) -> str:
    """The address failures are counted against: the peer of the connection.

    Behind the one trusted proxy (BEHIND_PROXY), the address that proxy appended last to
    X-Forwarded-For; never an earlier one, which any client can write and so pick a fresh
    counter with. DRF's throttles read the same address (NUM_PROXIES).
    """
    if request is None:
        return "unknown"
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR") or "unknown"


def _key(address: str) -> str:
    return f"login-failures:{address}"


def login_failures(address: str) -> int:
    """How many failed log-ins the address has made in the current window."""
    return cache.get(_key(address), 0)


def login_failure_record(address: str) -> int:
    """Count one failed log-in from the address; return the count in the current window."""
    key = _key(address)
    # add() starts the window only if none is running, so the first failure fixes its end.
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:
        # The window ran out between add() and incr(): this failure opens a new one.
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        return 1


# The mixin's base for the type checker: the log-in forms it is mixed into.
if TYPE_CHECKING:
    _LoginForm = AuthenticationForm
else:
    _LoginForm = object


class ThrottledLoginMixin(_LoginForm):
    """Refuse a log-in form from a throttled address before authenticating; log failures."""

    request: HttpRequest | None

    def clean(self) -> dict[str, Any]:
        address = client_address(self.request)
        username = self.data.get("username", "")
        failures = login_failures(address)
        if failures >= MAX_FAILURES:
            logger.warning(
                "Log-in throttled for username %r from %s (%d failures in %d s)",
                username,
                address,
                failures,
                WINDOW_SECONDS,
            )
            raise ValidationError(TOO_MANY_ATTEMPTS, code=THROTTLED)
        try:
            return super().clean()
        except ValidationError:
            failures = login_failure_record(address)
            logger.warning(
                "Log-in refused for username %r from %s (failure %d of %d allowed in %d s)",
                username,
                address,
                failures,
                MAX_FAILURES,
                WINDOW_SECONDS,
            )
            raise


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """The browser log-in form."""


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The Django admin's log-in form: the same counters, so /admin/login/ is no way around."""


class LoginView(auth_views.LoginView):
    """Django's log-in page (``?next=`` still only goes to this host), throttled."""

    form_class = ThrottledAuthenticationForm

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, code=THROTTLED):
            response.status_code = 429
            response["Retry-After"] = str(WINDOW_SECONDS)
        return response
