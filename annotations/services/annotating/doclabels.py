"""Document labels: set an annotation's whole set, and what submit asks of it.

The set is written whole (what the page's toggles and the API's PUT send), locked, versioned
and logged as one ``document_labels_changed`` event whose ``before``/``after`` are
``{"labels": [ids, sorted]}``. The rules (single-choice groups, required groups) are
annotations.doclabels'; this module reads them off models and words what breaks them. The
bulk replace checks its ``document_labels`` (by name) with ``document_labels_check`` too.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from annotations import doclabels, selectors
from annotations.errors import InvalidInput
from annotations.models import Annotation, DocumentLabel, EventAction, Label, LabelKind
from annotations.services.annotating.locking import annotation_lock_for_write, sync
from annotations.services.annotating.messages import (
    DOCUMENT_LABEL_KIND,
    DOCUMENT_LABEL_REPEATED,
    GROUP_REQUIRED_EMPTY,
    GROUP_SINGLE_CHOICE,
    LABEL_NAME_NOT_IN_PROJECT,
    LABEL_NOT_IN_PROJECT,
    NOT_A_LIST,
    NOT_A_NAME,
    NOT_AN_ID,
    Errors,
    add,
)
from annotations.services.changelog import annotation_change_record
from annotations.wording import with_article


@dataclass(frozen=True)
class DocumentLabels:
    """What annotation_set_document_labels wrote: the annotation and its labels, by id."""

    annotation: Annotation
    labels: list[int]


@transaction.atomic
def annotation_set_document_labels(
    *,
    annotation: Annotation,
    labels: Sequence[Label | int],
    actor: User | None,
    version: int | None = None,
) -> DocumentLabels:
    """Replace the labels the annotation gives its document; unchanged, nothing is written."""
    locked, _ = annotation_lock_for_write(annotation_id=annotation.pk, version=version)
    errors: Errors = {}
    choices = selectors.document_label_choices(project_id=locked.document.project_id)
    if not isinstance(labels, list | tuple):
        add(errors, "labels", NOT_A_LIST)
        labels = []
    refs = [label.pk if isinstance(label, Label) else label for label in labels]
    chosen = document_labels_check(
        refs, choices, errors, project_id=locked.document.project_id, path="labels", by="id"
    )
    if errors:
        raise InvalidInput(errors)
    after = sorted(label.pk for label in chosen)
    before = selectors.document_label_ids(annotation=locked)
    if after != before:
        document_labels_write(locked, chosen, before=before, actor=actor)
    sync(annotation, locked)
    return DocumentLabels(annotation=locked, labels=after)


def document_labels_write(
    locked: Annotation, chosen: list[Label], *, before: list[int], actor: User | None
) -> None:
    """Store ``chosen`` as the (locked) annotation's set and log the change."""
    DocumentLabel.objects.filter(annotation=locked).delete()
    DocumentLabel.objects.bulk_create(
        DocumentLabel(annotation=locked, label=label) for label in chosen
    )
    annotation_change_record(
        annotation=locked,
        actor=actor,
        action=EventAction.DOCUMENT_LABELS_CHANGED,
        before={"labels": before},
        after={"labels": sorted(label.pk for label in chosen)},
        claims=False,
    )


def document_labels_check(
    refs: Sequence[object],
    choices: list[Label],
    errors: Errors,
    *,
    project_id: int,
    path: str,
    by: str,
) -> list[Label]:
    """Resolve ``refs`` (ids, or names with ``by="name"``) to document labels; word each fault.

    A reference that is not a document label of the project, a label given twice and two
    labels of a single-choice group are errors at ``{path}.{index}``.
    """
    by_id = {label.pk: label for label in choices}
    by_name = {label.name: label for label in choices}
    found: list[tuple[int, Label]] = []
    for index, ref in enumerate(refs):
        label = _resolve(ref, by_id, by_name, project_id, errors, f"{path}.{index}", by)
        if label is None:
            continue
        earlier = next((at for at, other in found if other.pk == label.pk), None)
        if earlier is not None:
            add(
                errors,
                f"{path}.{index}",
                DOCUMENT_LABEL_REPEATED.format(name=label.name, index=f"{path}.{earlier}"),
            )
            continue
        found.append((index, label))
    index_of = {label.pk: index for index, label in found}
    group_of = {label.pk: label_group_of(label) for _, label in found}
    for group, crowded in doclabels.crowded_groups([label.pk for _, label in found], group_of):
        names = ", ".join(repr(by_id[pk].name) for pk in crowded)
        for pk in crowded[1:]:
            add(
                errors,
                f"{path}.{index_of[pk]}",
                GROUP_SINGLE_CHOICE.format(group=group.name, labels=names),
            )
    return [label for _, label in found]


def document_labels_missing(locked: Annotation) -> Errors:
    """The required groups the annotation gives no label of, as submit's field errors."""
    choices = selectors.document_label_choices(project_id=locked.document.project_id)
    if not choices:
        return {}
    given = selectors.document_label_ids(annotation=locked)
    group_of = {label.pk: label_group_of(label) for label in choices}
    # A group no label belongs to could never be filled: only groups with labels count.
    groups = list({label.group_id: group_of[label.pk] for label in choices}.values())
    errors: Errors = {}
    for group in doclabels.missing_required(given, group_of, groups):
        add(errors, "document_labels", GROUP_REQUIRED_EMPTY.format(group=group.name))
    return errors


def label_group_of(label: Label) -> doclabels.Group:
    """A document label's group as annotations.doclabels sees it."""
    group = label.group
    assert group is not None  # a document label always has one (a database constraint)
    return doclabels.Group(
        key=group.pk, name=group.name, multiple=group.multiple, required=group.required
    )


def _resolve(
    ref: object,
    by_id: dict[int, Label],
    by_name: dict[str, Label],
    project_id: int,
    errors: Errors,
    path: str,
    by: str,
) -> Label | None:
    if by == "name":
        if not isinstance(ref, str):
            add(errors, path, NOT_A_NAME.format(value=ref))
            return None
        label = by_name.get(ref)
        if label is None:
            other = Label.objects.filter(project_id=project_id, name=ref).first()
            message = (
                LABEL_NAME_NOT_IN_PROJECT.format(value=ref)
                if other is None
                else DOCUMENT_LABEL_KIND.format(name=ref, a_kind=with_article(other.kind))
            )
            add(errors, path, message)
        return label
    if type(ref) is not int:
        add(errors, path, NOT_AN_ID.format(value=ref))
        return None
    label = by_id.get(ref)
    if label is None:
        other = Label.objects.filter(project_id=project_id, pk=ref).first()
        message = (
            LABEL_NOT_IN_PROJECT.format(value=ref)
            if other is None or other.kind == LabelKind.DOCUMENT
            else DOCUMENT_LABEL_KIND.format(name=other.name, a_kind=with_article(other.kind))
        )
        add(errors, path, message)
    return label
