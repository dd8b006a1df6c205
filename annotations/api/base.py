"""What every API view shares: authentication, the error handler, strict input parsing."""

from collections.abc import Mapping
from typing import Any

from rest_framework import generics, serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.views import APIView

from annotations.api.errors import exception_handler

UNKNOWN_FIELD = "Unknown field; expected one of: {fields}."
NUL_CHARACTER = "NUL characters (\\u0000) are not allowed."


class StrictJSONParser(JSONParser):
    """A JSON parser that refuses NUL characters anywhere in the body.

    PostgreSQL cannot store U+0000 in text or JSONB: without this a NUL in any string (a
    document's meta, a claimant's free text) would get past validation and fail as a 500.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        errors = _nul_paths(data, "")
        if errors:
            raise ValidationError(errors)
        return data


def _nul_paths(value: Any, path: str) -> dict[str, list[str]]:
    if isinstance(value, str):
        return {path or "non_field_errors": [NUL_CHARACTER]} if "\x00" in value else {}
    found: dict[str, list[str]] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                found[child] = [NUL_CHARACTER]
            found.update(_nul_paths(item, child))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(_nul_paths(item, f"{path}.{index}" if path else str(index)))
    return found


class Utf8JSONRenderer(JSONRenderer):
    """JSON declared as ``application/json; charset=utf-8``, as every text response is."""

    charset = "utf-8"


class ApiMixin:
    """Token before session, so an anonymous caller gets 401 (with WWW-Authenticate), not 403."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [StrictJSONParser]
    renderer_classes = [Utf8JSONRenderer, BrowsableAPIRenderer]

    def get_exception_handler(self) -> Any:
        # Set here rather than in settings.REST_FRAMEWORK: the shape is this API's contract.
        return exception_handler


class ApiView(ApiMixin, APIView):
    """Base of the API's views."""


class ListApiView(ApiMixin, generics.GenericAPIView):
    """Base of the API's paginated (and possibly filtered) list views."""


class InputSerializer(serializers.Serializer):
    """A write body: unknown fields are an error naming them, never silently dropped."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Nested as ``SomethingApi.InputSerializer``: name the schema component after the view,
        # or every view's body would be one "Input" component in the OpenAPI schema.
        owner = cls.__qualname__.split(".")[0]
        if owner != cls.__name__:
            cls.Meta = type("Meta", (), {"ref_name": owner.removesuffix("Api") + "Input"})

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
