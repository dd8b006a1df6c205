"""``Idempotency-Key``: a write sent again with the same key applies once and answers again.

A client that lost the answer to a write (a bulk replace, a span create, a delete) resends it
with the same key and gets what the first request answered, status and body, without the write
applying twice. The same key with another method, path or body is refused (409): a key names
one request. Keys are per user, at most IDEMPOTENCY_KEY_MAX_LENGTH characters, and expire after
``settings.IDEMPOTENCY_KEY_HOURS``; a write without the header behaves as it always did.

The check wraps every write of every API view (ApiMixin): the claim, the write and the stored
answer are one transaction (``services.idempotency``), so a write that rolls back (an uncaught
error, a 5xx) leaves no answer and its retry applies afresh. Answers that are streamed, not
rendered by DRF, or 5xx are not kept either. Client errors (4xx) are kept: a retry of a refused
write is refused the same way, whatever happened in between.
"""

import contextlib
import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.api.errors import TOO_LARGE
from annotations.models import IdempotentRequest
from annotations.models.requests import IDEMPOTENCY_KEY_MAX_LENGTH
from annotations.services import idempotency as services
from annotations.services.idempotency import Fingerprint

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEY_INVALID = (
    f"{IDEMPOTENCY_HEADER} must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters."
)
KEY_REUSED = (
    f"This {IDEMPOTENCY_HEADER} was used for another request (method, path or body): "
    "send a new key with every new write, the same key only to retry it."
)


class KeyReused(APIException):
    """The key names another request: 409, in the API's error shape."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = KEY_REUSED


class _Replay(Exception):
    """Raised before the handler runs, to answer with a key's stored first answer."""

    def __init__(self, found: IdempotentRequest) -> None:
        super().__init__(found.key)
        self.found = found


class IdempotencyMixin:
    """Apply a write sent with an Idempotency-Key once; answer its repeats from the store."""

    _idempotency_claim: tuple[User, str] | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in WRITE_METHODS or IDEMPOTENCY_HEADER not in request.headers:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        with transaction.atomic():
            response: HttpResponseBase = super().dispatch(  # type: ignore[misc]
                request, *args, **kwargs
            )
            if self._idempotency_claim is not None:
                user, key = self._idempotency_claim
                kept = isinstance(response, Response) and not response.streaming
                if kept and response.status_code < 500:
                    assert isinstance(response, Response)
                    body = "" if response.data is None else _render(response.data)
                    services.idempotent_request_record(
                        user=user, key=key, status=response.status_code, response_body=body
                    )
                else:
                    services.idempotent_request_release(user=user, key=key)
        return response

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        fingerprint = None
        if request.method in WRITE_METHODS and IDEMPOTENCY_HEADER in request.headers:
            # Read before authenticating: the session's CSRF check may consume a multipart body.
            fingerprint = _fingerprint(request)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if fingerprint is None or not request.user.is_authenticated:
            return
        key = request.headers[IDEMPOTENCY_HEADER]
        if not (0 < len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH and key.isascii() and key.isprintable()):
            raise ValidationError({IDEMPOTENCY_HEADER: [KEY_INVALID]})
        user: User = request.user
        found = services.idempotent_request_claim(user=user, key=key, fingerprint=fingerprint)
        if found is None:
            self._idempotency_claim = (user, key)
            return
        stored = Fingerprint(found.method, found.path, found.body_sha256)
        # A row without a status is a claim still being applied: never a committed one, since
        # the claim and its answer commit together; refused rather than answered with nothing.
        if stored != fingerprint or found.status is None:
            raise KeyReused()
        raise _Replay(found)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, _Replay):
            data = json.loads(exc.found.response_body) if exc.found.response_body else None
            assert exc.found.status is not None
            return Response(data, status=exc.found.status, headers={REPLAYED_HEADER: "true"})
        return super().handle_exception(exc)  # type: ignore[misc]


def _fingerprint(request: Request) -> Fingerprint:
    # Django bounds ``body`` by DATA_UPLOAD_MAX_MEMORY_SIZE except for multipart, whose files
    # it would stream to disk: bound that too, before anything is read into memory.
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    with contextlib.suppress(TypeError, ValueError):
        if limit is not None and int(request.META.get("CONTENT_LENGTH") or 0) > limit:
            raise RequestDataTooBig(TOO_LARGE.format(limit=limit))
    body: bytes = request._request.body
    return Fingerprint(
        method=str(request.method),
        path=request._request.get_full_path(),
        body_sha256=hashlib.sha256(body).hexdigest(),
    )


def _render(data: Any) -> str:
    return JSONRenderer().render(data).decode()
