"""A claim's claimant span, kept as a built-in relation: the one module that writes it.

A claim names its claimant (an entity span of the same annotation) through a relation with
``builtin="claimant"`` and no label, from the claim (source) to the entity (target); the
database keeps one per claim and never the claim itself. Clients, the event log and every
service still read and write it as the span's ``claimant`` field (``Span.claimant_id``): the
callers here (span create/update/delete, the bulk replace, imports, gold) check the rules
first (annotations.services.annotating.rules) and hold the annotation's lock.
"""

from collections.abc import Iterable

from annotations import builtins
from annotations.models import Relation, Span


def claimant_set(*, claim: Span, claimant: Span | None) -> None:
    """Make ``claimant`` the saved claim's claimant span (None: it names none)."""
    links = Relation.links.filter(builtin=builtins.CLAIMANT, source_id=claim.pk)
    if claimant is None:
        links.delete()
    elif links.exclude(target_id=claimant.pk).delete()[0] or not links.exists():
        Relation.links.create(
            annotation_id=claim.annotation_id,
            builtin=builtins.CLAIMANT,
            source_id=claim.pk,
            target_id=claimant.pk,
        )
    claim.claimant = claimant


def claimants_create(*, claims: Iterable[Span], batch_size: int = 1000) -> None:
    """Write the claimant relations of new claims whose ``claimant_id`` is set (in bulk)."""
    Relation.links.bulk_create(
        (
            Relation(
                annotation_id=claim.annotation_id,
                builtin=builtins.CLAIMANT,
                source_id=claim.pk,
                target_id=claim.claimant_id,
            )
            for claim in claims
            if claim.claimant_id is not None
        ),
        batch_size=batch_size,
    )


def claimants_drop(*, claims: Iterable[int]) -> None:
    """Delete the claimant relations of these claims (before the claims are deleted)."""
    Relation.links.filter(builtin=builtins.CLAIMANT, source_id__in=list(claims)).delete()
