"""Who is calling: the API token and its user, read on every token-authenticated request.

The read is one hand-written statement (``db.hotpath.token_with_user``); a key that could not
be a key (one with a NUL, which PostgreSQL refuses to compare) is no key, never an error.
A token lives ``settings.TOKEN_LIFETIME_DAYS`` from its creation: past that it is no key
either (checked here, on the row the statement already read, so the hot path stays one
query). Each user has at most one token (DRF's model), so "the caller's token" and "the
user's token" are the same row.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from rest_framework.authtoken.models import Token

from annotations.db import hotpath


def token_expires_at(token: Token) -> datetime:
    """When the token stops authenticating."""
    return token.created + timedelta(days=settings.TOKEN_LIFETIME_DAYS)


def token_is_expired(token: Token, *, now: datetime | None = None) -> bool:
    """Whether the token's lifetime is over."""
    return token_expires_at(token) <= (now or timezone.now())


def token_get(*, key: str) -> Token | None:
    """Return the live API token with this key and its user (every token request starts here)."""
    if "\x00" in key:
        return None
    token = hotpath.token_with_user(key=key)
    if token is None or token_is_expired(token):
        return None
    return token


def token_get_for_user(*, user: AbstractBaseUser) -> Token | None:
    """Return the user's token, expired or not (the tokens page shows both)."""
    return Token.objects.filter(user_id=user.pk).first()
