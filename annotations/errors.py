"""Domain errors raised by services; the API translates each to one HTTP status.

InvalidInput -> 400, Forbidden -> 403, NotFound -> 404, Conflict -> 409,
UnsupportedMedia -> 415. Services never
speak HTTP themselves, so the same rules answer the same way from the API, the admin and the
command line.
"""

INVALID_INPUT = "Invalid input."
FORBIDDEN = "You do not have permission to do this."
NOT_FOUND = "Not found."
CONFLICT = "The request conflicts with the current state."


class ServiceError(Exception):
    """Base of every error a service raises on purpose; carries a human-readable detail."""

    default_detail = ""

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.default_detail
        super().__init__(self.detail)


class InvalidInput(ServiceError):
    """Bad input: ``errors`` maps a field name or dotted path ("spans.3.start") to messages."""

    default_detail = INVALID_INPUT

    def __init__(self, errors: dict[str, list[str]], detail: str | None = None) -> None:
        self.errors = errors
        super().__init__(detail)

    def __str__(self) -> str:
        return f"{self.detail} {self.errors}"

    @property
    def messages(self) -> list[str]:
        """Every message, field after field: what a one-line report (admin, command) shows."""
        return [message for messages in self.errors.values() for message in messages]


class Forbidden(ServiceError):
    """The actor may see the object but not do this to it."""

    default_detail = FORBIDDEN


class NotFound(ServiceError):
    """The object went away (typically deleted by a concurrent request)."""

    default_detail = NOT_FOUND


class Conflict(ServiceError):
    """The write does not fit the current state: a stale version or a reused client id."""

    default_detail = CONFLICT

    def __init__(self, detail: str | None = None, *, current_version: int | None = None) -> None:
        self.current_version = current_version
        super().__init__(detail)


class UnsupportedMedia(ServiceError):
    """Input of a kind the service cannot read at all (an import file of an unknown type)."""

    default_detail = "Unsupported media type."
