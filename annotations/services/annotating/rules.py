"""The span and stance rules (annotations.rules) applied to models, in the services' words.

``span_rule_errors`` checks a span on its own (offsets, text, claim-only fields); the
``check_*`` helpers check it against the others (overlap, kinds of claimants and holders, one
stance per target and holder). Each adds to an ``Errors`` dict rather than raising, so a write
reports every problem at once. The rules themselves are annotations.rules'; this module
reads them off models and words what breaks them.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from annotations import attributes, offsets, rules
from annotations.models import Annotation, Label, LabelAttribute, Span, Stance, StanceTarget
from annotations.services.annotating.messages import (
    AUTHOR_AS_HOLDER,
    CHECKWORTHY_INVALID,
    CLAIM_ONLY,
    CLAIMANT_AND_TEXT,
    CLAIMANT_NOT_ENTITY,
    CLAIMANT_TEXT_TOO_LONG,
    HOLDER_NOT_ENTITY,
    NOT_A_STRING,
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
    """Refuse to relabel a claimant or a stance holder to a kind that cannot be one."""
    kind, new_kind = span.label.kind, new_label.kind
    if rules.may_be_claimant(kind) and not rules.may_be_claimant(new_kind):
        claims = list(span.claims.order_by("id").values_list("pk", flat=True))
        if claims:
            add(errors, "label", SPAN_IS_CLAIMANT.format(span=span.pk, claims=ids(claims)))
    if rules.may_hold_stance(kind) and not rules.may_hold_stance(new_kind):
        held = list(Stance.objects.filter(holder=span).values_list("pk", flat=True))
        if held:
            add(errors, "label", SPAN_HOLDS_STANCES.format(span=span.pk, stances=ids(held)))


def check_stance_unique(
    locked: Annotation,
    target: StanceTarget,
    holder: Span | None,
    exclude_pk: int | None,
    errors: Errors,
) -> None:
    """One stance per (target, holder); a missing holder is the document's author."""
    # The slot's one query; StanceSlots is the same rule over stances held in memory.
    clash = Stance.objects.filter(annotation=locked, target=target, holder=holder)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        holder_name = AUTHOR_AS_HOLDER if holder is None else f"span {holder.pk}"
        add(errors, "target", STANCE_DUPLICATE.format(target=target.name, holder=holder_name))


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
        declared = list(LabelAttribute.objects.filter(label=label))
    stored, found = attributes.clean(values, declared, label=label.name, prefix=prefix)
    for field, messages in found.items():
        for message in messages:
            add(errors, field, message)
    return stored


def attribute_values_kept(label: Label, values: dict[str, Any]) -> dict[str, Any]:
    """Return the stored values a new label still accepts (the others go with the old label)."""
    if not values:
        return {}
    return attributes.kept_for(values, list(LabelAttribute.objects.filter(label=label)))
