"""The rules one span or stance must satisfy, shared by the single writes and the bulk replace.

``span_rule_errors`` checks a span on its own (offsets, text, claim-only fields); the
``check_*`` helpers check it against the others (overlap, kinds of claimants and holders, one
stance per target and holder). Each adds to an ``Errors`` dict rather than raising, so a write
reports every problem at once.
"""

from collections.abc import Iterable

from annotations import offsets
from annotations.models import Annotation, Checkworthy, Label, LabelKind, Span, Stance, StanceTarget
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
    SPAN_IS_CLAIMANT,
    SPAN_LABEL_KIND,
    SPAN_OVERLAP,
    STANCE_DUPLICATE,
    Errors,
    add,
    ids,
)

SPAN_LABEL_KINDS = (LabelKind.ENTITY, LabelKind.CLAIM)
CLAIMANT_TEXT_LIMIT = Span._meta.get_field("claimant_text").max_length


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
        if not isinstance(text, str):
            add(errors, "text", NOT_A_STRING.format(value=text))
        else:
            mismatch = offsets.text_error(document_text, start, end, text)
            if mismatch is not None:
                add(errors, "text", mismatch)
    if not isinstance(claimant_text, str):
        add(errors, "claimant_text", NOT_A_STRING.format(value=claimant_text))
        claimant_text = ""
    elif len(claimant_text) > CLAIMANT_TEXT_LIMIT:
        add(
            errors,
            "claimant_text",
            CLAIMANT_TEXT_TOO_LONG.format(length=len(claimant_text), limit=CLAIMANT_TEXT_LIMIT),
        )
    if checkworthy not in ("", *Checkworthy.values):
        add(errors, "checkworthy", CHECKWORTHY_INVALID.format(value=checkworthy))
    if has_claimant and claimant_text:
        add(errors, "claimant", CLAIMANT_AND_TEXT)
    if label is None:
        return errors
    if label.kind not in SPAN_LABEL_KINDS:
        add(errors, "label", SPAN_LABEL_KIND.format(name=label.name, kind=label.kind))
    elif label.kind != LabelKind.CLAIM:
        claim_fields = {
            "claimant": has_claimant,
            "claimant_text": bool(claimant_text),
            "checkworthy": checkworthy not in ("", None),
        }
        for field, present in claim_fields.items():
            if present:
                add(errors, field, CLAIM_ONLY.format(field=field, name=label.name, kind=label.kind))
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
    kind: str,
    start: int,
    end: int,
    others: list[tuple[int, int, object]],
    errors: Errors,
    *,
    field: str = "start",
) -> None:
    """Refuse a range overlapping another span of the same kind, unless the project allows."""
    if locked.document.project.allow_overlap:
        return
    clash = offsets.first_overlap(start, end, others)
    if clash is None:
        return
    other_start, other_end = next((s, e) for s, e, key in others if key is clash)
    add(
        errors,
        field,
        SPAN_OVERLAP.format(
            start=start,
            end=end,
            other=clash,
            other_start=other_start,
            other_end=other_end,
            kind=kind,
        ),
    )


def ranges_of(spans: Iterable[Span]) -> list[tuple[int, int, object]]:
    return [(span.start, span.end, f"span {span.pk}") for span in spans]


def check_claimant_kind(label: Label, name: str, field: str, errors: Errors) -> None:
    if label.kind != LabelKind.ENTITY:
        add(errors, field, CLAIMANT_NOT_ENTITY.format(span=name, kind=label.kind))


def check_holder_kind(label: Label, name: str, field: str, errors: Errors) -> None:
    if label.kind != LabelKind.ENTITY:
        add(errors, field, HOLDER_NOT_ENTITY.format(span=name, kind=label.kind))


def check_not_used_as_entity(span: Span, errors: Errors) -> None:
    """Refuse to relabel away from entity a span that is a claimant or a stance holder."""
    if span.label.kind != LabelKind.ENTITY:
        return
    claims = list(span.claims.order_by("id").values_list("pk", flat=True))
    if claims:
        add(errors, "label", SPAN_IS_CLAIMANT.format(span=span.pk, claims=ids(claims)))
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
    clash = Stance.objects.filter(annotation=locked, target=target, holder=holder)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        holder_name = AUTHOR_AS_HOLDER if holder is None else f"span {holder.pk}"
        add(errors, "target", STANCE_DUPLICATE.format(target=target.name, holder=holder_name))
