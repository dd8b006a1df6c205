"""A password change revokes the user's API token.

Django calls ``password_changed`` on every configured password validator after a password is
set and saved, whatever set it: the password-change page, the admin, ``changepassword``,
``set_password`` in code. That is the one hook every path goes through (a signal on the user
would also fire when Django upgrades the hash at log-in, which changes no password), so the
revocation hangs on it: settings.AUTH_PASSWORD_VALIDATORS lists this class. It validates
nothing; its help text tells the user.
"""

from typing import Any

from annotations.services import tokens

# A message, not a secret (ruff S105 reads "PASSWORD" in the name).
PASSWORD_CHANGE_REVOKES = "Changing your password revokes your API token."  # noqa: S105


class RevokeTokensOnPasswordChange:
    """Not a rule for passwords: revoke the user's API token when the password changes."""

    def validate(self, password: str, user: Any = None) -> None:
        """Accept every password (the other validators judge them)."""

    def password_changed(self, password: str, user: Any = None) -> None:
        """Revoke the token of a saved user whose password was just changed."""
        if user is not None and user.pk is not None:
            tokens.token_revoke(user=user)

    def get_help_text(self) -> str:
        """What the password forms tell the user."""
        return PASSWORD_CHANGE_REVOKES
