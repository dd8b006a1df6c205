"""Reading what a write refers to: labels, targets and spans, always within its own scope.

References are accepted as model instances or as ids and are looked up again within the
annotation's project (labels, targets) or the annotation itself (claimants, holders,
evidence): an id of another project is a field error, never a silent cross-project link.
"""

import enum
import uuid
from typing import TypeVar

from django.db import models

from annotations import selectors
from annotations.models import Annotation, Label, Span, StanceTarget
from annotations.services.annotating.messages import (
    CLIENT_ID_INVALID,
    LABEL_NOT_IN_PROJECT,
    NOT_AN_ID,
    SPAN_NOT_IN_ANNOTATION,
    TARGET_NOT_IN_PROJECT,
    Errors,
    add,
)
from annotations.services.annotating.rules import check_stance_label_kind

T = TypeVar("T")


class Unset(enum.Enum):
    """Marks an argument of an update that was not given (None is a value: "clear it")."""

    UNSET = enum.auto()


UNSET = Unset.UNSET


def spans_by_ref(locked: Annotation, refs: list[object]) -> list[Span]:
    """Load the annotation's spans among ``refs`` (instances or ids) in one query."""
    found = [ref_pk(ref, Span) for ref in refs if ref is not None]
    pks = [pk for pk in found if type(pk) is int]
    if not pks:
        return []
    return list(Span.objects.filter(annotation=locked, pk__in=pks).select_related("label"))


def project_label(
    value: object, locked: Annotation, errors: Errors, *, found: Label | Unset | None = UNSET
) -> Label | None:
    """The project's label ``value`` names (``found``: already looked up by the caller)."""
    pk = ref_pk(value, Label)
    if type(pk) is not int:
        add(errors, "label", NOT_AN_ID.format(value=value))
        return None
    if found is UNSET:
        found = selectors.label_get(project_id=locked.document.project_id, label_id=pk)
    label = found
    if label is None:
        add(errors, "label", LABEL_NOT_IN_PROJECT.format(value=pk))
    return label


def stance_label(value: object, locked: Annotation, errors: Errors) -> Label | None:
    label = project_label(value, locked, errors)
    if label is not None and not check_stance_label_kind(label, errors):
        return None
    return label


def project_target(value: object, locked: Annotation, errors: Errors) -> StanceTarget | None:
    pk = ref_pk(value, StanceTarget)
    if type(pk) is not int:
        add(errors, "target", NOT_AN_ID.format(value=value))
        return None
    target = StanceTarget.objects.filter(pk=pk, project_id=locked.document.project_id).first()
    if target is None:
        add(errors, "target", TARGET_NOT_IN_PROJECT.format(value=pk))
    return target


def own_span(value: object, spans: list[Span], field: str, errors: Errors) -> Span | None:
    """Find a span of this annotation among the loaded ``spans``; None for no reference."""
    if value is None:
        return None
    pk = ref_pk(value, Span)
    if type(pk) is not int:
        add(errors, field, NOT_AN_ID.format(value=value))
        return None
    found = by_pk(spans, pk)
    if found is None:
        add(errors, field, SPAN_NOT_IN_ANNOTATION.format(value=pk))
    return found


def by_pk(spans: list[Span], pk: int) -> Span | None:
    return next((span for span in spans if span.pk == pk), None)


def ref_pk(value: object, model: type[models.Model]) -> object:
    """The primary key a reference names: an instance's pk, or the value itself."""
    if isinstance(value, model):
        return value.pk
    return value


def text_or_empty(value: T | None) -> T | str:
    """Read a missing optional string (None, JSON null) as the empty string it is stored as."""
    return "" if value is None else value


def parse_client_id(value: object, errors: Errors) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    add(errors, "client_id", CLIENT_ID_INVALID.format(value=value))
    return None
