"""Reads of document labels: a project's choices (labels with their groups), an annotation's set."""

from annotations.models import Annotation, DocumentLabel, Label, LabelGroup, LabelKind


def document_label_choices(*, project_id: int) -> list[Label]:
    """Return the project's document labels with their groups, in one query."""
    return list(
        Label.objects.filter(project_id=project_id, kind=LabelKind.DOCUMENT)
        .select_related("group")
        .order_by("group__position", "group_id", "id")
    )


def label_groups_of(*, project_id: int) -> list[LabelGroup]:
    """Return the project's label groups, in their order above the text."""
    return list(LabelGroup.objects.filter(project_id=project_id))


def document_label_ids(*, annotation: Annotation) -> list[int]:
    """Return the ids of the labels the annotation gives its document, in id order."""
    return sorted(
        DocumentLabel.objects.filter(annotation=annotation).values_list("label_id", flat=True)
    )
