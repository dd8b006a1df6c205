"""What every API view shares: authentication, the error handler, strict input parsing."""

import contextlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import RequestDataTooBig
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import generics, serializers
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import (  # type: ignore[attr-defined]  # not in the DRF stubs
    BaseParser,
    JSONParser,
    get_encoding,
)
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.utils import json as drf_json
from rest_framework.views import APIView

from annotations import selectors
from annotations.api.authentication import TokenAuth
from annotations.api.errors import NON_FIELD, TOO_LARGE, exception_handler
from annotations.api.idempotency import IdempotencyMixin
from annotations.exports import FORMATS

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass

UNKNOWN_FIELD = "Unknown field; expected one of: {fields}."
NUL_CHARACTER = "NUL characters (\\u0000) are not allowed."
LONE_SURROGATE = (
    "Lone surrogates (\\ud800 to \\udfff) are not allowed: a string must be valid Unicode."
)
INTEGER_TOO_LARGE = f"Integers must fit in 64 bits ({-(2**63)} to {2**63 - 1})."
NOT_FINITE = "Numbers must be finite."
TOO_DEEP = "JSON nested more than {limit} levels deep is not accepted."
JSON_INVALID = "JSON parse error - {error}"
# Deep enough for any document's meta, shallow enough that nothing downstream (validation,
# rendering, the database's JSON functions) can run out of stack on it.
MAX_JSON_DEPTH = 100
INT64 = range(-(2**63), 2**63)
SURROGATE = re.compile("[\ud800-\udfff]")
# A download's schema: its ``format`` parameter, and the file in each format's media type.
FORMAT_PARAMETER = OpenApiParameter(
    "format", str, enum=list(FORMATS), description="Default: jsonl."
)
_MEDIA_TYPES = dict.fromkeys(entry.content_type.split(";")[0] for entry in FORMATS.values())
FILE_RESPONSES = {(200, media): OpenApiResponse(OpenApiTypes.BINARY) for media in _MEDIA_TYPES}


class StrictJSONParser(JSONParser):
    """A JSON parser that refuses, with a 4xx naming the path, what the database cannot store.

    PostgreSQL cannot store U+0000 or a lone surrogate in text or JSONB, SQLite's integers
    stop at 64 bits, JSONB has no infinity, and a deeply nested body would blow Python's
    stack: without these checks each would get past validation (JSON bodies take arbitrary
    ``meta``) and fail as a 500. A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413: DRF
    reads the request as a stream, which Django's own size check does not cover.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        raw = _read_bounded(stream, parser_context.get("request"))
        try:
            text = raw.decode(get_encoding(parser_context))
            data = json.loads(text, parse_constant=drf_json.strict_constant)
        except ValueError as exc:
            raise ParseError(JSON_INVALID.format(error=exc)) from None
        except RecursionError:
            raise ParseError(TOO_DEEP.format(limit=MAX_JSON_DEPTH)) from None
        errors = body_errors(data)
        if errors:
            raise ValidationError(errors)
        return data


def _read_bounded(stream: Any, request: Any) -> bytes:
    """Read the body, refusing one over DATA_UPLOAD_MAX_MEMORY_SIZE before reading it all."""
    if stream is None:
        return b""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return stream.read()
    too_big = RequestDataTooBig(TOO_LARGE.format(limit=limit))
    declared = request.META.get("CONTENT_LENGTH") if request is not None else None
    with contextlib.suppress(TypeError, ValueError):
        if declared is not None and int(declared) > limit:
            raise too_big
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise too_big
    return raw


def body_errors(data: Any) -> dict[str, list[str]]:
    """Name each place of a parsed JSON body that holds something the API refuses.

    Iterative, so that the walk itself cannot overflow the stack on a deep body.
    """
    found: dict[str, list[str]] = {}
    pending: list[tuple[Any, str, int]] = [(data, "", 0)]
    while pending:
        value, path, depth = pending.pop()
        if isinstance(value, str):
            message = _string_error(value)
            if message:
                found.setdefault(path or NON_FIELD, []).append(message)
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if value not in INT64:
                found.setdefault(path or NON_FIELD, []).append(INTEGER_TOO_LARGE)
        elif isinstance(value, float):
            if not math.isfinite(value):
                found.setdefault(path or NON_FIELD, []).append(NOT_FINITE)
        elif depth >= MAX_JSON_DEPTH:
            found.setdefault(path or NON_FIELD, []).append(TOO_DEEP.format(limit=MAX_JSON_DEPTH))
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                message = _string_error(key)
                if message == LONE_SURROGATE:
                    # Named by its parent: the key cannot be echoed back, it is not UTF-8.
                    found.setdefault(path or NON_FIELD, []).append(message)
                    continue
                if message:
                    found.setdefault(child, []).append(message)
                pending.append((item, child, depth + 1))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                pending.append((item, f"{path}.{index}" if path else str(index), depth + 1))
    return found


def _string_error(value: str) -> str | None:
    if "\x00" in value:
        return NUL_CHARACTER
    if not value.isascii() and SURROGATE.search(value):
        return LONE_SURROGATE
    return None


class Utf8JSONRenderer(JSONRenderer):
    """JSON declared as ``application/json; charset=utf-8``, as every text response is."""

    charset = "utf-8"


class AuthenticatedRequest(Request):
    """The request of a view behind IsAuthenticated, whose user is therefore an account.

    Only a type for handlers' signatures: DRF hands them a plain Request, never one of these.
    """

    user: User


class ApiMixin(IdempotencyMixin):
    """Token before session, so an anonymous caller gets 401 (with WWW-Authenticate), not 403.

    Every write accepts an ``Idempotency-Key`` (IdempotencyMixin, ``api/idempotency.py``).
    """

    authentication_classes: Sequence[type[BaseAuthentication]] = [TokenAuth, SessionAuthentication]
    permission_classes: "Sequence[_PermissionClass]" = [IsAuthenticated]
    parser_classes: Sequence[type[BaseParser]] = [StrictJSONParser]
    renderer_classes: Sequence[type[BaseRenderer]] = [Utf8JSONRenderer, BrowsableAPIRenderer]

    def get_exception_handler(self) -> Any:
        # Set here rather than in settings.REST_FRAMEWORK: the shape is this API's contract.
        return exception_handler


class ApiView(ApiMixin, APIView):
    """Base of the API's views."""

    request: AuthenticatedRequest  # IsAuthenticated: tokens.py alone opts out


class DownloadApiView(ApiView):
    """Base of the views that stream a file: errors are JSON whatever the client accepts.

    A download client asking for text/csv must still read why its request was refused, not
    get a 406, so content negotiation always settles on the one JSON renderer.
    """

    renderer_classes = [Utf8JSONRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[Any, Any]:
        return super().perform_content_negotiation(request, force=True)


class ListApiView(ApiMixin, generics.GenericAPIView):
    """Base of the API's paginated (and possibly filtered) list views."""

    request: AuthenticatedRequest


_INPUT_FIELDS: dict[type, Any] = {}


class InputSerializer(serializers.Serializer):
    """A write body: unknown fields are an error naming them, never silently dropped."""

    Meta: ClassVar[type]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Nested as ``SomethingApi.InputSerializer``: name the schema component after the view,
        # or every view's body would be one "Input" component in the OpenAPI schema.
        owner = cls.__qualname__.split(".")[0]
        if owner != cls.__name__:
            cls.Meta = type("Meta", (), {"ref_name": owner.removesuffix("Api") + "Input"})

    @property
    def fields(self) -> Any:
        """The class's fields, built and bound once, to a template instance.

        Validating only reads them, so every body of a class can share one set; DRF would
        deep-copy them for each request (see RowOutput for the outputs). Nothing here may
        depend on the serializer's context, instance or ``partial``: none does.
        """
        cls = type(self)
        found = _INPUT_FIELDS.get(cls)
        if found is None:
            found = _INPUT_FIELDS[cls] = serializers.Serializer.fields.__get__(cls(), cls)
        return found

    def to_internal_value(self, data: Any) -> Any:
        unknown: dict[str, list[str]] = {}
        if isinstance(data, Mapping):
            expected = ", ".join(self.fields)
            unknown = {
                str(key): [UNKNOWN_FIELD.format(fields=expected)]
                for key in data
                if key not in self.fields
            }
        try:
            value = super().to_internal_value(data)
        except ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise ValidationError({**unknown, **exc.detail}) from exc
            raise
        if unknown:
            raise ValidationError(unknown)
        return value


class StrictInputSchema(OpenApiSerializerExtension):
    """Declare in the OpenAPI schema what InputSerializer enforces: no fields beyond its own.

    Without ``additionalProperties: false`` a client (or a fuzzer) reading the schema would
    take a body with an extra key for valid, and the API answers it with 400.
    """

    target_class = InputSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["additionalProperties"] = False
        return schema


def user_named(username: str, *, field: str) -> User:
    """Return the account named ``username``; a 400 naming ``field`` when there is none."""
    user = selectors.user_get_by_username(username=username)
    if user is None:
        raise ValidationError({field: [selectors.NO_SUCH_USER.format(username=username)]})
    return user
