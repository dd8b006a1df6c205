"""The span and stance rules (annotations.rules) applied to models, in the services' words.

``span_rule_errors`` checks a span on its own (offsets, text, claim-only fields); the
``check_*`` helpers check it against the others (overlap, kinds of claimants and holders, one
stance per target and holder); ``relation_rule_errors`` checks a relation's label and ends.
Each adds to an ``Errors`` dict rather than raising, so a write reports every problem at once.
The rules themselves are annotations.rules'; this module reads them off models and words
what breaks them.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q

from annotations import attributes, builtins, offsets, rules
from annotations.models import (
    Annotation,
    Label,
    LabelAttribute,
    Relation,
    Span,
    StanceTarget,
)
from annotations.services.annotating.messages import (
    AUTHOR_AS_HOLDER,
    CHECKWORTHY_INVALID,
    CLAIM_ONLY,
    CLAIMANT_AND_TEXT,
    CLAIMANT_NOT_ENTITY,
    CLAIMANT_TEXT_TOO_LONG,
    HOLDER_NOT_ENTITY,
    NOT_A_STRING,
    RELATION_DUPLICATE,
    RELATION_LABEL_KIND,
    RELATION_SOURCE_KIND,
    RELATION_TARGET_KIND,
    RELATION_TO_ITSELF,
    SPAN_HOLDS_STANCES,
    SPAN_IDENTICAL,
    SPAN_IS_CLAIMANT,
    SPAN_LABEL_KIND,
    SPAN_OVERLAP,
    STANCE_DUPLICATE,
    STANCE_LABEL_KIND,
    Errors,
    add,
    ids,
)
from annotations.services.annotating.stance_links import stances_in_slot
from annotations.wording import with_article

SPAN_LABEL_KINDS = rules.SPAN_LABEL_KINDS
CLAIMANT_TEXT_LIMIT = rules.CLAIMANT_TEXT_LIMIT


def span_rule_errors(
    *,
    document_text: str,
    label: Label | None,
    start: object,
    end: object,
    text: object,
    has_claimant: bool,
    claimant_text: object,
    checkworthy: object,
) -> Errors:
    """Check one span on its own (not against other spans); ``label`` None: already refused."""
    errors: Errors = {}
    message = offsets.range_error(start, end, len(document_text))
    if message is not None:
        add(errors, range_field(message, start, end, len(document_text)), message)
    elif text is not None:
        assert type(start) is int and type(end) is int  # range_error found no fault
        if not isinstance(text, str):
            add(errors, "text", NOT_A_STRING.format(value=text))
        else:
            mismatch = offsets.text_error(document_text, start, end, text)
            if mismatch is not None:
                add(errors, "text", mismatch)
    if not isinstance(claimant_text, str):
        add(errors, "claimant_text", NOT_A_STRING.format(value=claimant_text))
        claimant_text = ""
    broken = rules.span_fields_broken(
        kind=None if label is None else label.kind,
        has_claimant=has_claimant,
        claimant_text=claimant_text,
        checkworthy=checkworthy,
    )
    for rule, field in ((b.rule, b.field) for b in broken):
        if rule is rules.Rule.CLAIMANT_TEXT_LENGTH:
            message = CLAIMANT_TEXT_TOO_LONG.format(
                length=len(claimant_text), limit=rules.CLAIMANT_TEXT_LIMIT
            )
        elif rule is rules.Rule.CHECKWORTHY_VALUE:
            message = CHECKWORTHY_INVALID.format(value=checkworthy)
        elif rule is rules.Rule.ONE_CLAIMANT:
            message = CLAIMANT_AND_TEXT
        else:
            assert label is not None  # the label rules are checked only with a label
            template = SPAN_LABEL_KIND if rule is rules.Rule.SPAN_LABEL_KIND else CLAIM_ONLY
            message = template.format(field=field, name=label.name, a_kind=with_article(label.kind))
        add(errors, field, message)
    return errors


def range_field(message: str, start: object, end: object, length: int) -> str:
    """Name the field a range error is about: end when only end is at fault, else start."""
    if type(start) is not int:
        return "start"
    if message == offsets.RANGE_NOT_INTEGERS:
        return "end"
    if message == offsets.RANGE_PAST_TEXT.format(end=end, length=length):
        return "end"
    return "start"


def check_overlap(
    locked: Annotation,
    span: rules.Placed[str],
    others: Iterable[rules.Placed[str]],
    errors: Errors,
    *,
    label_name: str = "",
) -> None:
    """Refuse a span identical to, or overlapping where it may not, one of ``others``.

    Keys name the spans and labels are ids; ``label_name`` is the new span's, for the message.
    """
    others = list(others)
    same = rules.first_identical(span, others)
    if same is not None:
        add(errors, "start", identical_message(span, same, label_name))
        return
    clash = rules.first_clash(span, others, allow_overlap=locked.document.project.allow_overlap)
    if clash is not None:
        add(errors, "start", overlap_message(span, clash))


def identical_message(span: rules.Placed[str], same: rules.Placed[str], label_name: str) -> str:
    return SPAN_IDENTICAL.format(start=span.start, end=span.end, label=label_name, other=same.key)


def overlap_message(span: rules.Placed[str], clash: rules.Placed[str]) -> str:
    return SPAN_OVERLAP.format(
        start=span.start,
        end=span.end,
        other=clash.key,
        other_start=clash.start,
        other_end=clash.end,
        kind=span.kind,
    )


def candidates(spans: Iterable[Span], kind: str) -> list[rules.Placed[str]]:
    """Spans a query chose by their label's ``kind``, as the overlap rule sees them.

    The queries (``selectors.span_create_facts``, ``span_update``'s) read only the spans of
    the new span's kind that overlap it, and not their labels: the rule still decides.
    """
    return [
        rules.Placed(kind, span.start, span.end, f"span {span.pk}", span.label_id) for span in spans
    ]


def check_stance_label_kind(label: Label, errors: Errors, *, field: str = "label") -> bool:
    """Refuse a label that is not a stance value; return whether it is one."""
    if rules.takes_stance_label(label.kind):
        return True
    add(errors, field, STANCE_LABEL_KIND.format(name=label.name, a_kind=with_article(label.kind)))
    return False


def check_claimant_kind(label: Label, name: str, field: str, errors: Errors) -> None:
    if not rules.may_be_claimant(label.kind):
        add(errors, field, CLAIMANT_NOT_ENTITY.format(span=name, a_kind=with_article(label.kind)))


def check_holder_kind(label: Label, name: str, field: str, errors: Errors) -> None:
    if not rules.may_hold_stance(label.kind):
        add(errors, field, HOLDER_NOT_ENTITY.format(span=name, a_kind=with_article(label.kind)))


def check_relabel_keeps_uses(span: Span, new_label: Label, errors: Errors) -> None:
    """Refuse to relabel a claimant, a stance holder or a relation's end to a kind that
    cannot be one."""
    kind, new_kind = span.label.kind, new_label.kind
    if kind != new_kind:
        check_relabel_keeps_relations(span, new_label, errors)
    if rules.may_be_claimant(kind) and not rules.may_be_claimant(new_kind):
        claims = list(span.claims.order_by("id").values_list("pk", flat=True))
        if claims:
            add(errors, "label", SPAN_IS_CLAIMANT.format(span=span.pk, claims=ids(claims)))
    if rules.may_hold_stance(kind) and not rules.may_hold_stance(new_kind):
        held = list(
            Relation.links.filter(builtin=builtins.HOLDER, target=span)
            .order_by("stance_id")
            .values_list("stance_id", flat=True)
        )
        if held:
            add(errors, "label", SPAN_HOLDS_STANCES.format(span=span.pk, stances=ids(held)))


def check_relabel_keeps_relations(span: Span, new_label: Label, errors: Errors) -> None:
    """Refuse a new label whose kind an end of one of the span's relations may not have."""
    links = Relation.objects.filter(Q(source=span) | Q(target=span)).select_related("label")
    for relation in links.order_by("id"):
        source = (f"span {span.pk}", new_label) if relation.source_id == span.pk else None
        target = (f"span {span.pk}", new_label) if relation.target_id == span.pk else None
        found = relation_rule_errors(label=relation.label, source=source, target=target)
        for message in found.get("source", []) + found.get("target", []):
            add(errors, "label", f"{message} (relation {relation.pk})")


def check_stance_unique(
    locked: Annotation,
    target: StanceTarget,
    holder: Span | None,
    exclude_pk: int | None,
    errors: Errors,
) -> None:
    """One stance per (target, holder); a missing holder is the document's author.

    No database constraint can say it (the holder is a relation, in another table): every
    writer checks it holding the annotation's lock, this one query for one stance and
    annotations.rules.StanceSlots for stances held in memory.
    """
    clash = stances_in_slot(annotation=locked, target=target, holder=holder)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        holder_name = AUTHOR_AS_HOLDER if holder is None else f"span {holder.pk}"
        add(errors, "target", STANCE_DUPLICATE.format(target=target.name, holder=holder_name))


def relation_rule_errors(
    *,
    label: Label | None,
    source: tuple[str, Label] | None,
    target: tuple[str, Label] | None,
) -> Errors:
    """Check a relation's label and ends; each end is (how the message names it, its label).

    ``label`` None: already refused; an end None: missing or already refused.
    """
    errors: Errors = {}
    ends = {"source": source, "target": target}
    broken = rules.relation_broken(
        label_kind=None if label is None else label.kind,
        source_kind="" if label is None else label.source_kind,
        target_kind="" if label is None else label.target_kind,
        source=None if source is None else (source[0], source[1].kind),
        target=None if target is None else (target[0], target[1].kind),
    )
    for rule, field in ((b.rule, b.field) for b in broken):
        if rule is rules.Rule.RELATION_LABEL_KIND:
            assert label is not None  # the label's rule is checked only with a label
            message = RELATION_LABEL_KIND.format(name=label.name, a_kind=with_article(label.kind))
        elif rule is rules.Rule.RELATION_END_KIND:
            assert label is not None
            end = ends[field]
            assert end is not None  # an end's rule is checked only with the end
            wanted = label.source_kind if field == "source" else label.target_kind
            template = RELATION_SOURCE_KIND if field == "source" else RELATION_TARGET_KIND
            message = template.format(
                name=label.name,
                a_kind=with_article(wanted),
                span=end[0],
                its_kind=with_article(end[1].kind),
            )
        else:
            assert source is not None
            message = RELATION_TO_ITSELF.format(span=source[0])
        add(errors, field, message)
    return errors


def check_relation_unique(
    locked: Annotation,
    label: Label,
    source: Span,
    target: Span,
    exclude_pk: int | None,
    errors: Errors,
) -> None:
    """One relation per (label, source, target) in an annotation."""
    clash = Relation.objects.filter(annotation=locked, label=label, source=source, target=target)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        add(
            errors,
            "target",
            RELATION_DUPLICATE.format(
                label=label.name, source=f"span {source.pk}", target=f"span {target.pk}"
            ),
        )


def attribute_values(
    label: Label | None,
    values: object,
    errors: Errors,
    *,
    prefix: str = attributes.FIELD,
    declared: Sequence[attributes.AttributeSpec] | None = None,
) -> dict[str, Any]:
    """Check an item's attribute values against its label's; return what to store.

    The label's declarations are read only when there are values to check (one query), or
    taken from ``declared`` (the bulk replace reads every label's at once). ``label`` None:
    the label is already refused, so the values are not checked.
    """
    if label is None or values is None or values == {}:
        return {}
    if declared is None:
        declared = list(LabelAttribute.objects.users().filter(label=label))
    stored, found = attributes.clean(values, declared, label=label.name, prefix=prefix)
    for field, messages in found.items():
        for message in messages:
            add(errors, field, message)
    return stored


def attribute_values_kept(label: Label, values: dict[str, Any]) -> dict[str, Any]:
    """Return the stored values a new label still accepts (the others go with the old label)."""
    if not values:
        return {}
    return attributes.kept_for(values, list(LabelAttribute.objects.users().filter(label=label)))
