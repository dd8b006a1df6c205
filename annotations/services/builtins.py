"""Writes the built-ins (annotations.builtins) a project's labels carry: the one place that does.

Every claim label declares the built-in attributes ``checkworthy`` and ``claimant_text``:
label_create and label_update call ``label_builtins_sync`` (a label that becomes a claim
label gains them, one that stops being one loses them: its kind only changes while no item
uses it), and so do the demo loader and the test factories through label_create or this
function. Migration 0021_builtin_links declared them for the labels that existed before.
"""

from django.db import transaction

from annotations import builtins
from annotations.errors import InvalidInput
from annotations.models import Label, LabelAttribute


def label_builtins_sync(*, label: Label) -> None:
    """Declare the saved label's built-in attributes for its kind, and no others.

    A user attribute under a built-in's name is refused (the caller holds the project lock).
    """
    wanted = {spec.name: spec for spec in builtins.declarations_for(label.kind)}
    with transaction.atomic():
        taken = (
            LabelAttribute.objects.users()
            .filter(label=label, name__in=wanted)
            .values_list("name", flat=True)
        )
        errors = [builtins.NAME_RESERVED.format(name=name) for name in sorted(taken)]
        if errors:
            raise InvalidInput({"attributes": errors})
        have = set(
            LabelAttribute.objects.filter(label=label)
            .exclude(builtin="")
            .values_list("builtin", flat=True)
        )
        LabelAttribute.objects.filter(label=label).exclude(builtin="").exclude(
            builtin__in=wanted
        ).delete()
        LabelAttribute.objects.bulk_create(
            LabelAttribute(
                label=label,
                name=spec.name,
                builtin=spec.name,
                type=spec.type,
                choices=list(spec.choices),
                description=spec.description,
                position=position,
            )
            for position, spec in enumerate(wanted.values())
            if spec.name not in have
        )
