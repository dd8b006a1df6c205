"""The API token page: the signed-in user sees their token, its age and expiry, and revokes it.

One token per user (DRF's model, see services/tokens.py), so the page shows one row or none.
The key itself is shown only by its first characters: enough to tell which key a script
holds, not enough to use it. A new key comes from ``POST /api/auth/token/`` with the password.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from annotations import selectors
from annotations.services import tokens
from annotations.views.base import AuthenticatedHttpRequest

KEY_SHOWN = 8
# Messages, not secrets (ruff's S105 reads "TOKEN" in their names).
TOKEN_REVOKED = "Your API token is revoked: scripts that use it now get 401."  # noqa: S105
NO_TOKEN = "You have no API token to revoke."  # noqa: S105


@login_required
@require_safe
def token_detail(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show the user's API token: its key's start, when it was issued and when it expires."""
    token = selectors.token_get_for_user(user=request.user)
    context: dict[str, object] = {
        "token": token,
        "lifetime_days": settings.TOKEN_LIFETIME_DAYS,
        "key_start": None,
        "expires_at": None,
        "expired": False,
    }
    if token is not None:
        context.update(
            key_start=token.key[:KEY_SHOWN],
            expires_at=selectors.token_expires_at(token),
            expired=selectors.token_is_expired(token, now=timezone.now()),
        )
    return render(request, "annotations/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Revoke the user's API token."""
    revoked = tokens.token_revoke(user=request.user)
    messages.info(request, TOKEN_REVOKED if revoked else NO_TOKEN)
    return redirect("annotations:tokens")
