"""Swagger UI at ``/api/docs/`` under the strict Content-Security-Policy.

drf-spectacular's default page loads Swagger UI from a CDN and starts it with an inline
script, and its template carries an inline ``<style>``: our CSP (script-src and style-src
'self', no 'unsafe-inline') blocks all three, which left a blank page. Here Swagger UI comes
from our own static files (drf-spectacular-sidecar, SWAGGER_UI_DIST="SIDECAR"), the start-up
script is a file served by this same view (``?script``, drf-spectacular's split view: no
nonce, no inline code) and the page's few styles live in ``annotations/swagger.css``.
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response


class SwaggerUiView(SpectacularSwaggerSplitView):
    """Swagger UI: page, scripts and styles all from this origin."""

    template_name = "annotations/swagger_ui.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        if request.GET.get("script") is not None:
            # Every text response declares its charset.
            response.content_type = "application/javascript; charset=utf-8"
        return response
