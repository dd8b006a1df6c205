"""The preamble of every write to an annotation: lock it, re-read it, refuse a stale version.

Every write runs in one transaction and locks the annotation row before reading anything, so
concurrent writers to one annotation queue instead of losing updates (on SQLite the
IMMEDIATE transaction mode takes the database write lock at BEGIN, which serialises the same
way). What the caller holds may be stale: the write reads the row again under the lock and
works on that copy, then ``sync`` copies the result back onto the caller's instance.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar, overload

from django.db import models

from annotations import selectors
from annotations.errors import Conflict, InvalidInput, NotFound
from annotations.models import Annotation, AnnotationStatus
from annotations.services.annotating.messages import (
    ANNOTATION_GONE,
    NOT_WRITABLE,
    STALE_VERSION,
    VERSION_INVALID,
)

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Replay(Generic[T]):
    """Returned by a write's ``first`` step when the write was already done (a client's retry).

    The caller answers with ``result`` and writes nothing; the version and writability are
    not checked, since a retry carries the version it was sent with the first time.
    """

    result: T


@overload
def annotation_lock_for_write(
    *,
    annotation_id: int,
    version: int | None,
    writable: bool = True,
    first: None = None,
    stale: str = STALE_VERSION,
) -> tuple[Annotation, None]: ...


@overload
def annotation_lock_for_write(
    *,
    annotation_id: int,
    version: int | None,
    writable: bool = True,
    first: Callable[[Annotation], R],
    stale: str = STALE_VERSION,
) -> tuple[Annotation, R]: ...


def annotation_lock_for_write(
    *,
    annotation_id: int,
    version: int | None,
    writable: bool = True,
    first: Callable[[Annotation], R] | None = None,
    stale: str = STALE_VERSION,
) -> tuple[Annotation, R | None]:
    """Lock and re-read the annotation, then refuse a stale ``version`` or a closed annotation.

    ``version`` None skips the version check (the client sent none, or the write has none to
    check: a revert, a hand-over). ``writable`` False lets a write proceed on a
    submitted or skipped annotation (status changes, hand-overs). ``stale``: the 409's
    message, formatted with ``sent`` and ``current``.

    ``first(locked)`` runs under the lock before the checks and its result is returned with
    the locked annotation: what must answer before a stale version would (a span that is
    gone is a 404 whatever the version sent; a replayed create answers with its
    ``Replay``, and then nothing is checked).
    """
    locked = selectors.annotation_lock(annotation_id=annotation_id)
    if locked is None:
        raise NotFound(ANNOTATION_GONE)
    found = None if first is None else first(locked)
    if isinstance(found, Replay):
        return locked, found
    if version is not None:
        if type(version) is not int:
            raise InvalidInput({"version": [VERSION_INVALID.format(value=version)]})
        if version != locked.version:
            raise Conflict(
                stale.format(sent=version, current=locked.version),
                current_version=locked.version,
            )
    if writable and locked.status != AnnotationStatus.IN_PROGRESS:
        raise InvalidInput({"status": [NOT_WRITABLE.format(status=locked.status)]})
    return locked, found


def sync(stale: models.Model, fresh: models.Model) -> None:
    """Copy the written state onto the caller's instance, so what it renders is current."""
    if stale is fresh:
        return
    for field in stale._meta.concrete_fields:
        setattr(stale, field.attname, getattr(fresh, field.attname))
