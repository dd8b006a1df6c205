"""Token authentication for the API (the settings name it, so it imports no DRF views)."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from annotations import selectors


class TokenAuth(TokenAuthentication):
    """DRF's token authentication, with the token and its user read in one hand-written query."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = selectors.token_get(key=key)
        if token is None:
            raise AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
