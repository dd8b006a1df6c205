"""Field definitions more than one model declares the same way."""

from typing import Any

from django.conf import settings
from django.db import models


def created_by_field() -> "models.ForeignKey[Any, Any]":
    """Who created the row: kept as null, never cascaded, when that account is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
