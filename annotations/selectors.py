"""Reads. Every query that leaves here is scoped to what the caller may see."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from annotations.models import Project


def project_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Project]:
    """Return the projects the user is a member of."""
    return Project.objects.filter(memberships__user=user).order_by("name", "id")
