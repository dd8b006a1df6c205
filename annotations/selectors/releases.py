"""Releases and their stored files, as the release pages and downloads read them.

Invariants: a release is reached through the caller's membership (``caller_role``; None for
a non-member); a stored file is read chunk by chunk, a few chunks per round trip, never
whole; lists leave out the bulky data-card fields.
"""

from collections.abc import Iterator

from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet

from annotations.models import Project, Release, ReleaseFile, ReleaseFileChunk, ReleaseStatus
from annotations.selectors.base import chunk_bytes, role_of


def release_list(*, project: Project) -> QuerySet[Release]:
    """Return the project's releases, newest first, without their bulky data-card fields."""
    return (
        Release.objects.filter(project=project)
        .select_related("created_by")
        .defer("agreement", "label_counts")
        .order_by("-id")
    )


def release_get_for_user(*, user: User, release_id: int) -> Release | None:
    """Return the release with the caller's ``caller_role`` and its files; None for a non-member."""
    return (
        Release.objects.filter(pk=release_id, project__memberships__user=user)  # type: ignore[no-redef]  # see role_of
        .annotate(caller_role=role_of(user, "project_id"))
        .select_related("project", "created_by")
        .prefetch_related(Prefetch("files", ReleaseFile.objects.order_by("id")))
        .first()
    )


def release_compare_choices(*, release: Release) -> QuerySet[Release]:
    """Return the project's other ready releases, newest first: those a release compares with."""
    return (
        Release.objects.filter(project_id=release.project_id, status=ReleaseStatus.READY)
        .exclude(pk=release.pk)
        .only("id", "name", "created_at")
        .order_by("-id")
    )


def release_file_get(*, release: Release, format_name: str) -> ReleaseFile | None:
    """Return the release's file in that format, or None."""
    return ReleaseFile.objects.filter(release=release, format=format_name).first()


def release_file_chunks(*, release_file: ReleaseFile) -> Iterator[bytes]:
    """Yield the stored file's bytes chunk by chunk, in order, never the whole file at once."""
    return chunk_bytes(ReleaseFileChunk.objects.filter(file=release_file))
