"""Labels an import creates: the unknown labels of ``create_labels``, made before storing.

Preparation gives a span whose label the project lacks the id ``NEW_LABEL`` and the label's
name, with the kind its key implies (``claims``: claim; ``sentences``: sentence; ``label``
and ``entities``: entity); likewise a relation (kind relation) and a document label (kind
document, in the group the file names, created when the project lacks it: one that takes
several labels when a line gives several of it, else one).
Before a batch is stored, ``labels_resolve`` creates each such label once (through the label
service: a colour the project does not use yet, no shortcut), lists it in the report, and puts
its id into the spans. A name the import already created with the other kind cannot serve
both: the span that wanted the other kind is dropped and reported, and what referred to it
follows (a claim keeps no claimant; a stance with it as holder or evidence is dropped).
"""

from annotations import rules
from annotations.errors import InvalidInput
from annotations.models import Label, LabelGroup, Project
from annotations.services.ingest.records import (
    NEW_LABEL,
    WARN_KIND_TAKEN,
    WARN_LABEL_KIND_TAKEN,
    WARN_RELATION_SPAN_DROPPED,
    WARN_STANCE_SPAN_DROPPED,
    ImportReport,
    Prepared,
)
from annotations.services.projects import label_create
from annotations.wording import with_article


def labels_resolve(project: Project, batch: list[Prepared], report: ImportReport) -> None:
    """Create the labels the batch's items name, and give those items their ids."""
    wanted: dict[str, str] = {}  # name -> the kind first asked for
    groups: dict[str, str] = {}  # document label -> its group
    several: set[str] = set()  # the groups a line gives several labels of
    for item in batch:
        for span in item.spans:
            if span.label_id == NEW_LABEL:
                wanted.setdefault(span.label_name, span.kind)
        for relation in item.relations:
            if relation.label_id == NEW_LABEL:
                wanted.setdefault(relation.label_name, rules.RELATION)
        given: dict[str, int] = {}
        for document_label in item.document_labels:
            if document_label.label_id == NEW_LABEL:
                wanted.setdefault(document_label.label_name, rules.DOCUMENT)
                groups.setdefault(document_label.label_name, document_label.group)
                given[document_label.group] = given.get(document_label.group, 0) + 1
        several |= {group for group, count in given.items() if count > 1}
    if not wanted:
        return
    labels = _labels_named(project, list(wanted))
    for name, kind in wanted.items():
        if name not in labels:
            group = None
            if kind == rules.DOCUMENT:
                group = _group(project, groups[name], multiple=groups[name] in several)
            labels[name] = _create(project, name, kind, report, group)
    for item in batch:
        _resolve(item, labels)
        _resolve_others(item, labels)


def _group(project: Project, name: str, *, multiple: bool) -> LabelGroup:
    """The project's label group of this name, created when it has none."""
    group, _ = LabelGroup.objects.get_or_create(
        project=project, name=name, defaults={"multiple": multiple}
    )
    return group


def _resolve_others(item: Prepared, labels: dict[str, tuple[int, str]]) -> None:
    """Put the created labels' ids into the item's relations and document labels; drop those
    whose name the import created with another kind."""
    relations = []
    for relation in item.relations:
        if relation.label_id == NEW_LABEL:
            pk, kind = labels[relation.label_name]
            if kind != rules.RELATION:
                item.warnings.append(
                    WARN_KIND_TAKEN.format(
                        wanted="relation", label=relation.label_name, a_kind=with_article(kind)
                    )
                )
                continue
            relation.label_id = pk
        relations.append(relation)
    document_labels = []
    for document_label in item.document_labels:
        if document_label.label_id == NEW_LABEL:
            pk, kind = labels[document_label.label_name]
            if kind != rules.DOCUMENT:
                item.warnings.append(
                    WARN_KIND_TAKEN.format(
                        wanted="document label",
                        label=document_label.label_name,
                        a_kind=with_article(kind),
                    )
                )
                continue
            document_label.label_id = pk
        document_labels.append(document_label)
    item.relations, item.document_labels = relations, document_labels


def _labels_named(project: Project, names: list[str]) -> dict[str, tuple[int, str]]:
    rows = Label.objects.filter(project=project, name__in=names).values_list("name", "id", "kind")
    return {name: (pk, kind) for name, pk, kind in rows}


def _create(
    project: Project,
    name: str,
    kind: str,
    report: ImportReport,
    group: LabelGroup | None = None,
) -> tuple[int, str]:
    try:
        label = label_create(project=project, name=name, kind=kind, group=group)
    except InvalidInput:
        # Created a moment ago by a concurrent import: take theirs.
        return _labels_named(project, [name])[name]
    if report.labels_created is not None:
        report.labels_created.append({"id": label.pk, "name": label.name, "kind": label.kind})
    return label.pk, label.kind


def _resolve(item: Prepared, labels: dict[str, tuple[int, str]]) -> None:
    """Put the created labels' ids into the item's spans; drop those of the wrong kind."""
    dropped = set()
    for index, span in enumerate(item.spans):
        if span.label_id != NEW_LABEL:
            continue
        pk, kind = labels[span.label_name]
        if kind != span.kind:
            dropped.add(index)
            item.warnings.append(
                WARN_LABEL_KIND_TAKEN.format(
                    wanted=span.kind,
                    start=span.start,
                    end=span.end,
                    label=span.label_name,
                    a_kind=with_article(kind),
                )
            )
        span.label_id = pk
    if dropped:
        _drop_spans(item, dropped)


def _drop_spans(item: Prepared, dropped: set[int]) -> None:
    """Take these spans out of the item; what referred to them by index follows."""
    kept = [index for index in range(len(item.spans)) if index not in dropped]
    moved = {old: new for new, old in enumerate(kept)}
    spans = [item.spans[index] for index in kept]
    for span in spans:
        if span.claimant is not None:
            span.claimant = moved.get(span.claimant)
    stances = []
    for stance in item.stances:
        gone = [role for role in ("holder", "evidence") if getattr(stance, role) in dropped]
        if gone:
            span = item.spans[getattr(stance, gone[0])]
            item.warnings.append(
                WARN_STANCE_SPAN_DROPPED.format(role=gone[0], start=span.start, end=span.end)
            )
            continue
        stance.holder = None if stance.holder is None else moved[stance.holder]
        stance.evidence = None if stance.evidence is None else moved[stance.evidence]
        stances.append(stance)
    relations = []
    for relation in item.relations:
        gone = [role for role in ("source", "target") if getattr(relation, role) in dropped]
        if gone:
            span = item.spans[getattr(relation, gone[0])]
            item.warnings.append(
                WARN_RELATION_SPAN_DROPPED.format(role=gone[0], start=span.start, end=span.end)
            )
            continue
        relation.source, relation.target = moved[relation.source], moved[relation.target]
        relations.append(relation)
    item.spans, item.stances, item.relations = spans, stances, relations
