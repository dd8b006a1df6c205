"""The browser log-in and password change, throttled (annotations.throttling) and logged.

Django's own LoginView lets anyone try passwords as fast as the server answers. Here each
attempt goes through ``throttling.login_attempt``: failures count per client address and per
account, and a throttled attempt is refused (429 with ``Retry-After``) without even checking
the password, so a right guess cannot be told from a wrong one until the wait is over. A
success does not reset the count: otherwise a caller with an account of their own could
interleave log-ins with guesses. The password-change forms check the old password under the
same counts, so a stolen session cannot guess it either.
"""

import logging
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy

from annotations import throttling
from annotations.throttling import TOO_MANY_ATTEMPTS, LoginThrottled, client_address

logger = logging.getLogger("annotations.auth")

MAX_FAILURES = throttling.ADDRESS_FAILURES
WINDOW_SECONDS = throttling.ADDRESS_WINDOW
THROTTLED = "throttled"

__all__ = ["TOO_MANY_ATTEMPTS", "client_address", "login_failure_record", "login_failures"]


def login_failures(address: str) -> int:
    """How many failed log-ins from the address still count."""
    return throttling.address_failures(address)


def login_failure_record(address: str) -> int:
    """Count one failed log-in from the address; return the failures that still count."""
    return throttling.address_failure_record(address)


def _throttled_response(response: HttpResponse, form: BaseForm, field: str) -> HttpResponse:
    """Answer 429 with the wait when the form was refused by the throttle."""
    refused = getattr(form, "throttled", None)
    if isinstance(refused, LoginThrottled) and form.has_error(field, code=THROTTLED):
        response.status_code = 429
        response["Retry-After"] = str(refused.retry_after)
    return response


# The mixin's base for the type checker: the log-in forms it is mixed into.
if TYPE_CHECKING:
    _LoginForm = AuthenticationForm
else:
    _LoginForm = object


class ThrottledLoginMixin(_LoginForm):
    """Refuse a log-in form from a throttled address or account; log failures."""

    request: HttpRequest | None
    throttled: LoginThrottled | None = None

    def clean(self) -> dict[str, Any]:
        address = client_address(self.request)
        username = self.data.get("username", "")
        try:
            with throttling.login_attempt(address=address, username=username) as attempt:
                try:
                    return super().clean()
                except ValidationError:
                    attempt.fail()
                    logger.warning("Log-in refused for username %r from %s", username, address)
                    raise
        except LoginThrottled as refused:
            self.throttled = refused
            logger.warning(
                "Log-in throttled for username %r from %s (%s; retry after %d s)",
                username,
                address,
                refused.message,
                refused.retry_after,
            )
            raise ValidationError(refused.message, code=THROTTLED) from None


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """The browser log-in form."""


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The Django admin's log-in form: the same counters, so /admin/login/ is no way around."""


class LoginView(auth_views.LoginView):
    """Django's log-in page (``?next=`` still only goes to this host), throttled."""

    form_class = ThrottledAuthenticationForm

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        return _throttled_response(super().form_invalid(form), form, NON_FIELD_ERRORS)


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Password change whose old password is checked under the log-in throttle."""

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.throttled: LoginThrottled | None = None

    def clean_old_password(self) -> str:
        address = client_address(self.request)
        username = self.user.get_username()
        try:
            with throttling.login_attempt(address=address, username=username) as attempt:
                try:
                    return super().clean_old_password()
                except ValidationError:
                    attempt.fail()
                    logger.warning(
                        "Password change: wrong old password for %r from %s", username, address
                    )
                    raise
        except LoginThrottled as refused:
            self.throttled = refused
            logger.warning(
                "Password change throttled for %r from %s (retry after %d s)",
                username,
                address,
                refused.retry_after,
            )
            raise ValidationError(refused.message, code=THROTTLED) from None


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change page, its old password throttled."""

    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form: PasswordChangeForm) -> HttpResponse:
        return _throttled_response(super().form_invalid(form), form, "old_password")


class AdminPasswordChangeView(PasswordChangeView):
    """The admin's password change page (Django's own cannot take another form)."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("admin:password_change_done")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}
