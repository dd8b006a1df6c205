"""Which roles may do what: the one place the role table of DESIGN.md is written down.

Every layer asks here: the API's permission helpers, the browser pages, the selectors (who
sees other people's work) and the services (who may reopen, who may hand work over). The
rules are pure functions of a role (``None`` for a non-member) and never touch the database.

- Every member reads the project, its labels, targets and documents, and annotates.
- Reviewers and managers see other people's annotations (annotators work blind), build and
  edit gold, reopen submitted work, read agreement, export and download releases.
- Managers alone import, manage labels, targets, members and the project, create releases
  and hand an annotator's work to someone else.

A non-member is answered "not found", never "forbidden": the callers turn ``None`` into 404
and a role outside the allowed set into 403 (``refusal``). A queryset that filters on the role
takes a rule as the tuple of roles it allows (``roles_where``), so it cannot drift from it.
"""

from collections.abc import Callable
from enum import Enum

from annotations.models.projects import Role

READ_ROLES: tuple[str, ...] = (Role.ANNOTATOR, Role.REVIEWER, Role.MANAGER)
REVIEW_ROLES: tuple[str, ...] = (Role.REVIEWER, Role.MANAGER)
MANAGE_ROLES: tuple[str, ...] = (Role.MANAGER,)


class Refusal(Enum):
    """Why a caller may not do something: as unknown (404) or as known but not allowed (403)."""

    NOT_FOUND = 404
    FORBIDDEN = 403


def may_read(role: str | None) -> bool:
    """Whether ``role`` reads the project and annotates its documents."""
    return role in READ_ROLES


def may_review(role: str | None) -> bool:
    """Whether ``role`` sees other people's work, edits gold, reopens and exports."""
    return role in REVIEW_ROLES


def may_manage(role: str | None) -> bool:
    """Whether ``role`` imports, manages the project and its members, and creates releases."""
    return role in MANAGE_ROLES


def sees_others_work(role: str | None) -> bool:
    """Whether ``role`` reads annotations by other people (annotators annotate blind)."""
    return may_review(role)


def may_reopen(role: str | None) -> bool:
    """Whether ``role`` may reopen someone else's submitted annotation."""
    return may_review(role)


def may_reassign(role: str | None) -> bool:
    """Whether ``role`` may hand an annotator's work over to another member."""
    return may_manage(role)


def roles_where(rule: Callable[[str | None], bool]) -> tuple[str, ...]:
    """Return the roles for which ``rule`` holds, for a queryset's ``role__in``."""
    return tuple(role for role in Role.values if rule(role))


def refusal(role: str | None, allowed: tuple[str, ...]) -> Refusal | None:
    """None when ``role`` is in ``allowed``; else how to refuse it (404 for a non-member)."""
    if role is None:
        return Refusal.NOT_FOUND
    if role not in allowed:
        return Refusal.FORBIDDEN
    return None
