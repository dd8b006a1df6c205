"""Template filters for the browser pages."""

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# nh3's defaults minus images: the Content-Security-Policy would block other hosts' images
# anyway, and a guideline has no business loading a tracking pixel.
ALLOWED_TAGS = nh3.ALLOWED_TAGS - {"img"}


@register.filter
def markdown(value: str) -> SafeString:
    """Render markdown (guidelines) to HTML sanitised by nh3; raw HTML in it is cleaned too."""
    html = markdown_lib.markdown(value or "", extensions=["extra", "sane_lists"])
    # The one mark_safe of the browser pages: nh3 keeps only harmless tags and attributes.
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS))  # noqa: S308


@register.filter
def percent(done: int, total: int) -> int:
    """Whole percent of ``done`` out of ``total`` (0 when there is nothing to do)."""
    return round(100 * done / total) if total else 0
