"""What the selector modules share: the caller's role and status, and counting subqueries.

Every query that leaves the selectors is scoped to what the caller may see. A project's rows
are only ever reached through the caller's membership: the ``*_for_user`` selectors annotate
the caller's role (``caller_role``, from ``role_of``) and return nothing for a non-member, so
an id of someone else's project reads exactly like an id that does not exist.
"""

from collections.abc import Iterator

from django.contrib.auth.models import User
from django.db.models import Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from annotations.models import Annotation, AnnotationKind, AnnotationStatus, Membership

# The caller's status for a document they have not opened yet.
STATUS_NEW = "new"
# Ids the database can hold: anything else names nothing, and is never sent to it.
INT64 = range(-(2**63), 2**63)
# What counts as done in the caller's progress: a skipped document needs nothing more either.
FINISHED_STATUSES = (AnnotationStatus.SUBMITTED, AnnotationStatus.SKIPPED)
# Chunks fetched per round trip when reading a stored file: a few MB at a time.
CHUNKS_PER_FETCH = 4


# The selectors annotate it as ``caller_role``, a name the models declare for the code that
# reads it; django-stubs refuses to annotate a declared name (and then to filter on it), see
# typeddjango/django-stubs#2818: hence the one ``type: ignore`` on each of those queries.
def role_of(user: User, project_ref: str) -> Subquery:
    """The user's role in the project that ``project_ref`` (an OuterRef path) names, or NULL."""
    return Subquery(
        Membership.objects.filter(project=OuterRef(project_ref), user=user).values("role")[:1]
    )


def status_of(user: User) -> Coalesce:
    """The user's status for the outer document: their manual annotation's, else "new"."""
    status = Annotation.objects.filter(
        document=OuterRef("pk"), author=user, kind=AnnotationKind.MANUAL
    ).values("status")[:1]
    return Coalesce(Subquery(status), Value(STATUS_NEW))


def count_of(queryset: QuerySet, by: str) -> Coalesce:
    """How many rows ``queryset`` has, as a scalar subquery grouped ``by`` its correlated field."""
    counted = queryset.order_by().values(by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted), Value(0))


def manual_count() -> Coalesce:
    """How many manual annotations the outer document has (one per author, any status)."""
    count = (
        Annotation.objects.filter(document=OuterRef("pk"), kind=AnnotationKind.MANUAL)
        .order_by()
        .values("document")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(count), Value(0))


def chunk_bytes(chunks: QuerySet) -> Iterator[bytes]:
    """Yield a stored file's chunks in ``index`` order, ``CHUNKS_PER_FETCH`` per query.

    One short query per few chunks, not ``QuerySet.iterator()``: outside a transaction its
    server-side cursor is declared WITH HOLD and read over several transactions, which a pooler
    in transaction mode (PgBouncer) may send to different server connections, where the cursor
    does not exist. A stored file's chunks never change, so reading them by index is exact.
    """
    after = -1
    while True:
        batch = list(
            chunks.filter(index__gt=after)
            .order_by("index")
            .values_list("index", "data")[:CHUNKS_PER_FETCH]
        )
        for _index, data in batch:
            yield bytes(data)
        if len(batch) < CHUNKS_PER_FETCH:
            return
        after = batch[-1][0]
