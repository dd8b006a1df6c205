"""Versioned guidelines: every change of a project's guidelines text is a new numbered version.

``guidelines_record`` is the one writer of versions; ``project_create`` and ``project_update``
call it, so the API, the admin and every page that edits guidelines version them. Its caller
holds the project's row lock, which makes "the newest number + 1" safe from races. The text is
compared exactly: saving the same text again makes no version.
"""

from django.contrib.auth.models import User

from annotations import selectors
from annotations.models import GuidelinesVersion, Project


def guidelines_record(*, project: Project, actor: User | None) -> GuidelinesVersion | None:
    """Record the project's guidelines as a new version if they differ from the newest one."""
    current = selectors.guidelines_current(project_id=project.pk)
    if current is not None and current.text == project.guidelines:
        return None
    return GuidelinesVersion.objects.create(
        project=project,
        number=1 if current is None else current.number + 1,
        text=project.guidelines,
        created_by=actor,
    )
