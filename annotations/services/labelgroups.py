"""Writes to a project's label groups: the sets document labels are chosen in.

A group is single-choice (``multiple`` false: at most one of its labels per annotation) or
multi-choice, and may be ``required`` (submit is refused until it has a label). As in
``services.projects``, every rule the database enforces is checked here first, and each
write locks the project row so two managers queue instead of racing the checks.
"""

from typing import Any, cast

from django.db import transaction
from django.db.models import Count

from annotations.errors import InvalidInput
from annotations.models import DocumentLabel, LabelGroup, Project
from annotations.services.projects import (
    FIELD_NOT_EDITABLE,
    NAME_REQUIRED,
    NAME_TOO_LONG,
    _lock,
    _strip,
)
from annotations.text import bidi_control_error

GROUP_NAME_TAKEN = "This project already has a label group named '{name}'."
GROUP_FLAG_INVALID = "{field} is true or false."
GROUP_POSITION_INVALID = "position is a whole number from 0 to 32767."
GROUP_HAS_LABELS = (
    "Label group {name} has {count} label(s): delete them or move them to another group first."
)
GROUP_HOLDS_SEVERAL = (
    "{count} annotation(s) give more than one label of {name}; it cannot become single-choice "
    "until each keeps one."
)

GROUP_NAME_MAX = cast(int, LabelGroup._meta.get_field("name").max_length)
GROUP_FIELDS = frozenset({"name", "multiple", "required", "position"})
POSITION_MAX = 32767


def label_group_create(
    *,
    project: Project,
    name: str,
    multiple: bool = False,
    required: bool = False,
    position: int = 0,
) -> LabelGroup:
    """Add a label group to the project."""
    with transaction.atomic():
        _lock(project.pk)
        group = LabelGroup(
            project=project,
            name=_strip(name),
            multiple=multiple,
            required=required,
            position=position,
        )
        _raise_if(label_group_errors(group))
        group.save()
    return group


def label_group_update(*, group: LabelGroup, **fields: Any) -> LabelGroup:
    """Change a group's name, choice, requirement or position."""
    _raise_if(
        {
            name: [FIELD_NOT_EDITABLE.format(field=name)]
            for name in fields
            if name not in GROUP_FIELDS
        }
    )
    with transaction.atomic():
        _lock(group.project_id)
        group = LabelGroup.objects.get(pk=group.pk)
        if "name" in fields:
            fields["name"] = _strip(fields["name"])
        becomes_single = group.multiple and fields.get("multiple") is False
        for field, value in fields.items():
            setattr(group, field, value)
        errors = label_group_errors(group)
        if becomes_single and "multiple" not in errors:
            errors.update(_holds_several_errors(group))
        _raise_if(errors)
        if fields:
            group.save(update_fields=list(fields))
    return group


def label_group_delete(*, group: LabelGroup) -> None:
    """Delete a group that has no labels; one with labels is refused, saying how many."""
    with transaction.atomic():
        _lock(group.project_id)
        count = group.labels.count()
        if count:
            raise InvalidInput({"group": [GROUP_HAS_LABELS.format(name=group.name, count=count)]})
        group.delete()


def label_group_errors(group: LabelGroup) -> dict[str, list[str]]:
    """Return what is wrong with this group, unsaved or changed, as field -> messages."""
    errors: dict[str, list[str]] = {}
    name = group.name
    if not isinstance(name, str) or not name.strip():
        errors["name"] = [NAME_REQUIRED]
    elif len(name) > GROUP_NAME_MAX:
        errors["name"] = [NAME_TOO_LONG.format(limit=GROUP_NAME_MAX)]
    elif bidi := bidi_control_error(name, field="name"):
        errors["name"] = [bidi]
    elif (
        LabelGroup.objects.filter(project_id=group.project_id, name=name)
        .exclude(pk=group.pk)
        .exists()
    ):
        errors["name"] = [GROUP_NAME_TAKEN.format(name=name)]
    for field in ("multiple", "required"):
        if not isinstance(getattr(group, field), bool):
            errors[field] = [GROUP_FLAG_INVALID.format(field=field)]
    position = group.position
    integer = isinstance(position, int) and not isinstance(position, bool)
    if not integer or not 0 <= position <= POSITION_MAX:
        errors["position"] = [GROUP_POSITION_INVALID]
    return errors


def _holds_several_errors(group: LabelGroup) -> dict[str, list[str]]:
    count = (
        DocumentLabel.objects.filter(label__group=group)
        .values("annotation")
        .annotate(given=Count("id"))
        .filter(given__gt=1)
        .count()
    )
    if not count:
        return {}
    return {"multiple": [GROUP_HOLDS_SEVERAL.format(count=count, name=group.name)]}


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise InvalidInput(errors)
