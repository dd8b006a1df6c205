"""Reads of document labels: a project's choices (labels with their groups), an annotation's set."""

from collections.abc import Iterable

from annotations.models import Annotation, DocumentLabel, Label, LabelGroup, LabelKind, Project


def document_label_choices(*, project_id: int) -> list[Label]:
    """Return the project's document labels with their groups, in one query."""
    return list(
        Label.objects.filter(project_id=project_id, kind=LabelKind.DOCUMENT)
        .select_related("group")
        .order_by("group__position", "group_id", "id")
    )


def label_groups_for_labels(*, project: Project, labels: Iterable[Label]) -> list[LabelGroup]:
    """The project's label groups for a page that has read ``labels``: none are read when no
    label is a document label (most projects have none, and their pages one query fewer)."""
    if not any(label.kind == LabelKind.DOCUMENT for label in labels):
        return []
    return list(LabelGroup.objects.filter(project=project))


def document_label_ids(*, annotation: Annotation) -> list[int]:
    """Return the ids of the labels the annotation gives its document, in id order."""
    return sorted(
        DocumentLabel.objects.filter(annotation=annotation).values_list("label_id", flat=True)
    )
