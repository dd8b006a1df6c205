"""What the management commands read from their arguments the same way."""

from django.core.management.base import CommandError

from annotations import selectors
from annotations.models import Project

NO_SUCH_PROJECT = "No project with id or name {ref!r}."


def project_argument(ref: str) -> Project:
    """The project a command's ``project`` argument names, by id or exact name."""
    project = selectors.project_get_by_ref(ref=ref)
    if project is None:
        raise CommandError(NO_SUCH_PROJECT.format(ref=ref))
    return project
