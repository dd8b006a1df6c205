"""Who is calling: the API token and its user, read on every token-authenticated request.

The read is one hand-written statement (``db.hotpath.token_with_user``); a key that could not
be a key (one with a NUL, which PostgreSQL refuses to compare) is no key, never an error.
"""

from rest_framework.authtoken.models import Token

from annotations.db import hotpath


def token_get(*, key: str) -> Token | None:
    """Return the API token with this key and its user (every token request starts here)."""
    if "\x00" in key:
        return None
    return hotpath.token_with_user(key=key)
