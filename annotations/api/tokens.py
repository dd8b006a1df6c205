"""Token log-in for scripts: ``POST /api/auth/token/`` with a username and password.

``DELETE /api/auth/token/`` revokes the caller's token (one per user: DRF's model). The token
lives ``TOKEN_LIFETIME_DAYS``; a POST after that hands out a new key, never the expired one.
"""

import logging
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import throttling
from annotations.api import base
from annotations.api.base import ApiView
from annotations.api.serializers import ErrorOutput
from annotations.services import tokens

# The name log filters and tests know; it predates the module's rename to tokens.py.
logger = logging.getLogger("annotations.api.auth")

BAD_CREDENTIALS = "Unable to log in with the username and password given."


class TokenApi(ApiView):
    """Exchange a username and password for an API token."""

    # No session authentication here: a token request needs no CSRF token.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    # Failed passwords are throttled like the log-in page's (annotations.throttling).

    class InputSerializer(base.InputSerializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=4096, trim_whitespace=False)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: inline_serializer("TokenOutput", {"token": serializers.CharField()}),
            400: ErrorOutput,
            429: ErrorOutput,
        },
    )
    def post(self, request: Request) -> Response:
        body = self.InputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        username = body.validated_data["username"]
        address = throttling.client_address(request)
        try:
            with throttling.login_attempt(address=address, username=username) as attempt:
                user = authenticate(request, **body.validated_data)
                if user is None:
                    attempt.fail()
        except throttling.LoginThrottled as refused:
            logger.warning("API token throttled for username %r from %s", username, address)
            raise Throttled(wait=refused.retry_after, detail=refused.message) from None
        if user is None:
            logger.warning("API token refused for username %r from %s", username, address)
            return Response(
                {"detail": BAD_CREDENTIALS, "errors": {"non_field_errors": [BAD_CREDENTIALS]}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"token": tokens.token_issue(user=user).key})

    # DELETE is an ordinary authenticated call: the token itself (or the session, with CSRF).
    # The schema generator asks before there is a request, hence getattr.
    def _deleting(self) -> bool:
        return getattr(getattr(self, "request", None), "method", None) == "DELETE"

    def get_authenticators(self) -> list[BaseAuthentication]:
        if self._deleting():
            return [auth() for auth in base.ApiMixin.authentication_classes]
        return super().get_authenticators()

    def get_permissions(self) -> Sequence[Any]:
        if self._deleting():
            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(request=None, responses={204: None, 401: ErrorOutput})
    def delete(self, request: base.AuthenticatedRequest) -> Response:
        tokens.token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
