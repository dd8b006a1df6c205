"""The API's one error shape: ``{"detail": ..., "errors": {field: [messages]}}``.

Services raise domain errors (``annotations.errors``), never Django's ``ValidationError``; DRF
raises its own. This handler maps each to its status code and flattens nested serializer errors into
dotted paths ("spans.3.start"), so a client reads every error the same way.
"""

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from annotations.errors import Conflict, Forbidden, InvalidInput, NotFound, UnsupportedMedia

logger = logging.getLogger(__name__)

INVALID_INPUT = "Invalid input."
TOO_LARGE = "The request body is larger than {limit} bytes."
NON_FIELD = "non_field_errors"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render any error raised under an API view in the one JSON error shape."""
    if isinstance(exc, InvalidInput):
        return _response(status.HTTP_400_BAD_REQUEST, exc.detail, exc.errors)
    if isinstance(exc, Conflict):
        conflict = _response(status.HTTP_409_CONFLICT, exc.detail)
        conflict.data["current_version"] = exc.current_version
        return conflict
    if isinstance(exc, Forbidden):
        return _response(status.HTTP_403_FORBIDDEN, exc.detail)
    if isinstance(exc, NotFound):
        return _response(status.HTTP_404_NOT_FOUND, exc.detail)
    if isinstance(exc, UnsupportedMedia):
        return _response(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, exc.detail, {"file": [exc.detail]})
    if isinstance(exc, RequestDataTooBig):
        return _response(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, str(exc))

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        response.data = {"detail": INVALID_INPUT, "errors": flatten(exc.detail)}
    else:
        detail = response.data.get("detail") if isinstance(response.data, dict) else None
        response.data = {"detail": str(detail or response.status_text), "errors": {}}
    return response


def flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error structure into ``{"dotted.path": [messages]}``."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return {prefix or NON_FIELD: [str(item) for item in detail]} if detail else {}
        out = {}
        for index, item in enumerate(detail):
            out.update(flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return {prefix or NON_FIELD: [str(detail)]}


def _response(code: int, detail: str, errors: dict[str, list[str]] | None = None) -> Response:
    # Services roll their own transactions back; this undoes anything a view did around them
    # under ATOMIC_REQUESTS, exactly as DRF's own handler does.
    set_rollback()
    return Response({"detail": detail, "errors": errors or {}}, status=code)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Answer an unknown URL: the API's JSON error shape under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "errors": {}}, status=404)
    return page_not_found(request, exception)
