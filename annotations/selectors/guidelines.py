"""Reads of a project's guidelines versions: the current one, and all of them."""

from django.db.models import QuerySet

from annotations.models import GuidelinesVersion


def guidelines_current(*, project_id: int) -> GuidelinesVersion | None:
    """The project's newest guidelines version (None only before its first is recorded)."""
    return GuidelinesVersion.objects.filter(project_id=project_id).order_by("-number").first()


def guidelines_versions(*, project_id: int) -> QuerySet[GuidelinesVersion]:
    """Every guidelines version of the project, newest first, with who made it."""
    return (
        GuidelinesVersion.objects.filter(project_id=project_id)
        .select_related("created_by")
        .order_by("-number")
    )
