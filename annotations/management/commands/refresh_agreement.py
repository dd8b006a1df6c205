"""Bring every project's stored agreement up to date now, rather than on its next view."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.models import Project
from annotations.services import agreement

NO_SUCH_PROJECT = "No project with id {pk}."


class Command(BaseCommand):
    help = (
        "Compute the stored agreement of every document whose row is missing or stale (after "
        "this feature is deployed over existing projects, or after a bulk load), so that the "
        "first dashboard or review-queue view does not have to. All projects, or --project."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", type=int, help="Only this project (its id).")

    def handle(self, *args: object, project: int | None, **options: object) -> None:
        projects = Project.objects.order_by("pk")
        if project is not None:
            projects = projects.filter(pk=project)
            if not projects.exists():
                raise CommandError(NO_SUCH_PROJECT.format(pk=project))
        for each in projects:
            started = time.perf_counter()
            totals = agreement.project_agreement_current(project=each)
            self.stdout.write(
                f"project {each.pk}: {totals.annotations} submitted annotations, current "
                f"({time.perf_counter() - started:.1f} s)"
            )
