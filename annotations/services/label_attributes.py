"""Writes to a label's declared attributes: the whole list is replaced at once.

The rules of a declaration are annotations.attributes'. What only the database can tell is
checked here: an attribute, or a choice of one, that stored items (spans, stances,
relations: manual, gold and predictions alike) still use cannot be taken away, and the
refusal says how many items use it, so a manager can change those items first. Changing an
attribute's type counts as taking it away.
"""

from functools import reduce
from operator import or_
from typing import Any

from django.db import transaction
from django.db.models import Q

from annotations import attributes, builtins, rules
from annotations.errors import InvalidInput
from annotations.models import Label, LabelAttribute, Relation, Span, Stance

# A document label is given to the whole document with no item to carry values.
NO_ATTRIBUTES = (rules.DOCUMENT,)
KIND_HAS_NONE = "A {kind} label carries no attributes (it has no item to put them on)."
ATTRIBUTE_IN_USE = (
    "Attribute {name} of label {label} has a value on {count} item(s); it cannot be removed "
    "or change type while they do. Clear those values first."
)
CHOICE_IN_USE = (
    'Choice "{choice}" of attribute {name} (label {label}) is given on {count} item(s); it '
    "cannot be removed while they use it. Change those items first."
)


def label_attributes_replace(*, label: Label, declared: object) -> bool:
    """Replace the saved label's attributes by ``declared`` (declarations, in order).

    Return whether anything changed. The caller holds the project's lock (label_create,
    label_update).
    """
    found, errors = attributes.declarations(declared)
    if errors:
        raise InvalidInput(errors)
    if found and label.kind in NO_ATTRIBUTES:
        raise InvalidInput({"attributes": [KIND_HAS_NONE.format(kind=label.kind)]})
    reserved = {spec.name for spec in builtins.declarations_for(label.kind)}
    taken = sorted(item.name for item in found if item.name in reserved)
    if taken:
        messages = [builtins.NAME_RESERVED.format(name=name) for name in taken]
        raise InvalidInput({"attributes": messages})
    old = list(LabelAttribute.objects.users().filter(label=label))
    errors = _in_use_errors(label, old, found)
    if errors:
        raise InvalidInput(errors)
    if _same(old, found):
        return False
    with transaction.atomic():
        LabelAttribute.objects.users().filter(label=label).delete()
        LabelAttribute.objects.bulk_create(
            LabelAttribute(
                label=label,
                name=item.name,
                type=item.type,
                required=item.required,
                choices=list(item.choices),
                description=item.description,
                position=position,
            )
            for position, item in enumerate(found)
        )
    return True


def _same(old: list[LabelAttribute], new: list[attributes.Declared]) -> bool:
    return [_key(row) for row in old] == [
        (item.name, item.type, item.required, list(item.choices), item.description) for item in new
    ]


def _key(row: LabelAttribute) -> tuple[Any, ...]:
    return (row.name, row.type, row.required, list(row.choices), row.description)


def _in_use_errors(
    label: Label, old: list[LabelAttribute], new: list[attributes.Declared]
) -> dict[str, list[str]]:
    taken = attributes.removals(old, new)
    if not taken:
        return {}
    names = sorted({removal.name for removal in taken})
    stored: list[dict[str, Any]] = []
    for model in (Span, Stance, Relation):
        # A span's stored values hold the built-ins' too, under names no user attribute of
        # its label may take.
        column = "attribute_values" if model is Span else "attributes"
        # Only the items that hold one of the names are read: a JSON key lookup both
        # databases answer, with no full scan of the values in Python.
        holding = reduce(or_, (Q(**{f"{column}__has_key": name}) for name in names))
        stored.extend(model.objects.filter(holding, label=label).values_list(column, flat=True))
    messages = []
    for removal in taken:
        count = sum(1 for values in stored if attributes.uses(values, removal))
        if not count:
            continue
        if removal.choice is None:
            message = ATTRIBUTE_IN_USE.format(name=removal.name, label=label.name, count=count)
        else:
            message = CHOICE_IN_USE.format(
                choice=removal.choice, name=removal.name, label=label.name, count=count
            )
        messages.append(message)
    return {"attributes": messages} if messages else {}
