"""A stance's holder and evidence spans, kept as built-in relations: the one module writing them.

A stance names its holder (an entity span of the same annotation; none: the document's author)
and its evidence (a span of any kind) through relations with ``builtin="holder"`` or
``"evidence"``, no label and no source span, from the stance (``Relation.stance``) to the span
(target); the database keeps one of each per stance. Clients, the event log and every service
still read and write them as the stance's ``holder`` and ``evidence`` fields: the callers here
(stance create and update, the bulk replace, imports, gold) check the rules first
(annotations.services.annotating.rules) and hold the annotation's lock. A deleted stance takes
its relations with it (``on_delete=CASCADE``).
"""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from annotations import builtins
from annotations.models import Annotation, Relation, Span, Stance, StanceQuerySet, StanceTarget


def stance_links_set(*, stance: Stance, holder: Span | None, evidence: Span | None) -> None:
    """Make ``holder`` and ``evidence`` the saved stance's spans (None: it names none).

    Two queries: its links go and the new ones are written (nothing refers to a relation).
    """
    Relation.links.filter(stance_id=stance.pk, builtin__in=builtins.STANCE_LINKS).delete()
    stance.holder = holder
    stance.evidence = evidence
    stance_links_create(stances=[stance])


def stance_links_create(*, stances: Iterable[Stance], batch_size: int = 1000) -> None:
    """Write the holder and evidence relations of new stances whose ids are set (in bulk)."""
    Relation.links.bulk_create(
        (
            Relation(
                annotation_id=stance.annotation_id,
                builtin=role,
                stance_id=stance.pk,
                target_id=span_id,
            )
            for stance in stances
            for role, span_id in (
                (builtins.HOLDER, stance.holder_id),
                (builtins.EVIDENCE, stance.evidence_id),
            )
            if span_id is not None
        ),
        batch_size=batch_size,
    )


def stances_naming(span: Span | int) -> list[tuple[int, str]]:
    """Return (stance id, role) for each stance this span holds or is the evidence of."""
    span_id = span.pk if isinstance(span, Span) else span
    return list(
        Relation.links.filter(builtin__in=builtins.STANCE_LINKS, target_id=span_id)
        .order_by("stance_id", "builtin")
        .values_list("stance_id", "builtin")
    )


def stances_in_slot(
    *, annotation: Annotation, target: StanceTarget | int, holder: Span | int | None
) -> StanceQuerySet:
    """The annotation's stances on ``target`` held by ``holder`` (None: the document's author);
    one at most when the rule "one stance per target and holder" holds."""
    holders = Relation.links.filter(builtin=builtins.HOLDER, stance=OuterRef("pk"))
    found = Stance.objects.filter(annotation=annotation, target=target)
    if holder is None:
        return found.filter(~Exists(holders))
    return found.filter(Exists(holders.filter(target=holder)))
