"""Idempotent requests: the first answer to a write sent with an ``Idempotency-Key``.

One row per (user, key). It is written in the same transaction as the write it answers, so a
write that rolled back leaves no answer behind, and the unique constraint is the lock that makes
two identical requests racing each other apply once (``services.idempotency``).
"""

from django.conf import settings
from django.db import models

IDEMPOTENCY_KEY_MAX_LENGTH = 255


class IdempotentRequest(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotent_requests"
    )
    key = models.CharField(max_length=IDEMPOTENCY_KEY_MAX_LENGTH)
    method = models.CharField(max_length=10)
    path = models.TextField(help_text="The path with its query string.")
    body_sha256 = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The first answer's status; null while it is applied."
    )
    response_body = models.TextField(
        blank=True, help_text="The first answer's JSON as sent (empty: no body), key order kept."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], name="%(app_label)s_%(class)s_one_per_user_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
