"""Document labels in gold: built from the annotators' (union or majority), accepted one by one.

The item is a label given to the document (by name, like spans' labels in gold's plan).
- By majority: a label goes in when strictly more than half of the submitted annotations gave
  it (annotations.doclabels.majority); a tie (exactly half) or fewer is a conflict naming who
  gave it. A single-choice group can hold only one label that more than half gave.
- From chosen annotations: the union of their labels; where a single-choice group would get
  several, the one most of them gave goes in and the others are conflicts (``single_choice``);
  a tie for most leaves the group empty, every candidate listed.
- Accepting one label replaces the label of its group already in gold when the group is
  single-choice (what pressing its key does on the annotate page).
Every write goes through annotating's document-label services: checked, versioned, logged.
"""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from annotations import doclabels, voting
from annotations.errors import InvalidInput
from annotations.models import Annotation, AnnotationKind, Document, DocumentLabel, Label
from annotations.services.annotating import annotation_set_document_labels
from annotations.services.annotating import label_group_of as group_of

DOCUMENT_LABEL = "document_label"
SINGLE_CHOICE = "single_choice"
NOT_A_SOURCE_LABEL = (
    "Label {value} is not a document label another annotation of this document gives."
)


@dataclass
class LabelBallots:
    """Who gave which document label (by name), and each label's group."""

    votes: dict[str, list[int]]  # label name -> annotation ids, in id order
    groups: dict[str, doclabels.Group]  # label name -> its group


def label_ballots(sources: Collection[Annotation]) -> LabelBallots:
    """Read the sources' document labels (one query)."""
    ballots = LabelBallots(votes={}, groups={})
    rows = (
        DocumentLabel.objects.filter(annotation__in=sources)
        .select_related("label__group")
        .order_by("annotation_id", "label__name")
    )
    for row in rows:
        ballots.votes.setdefault(row.label.name, []).append(row.annotation_id)
        ballots.groups[row.label.name] = group_of(row.label)
    return ballots


def plan_document_labels(
    ballots: LabelBallots, sources: list[int], *, majority: bool
) -> tuple[list[str], list[dict[str, Any]]]:
    """The labels gold gets (names) and the conflicts: by majority of ``sources``, or union."""
    conflicts: list[dict[str, Any]] = []
    votes = ballots.votes
    if majority:
        total = len(sources)
        given = [frozenset(n for n, voters in votes.items() if pk in voters) for pk in sources]
        kept, ties = doclabels.majority(given)
        for name in sorted(set(votes) - kept):
            reason = voting.TIE if name in ties else voting.MINORITY
            conflicts.append(_conflict(name, ballots, reason, total))
        return sorted(kept), conflicts
    kept_names: list[str] = []
    by_group: dict[Any, list[str]] = {}
    for name in sorted(votes):
        by_group.setdefault(ballots.groups[name].key, []).append(name)
    for names in by_group.values():
        group = ballots.groups[names[0]]
        if group.multiple or len(names) == 1:
            kept_names.extend(names)
            continue
        most = max(len(votes[name]) for name in names)
        leaders = [name for name in names if len(votes[name]) == most]
        winner = leaders[0] if len(leaders) == 1 else None
        if winner is not None:
            kept_names.append(winner)
        conflicts.extend(
            _conflict(name, ballots, SINGLE_CHOICE, None) for name in names if name != winner
        )
    return sorted(kept_names), conflicts


def _conflict(name: str, ballots: LabelBallots, reason: str, total: int | None) -> dict[str, Any]:
    voters = ballots.votes[name]
    conflict: dict[str, Any] = {
        "kind": DOCUMENT_LABEL,
        "reason": reason,
        "label": name,
        "group": ballots.groups[name].name,
        "annotations": sorted(voters),
    }
    if total is not None:
        conflict["count"] = len(voters)
        conflict["of"] = total
    return conflict


def agreed_additions(
    ballots: LabelBallots, total: int, gold_labels: list[Label]
) -> tuple[list[str], list[dict[str, Any]]]:
    """The labels every source gave that gold lacks and can take; those it cannot, as conflicts.

    Gold keeps what it has: an agreed label of a single-choice group where gold already has
    another label is listed (``single_choice``), not swapped in.
    """
    have = {label.name for label in gold_labels}
    taken = {group_of(label).key for label in gold_labels if not group_of(label).multiple}
    added: list[str] = []
    conflicts: list[dict[str, Any]] = []
    for name in sorted(ballots.votes):
        if len(ballots.votes[name]) != total or name in have:
            continue
        group = ballots.groups[name]
        if not group.multiple and group.key in taken:
            conflicts.append(_conflict(name, ballots, SINGLE_CHOICE, total))
            continue
        added.append(name)
        if not group.multiple:
            taken.add(group.key)
    return added, conflicts


def gold_labels_of(gold: Annotation) -> list[Label]:
    """Gold's document labels with their groups (one query)."""
    return list(
        Label.objects.filter(document_labels__annotation=gold)
        .select_related("group")
        .order_by("id")
    )


def gold_give_document_label(
    *, document: Document, gold: Annotation, label_id: Any, actor: User | None
) -> int:
    """Give gold (locked by the caller) a document label another annotation gave; its id.

    In a single-choice group it replaces the group's label gold had; a label gold has already
    changes nothing.
    """
    source = None
    if type(label_id) is int:
        source = (
            DocumentLabel.objects.filter(annotation__document=document, label_id=label_id)
            .exclude(annotation__kind=AnnotationKind.GOLD)
            .select_related("label__group")
            .first()
        )
    if source is None:
        raise InvalidInput({DOCUMENT_LABEL: [NOT_A_SOURCE_LABEL.format(value=label_id)]})
    current = gold_labels_of(gold)
    if any(label.pk == source.label_id for label in current):
        return source.label_id
    group = group_of(source.label)
    kept = [label.pk for label in current if group.multiple or group_of(label).key != group.key]
    annotation_set_document_labels(annotation=gold, labels=[*kept, source.label_id], actor=actor)
    return source.label_id
