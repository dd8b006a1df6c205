"""Writes to idempotent requests: claim a key before its write, record the answer after it.

Both run inside the one transaction the API opens around a write sent with an
``Idempotency-Key`` (``api/idempotency.py``), so the answer commits or rolls back with the
write: a crash never leaves an answer for a write that did not happen. The claim inserts the
row before the write runs, and the unique (user, key) constraint is the lock: on PostgreSQL a
second identical request blocks on that insert until the first commits, then reads its answer;
on SQLite the IMMEDIATE transactions already queue writers one after the other.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations.models import IdempotentRequest


@dataclass(frozen=True)
class Fingerprint:
    """What makes two requests the same request: method, path with query, the body's sha256."""

    method: str
    path: str
    body_sha256: str


def idempotent_request_claim(
    *, user: User, key: str, fingerprint: Fingerprint
) -> IdempotentRequest | None:
    """Claim the key for this request (None), or return the row of the key's live first use.

    The insert comes first: a new key, by far the common case, costs one statement (and its
    savepoint). Only when the key is taken is the row read; an expired one is deleted and the
    key claimed afresh.
    """
    if _claim(user=user, key=key, fingerprint=fingerprint):
        return None
    found = _find(user=user, key=key)
    if found is not None and found.created_at >= _expired_before():
        return found
    if found is not None:
        found.delete()
    if _claim(user=user, key=key, fingerprint=fingerprint):
        return None
    # The same key committed meanwhile (its insert is what this one waited on).
    return IdempotentRequest.objects.get(user=user, key=key)


def _claim(*, user: User, key: str, fingerprint: Fingerprint) -> bool:
    try:
        with transaction.atomic():
            IdempotentRequest.objects.create(
                user=user,
                key=key,
                method=fingerprint.method,
                path=fingerprint.path,
                body_sha256=fingerprint.body_sha256,
            )
    except IntegrityError:
        return False
    return True


def idempotent_request_record(*, user: User, key: str, status: int, response_body: Any) -> None:
    """Store the answer of the write that claimed the key."""
    IdempotentRequest.objects.filter(user=user, key=key).update(
        status=status, response_body=response_body
    )


def idempotent_request_release(*, user: User, key: str) -> None:
    """Forget a claim whose answer is not kept (a streamed one): a retry applies again."""
    IdempotentRequest.objects.filter(user=user, key=key).delete()


def idempotent_requests_purge_expired(*, batch: int = 1000) -> int:
    """Delete the answers past ``IDEMPOTENCY_KEY_HOURS``; return how many went.

    Rows are inserted in the order of their ids, so the expired ones are the lowest ids: each
    pass reads the oldest ``batch`` by the primary key (no index on the time needed, whatever
    the table's size or statistics) and stops at the first row still live.
    """
    expired_before = _expired_before()
    purged = 0
    while True:
        oldest = list(
            IdempotentRequest.objects.order_by("pk").values_list("pk", "created_at")[:batch]
        )
        expired = [pk for pk, created_at in oldest if created_at < expired_before]
        if expired:
            purged += IdempotentRequest.objects.filter(pk__in=expired).delete()[0]
        if len(expired) < batch:
            return purged


def _find(*, user: User, key: str) -> IdempotentRequest | None:
    return IdempotentRequest.objects.filter(user=user, key=key).first()


def _expired_before() -> Any:
    return timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
