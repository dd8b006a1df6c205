"""Writes to API tokens: issue one, revoke it.

DRF's model keeps one token per user, and that is all the workbench needs: a script holds the
user's one key; the tokens page (``views/tokens.py``) shows it with its age and expiry and
revokes it; a password change revokes it (``annotations.passwords``). A token past its
lifetime authenticates nothing (``selectors.token_get``) and is replaced by a new key the next
time one is asked for, so an old key never comes back to life.
"""

from django.contrib.auth.models import User
from django.db import transaction
from rest_framework.authtoken.models import Token

from annotations import selectors


def token_issue(*, user: User) -> Token:
    """Return the user's live token, creating a new one when there is none or it expired."""
    with transaction.atomic():
        token = Token.objects.select_for_update().filter(user_id=user.pk).first()
        if token is not None and not selectors.token_is_expired(token):
            return token
        if token is not None:
            token.delete()
        return Token.objects.create(user=user)


def token_revoke(*, user: User) -> bool:
    """Delete the user's token; return whether there was one."""
    deleted, _by_model = Token.objects.filter(user_id=user.pk).delete()
    return deleted > 0
