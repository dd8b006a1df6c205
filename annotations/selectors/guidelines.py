"""Reads of a project's guidelines versions: the current one, all of them, and gold per version."""

from collections.abc import Collection

from django.db.models import Count, QuerySet
from django.db.models.functions import Coalesce

from annotations.models import Annotation, AnnotationKind, GuidelinesVersion, Project


def guidelines_current(*, project_id: int) -> GuidelinesVersion | None:
    """The project's newest guidelines version (None only before its first is recorded)."""
    return GuidelinesVersion.objects.filter(project_id=project_id).order_by("-number").first()


def guidelines_versions(*, project: Project) -> QuerySet[GuidelinesVersion]:
    """Every guidelines version of the project, newest first, with who made it."""
    return (
        GuidelinesVersion.objects.filter(project=project)
        .select_related("created_by")
        .order_by("-number")
    )


def gold_guidelines_counts(
    *, project_id: int, statuses: Collection[str] | None = None
) -> list[tuple[int | None, int]]:
    """Gold documents per guidelines version, oldest version first (None: not recorded).

    A gold's version is the one current when it was last marked reviewed, else the one it was
    started under. ``statuses`` keeps only gold in those statuses, as the export does.
    """
    gold = Annotation.objects.filter(document__project_id=project_id, kind=AnnotationKind.GOLD)
    if statuses is not None:
        gold = gold.filter(status__in=list(statuses))
    made_under = Coalesce("submitted_guidelines_version__number", "guidelines_version__number")
    rows = gold.values(number=made_under).annotate(documents=Count("pk")).order_by("number")
    found = [(row["number"], row["documents"]) for row in rows]
    # Unrecorded last, whichever end the database sorts NULL to.
    return [row for row in found if row[0] is not None] + [row for row in found if row[0] is None]
