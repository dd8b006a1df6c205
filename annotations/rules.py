"""Span and stance rules: the one place that says what a span or a stance may be.

Pure (plain strings and ints, no Django, no models): the annotating services (single writes
and the bulk replace), review (building gold, accepting items into it) and the import's
pre-annotations all ask here, and each turns a broken rule into its own words: a field error,
a gold conflict, an import warning. Offset arithmetic is annotations.offsets'.

The rules:
- Label kinds: spans take entity or claim labels; stances take stance labels.
- A span's kind is its label's kind, wherever the span came from (a pre-annotation listed
  under ``entities`` with a claim label is a claim).
- Overlap: two spans of the same kind may not share a code point unless the project allows
  overlap; spans of different kinds always may (a claim and the entities inside it).
- Identical: a span with the label and offsets of one already in the annotation is refused,
  whatever the overlap rule (it would only be a second copy of the same item).
- Claim-only fields: only claim spans carry ``claimant``, ``claimant_text`` and
  ``checkworthy``. A claimant is a span or a free text, never both; ``claimant_text`` is at
  most ``CLAIMANT_TEXT_LIMIT`` characters; ``checkworthy`` is yes, no, unsure, or empty.
- A claimant and a stance holder are entity spans; evidence may be a span of any kind.
- One stance per (target, holder) in an annotation; no holder means the document's author,
  who holds one stance per target like any other holder.
- Relations: a relation takes a relation label; it links two different spans of one
  annotation, from ``source`` to ``target``; a label's ``source_kind`` / ``target_kind``, when
  set, is the kind the span at that end must have (``""``: any span); one relation per
  (label, source, target).
- Sentence units: a sentence label goes on a span that is exactly one of the document's
  sentences (annotations.sentences), in a project with sentence units only; the span's unit is
  that sentence's number. A unit given with a span must be the number of the sentence the span
  covers, and only sentence-labelled spans are units.
"""

import enum
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from annotations import offsets

# Label kinds, as stored in Label.kind (tests hold them equal to LabelKind's values).
ENTITY = "entity"
CLAIM = "claim"
STANCE = "stance"
RELATION = "relation"
DOCUMENT = "document"
SENTENCE = "sentence"

SPAN_LABEL_KINDS = (ENTITY, CLAIM)
STANCE_LABEL_KINDS = (STANCE,)
RELATION_LABEL_KINDS = (RELATION,)
DOCUMENT_LABEL_KINDS = (DOCUMENT,)
# Sentence labels go on the spans of sentence units only (one per sentence).
SENTENCE_LABEL_KINDS = (SENTENCE,)
# The kinds of span a relation may start or end at.
RELATION_ENDPOINT_KINDS = (ENTITY, CLAIM, SENTENCE)
CLAIMANT_KINDS = (ENTITY,)
HOLDER_KINDS = (ENTITY,)
EVIDENCE_KINDS = SPAN_LABEL_KINDS

# The values of Span.checkworthy besides "" (not given); tests hold them equal to Checkworthy's.
CHECKWORTHY_VALUES = ("yes", "no", "unsure")
# The longest free-text claimant (the built-in text attribute claimant_text, whose own
# limit, attributes.TEXT_LIMIT, is larger; a test holds that).
CLAIMANT_TEXT_LIMIT = 500
CLAIM_ONLY_FIELDS = ("claimant", "claimant_text", "checkworthy")


class Rule(enum.Enum):
    """Which rule a span or stance breaks; the caller words it."""

    SPAN_LABEL_KIND = "span_label_kind"
    STANCE_LABEL_KIND = "stance_label_kind"
    CLAIM_ONLY = "claim_only"
    CHECKWORTHY_VALUE = "checkworthy_value"
    CLAIMANT_TEXT_LENGTH = "claimant_text_length"
    ONE_CLAIMANT = "one_claimant"
    CLAIMANT_KIND = "claimant_kind"
    HOLDER_KIND = "holder_kind"
    OVERLAP = "overlap"
    IDENTICAL = "identical"
    ONE_STANCE_PER_TARGET_AND_HOLDER = "one_stance_per_target_and_holder"
    RELATION_LABEL_KIND = "relation_label_kind"
    RELATION_END_KIND = "relation_end_kind"
    RELATION_TO_ITSELF = "relation_to_itself"
    ONE_RELATION_PER_LABEL_AND_ENDS = "one_relation_per_label_and_ends"
    SENTENCE_UNITS_OFF = "sentence_units_off"
    WHOLE_SENTENCE = "whole_sentence"
    UNIT_UNKNOWN = "unit_unknown"
    UNIT_COVERS_SENTENCE = "unit_covers_sentence"
    UNIT_LABEL_KIND = "unit_label_kind"


@dataclass(frozen=True)
class Broken:
    """A broken rule and the field at fault."""

    rule: Rule
    field: str


# Label kinds


def takes_span_label(kind: str) -> bool:
    """Whether a span may have a label of this kind."""
    return kind in SPAN_LABEL_KINDS


def goes_on_unit(kind: str) -> bool:
    """Whether a label of this kind goes on a sentence unit's span (and on no other span)."""
    return kind in SENTENCE_LABEL_KINDS


def goes_on_span(kind: str) -> bool:
    """Whether a span may have a label of this kind: one an annotator draws, or a unit's."""
    return takes_span_label(kind) or goes_on_unit(kind)


def takes_stance_label(kind: str) -> bool:
    """Whether a stance's value may be a label of this kind."""
    return kind in STANCE_LABEL_KINDS


def may_be_claimant(kind: str) -> bool:
    """Whether a span of this kind may be a claim's claimant."""
    return kind in CLAIMANT_KINDS


def may_hold_stance(kind: str) -> bool:
    """Whether a span of this kind may hold a stance."""
    return kind in HOLDER_KINDS


def may_be_evidence(kind: str) -> bool:
    """Whether a span of this kind may be a stance's evidence."""
    return kind in EVIDENCE_KINDS


def takes_relation_label(kind: str) -> bool:
    """Whether a relation may have a label of this kind."""
    return kind in RELATION_LABEL_KINDS


def relation_end_fits(wanted: str, kind: str) -> bool:
    """Whether a span of ``kind`` may be the end a relation label wants (``""``: any span)."""
    return kind in RELATION_ENDPOINT_KINDS and wanted in ("", kind)


def relation_broken(
    *,
    label_kind: str | None,
    source_kind: str = "",
    target_kind: str = "",
    source: tuple[Hashable, str] | None,
    target: tuple[Hashable, str] | None,
) -> list[Broken]:
    """Check a relation on its own; ``label_kind`` None: no label yet.

    ``source_kind``/``target_kind`` are the label's; ``source``/``target`` each end's span as
    (what the caller knows it by, its kind), None when unknown.
    """
    broken: list[Broken] = []
    if label_kind is not None and not takes_relation_label(label_kind):
        broken.append(Broken(Rule.RELATION_LABEL_KIND, "label"))
        source_kind = target_kind = ""
    for field, wanted, end in (("source", source_kind, source), ("target", target_kind, target)):
        if end is not None and not relation_end_fits(wanted, end[1]):
            broken.append(Broken(Rule.RELATION_END_KIND, field))
    if source is not None and target is not None and source[0] == target[0]:
        broken.append(Broken(Rule.RELATION_TO_ITSELF, "target"))
    return broken


# Claim-only fields


def carries_claim_fields(kind: str) -> bool:
    """Whether a span of this kind may carry claimant, claimant_text and checkworthy."""
    return kind == CLAIM


def is_checkworthy(value: object) -> bool:
    """Whether ``value`` is a check-worthiness (not counting "", which means not given)."""
    return value in CHECKWORTHY_VALUES


def claimant_text_fits(text: str, limit: int = CLAIMANT_TEXT_LIMIT) -> bool:
    """Whether a free-text claimant is short enough to store."""
    return len(text) <= limit


def span_fields_broken(
    *,
    kind: str | None,
    has_claimant: bool,
    claimant_text: str,
    checkworthy: object,
    claimant_text_limit: int = CLAIMANT_TEXT_LIMIT,
) -> list[Broken]:
    """Check a span's label kind and claim fields on their own; ``kind`` None: no label yet."""
    broken: list[Broken] = []
    if not claimant_text_fits(claimant_text, claimant_text_limit):
        broken.append(Broken(Rule.CLAIMANT_TEXT_LENGTH, "claimant_text"))
    if checkworthy != "" and not is_checkworthy(checkworthy):
        broken.append(Broken(Rule.CHECKWORTHY_VALUE, "checkworthy"))
    if has_claimant and claimant_text:
        broken.append(Broken(Rule.ONE_CLAIMANT, "claimant"))
    if kind is None:
        return broken
    if not goes_on_span(kind):
        broken.append(Broken(Rule.SPAN_LABEL_KIND, "label"))
    elif not carries_claim_fields(kind):
        present = {
            "claimant": has_claimant,
            "claimant_text": bool(claimant_text),
            "checkworthy": checkworthy not in ("", None),
        }
        broken.extend(
            Broken(Rule.CLAIM_ONLY, field) for field in CLAIM_ONLY_FIELDS if present[field]
        )
    return broken


# Overlap


class Ranged(Protocol):
    """A span as the overlap policy sees it: its label's kind and its offsets."""

    @property
    def kind(self) -> str: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


K = TypeVar("K")
R = TypeVar("R", bound=Ranged)


@dataclass(frozen=True)
class Placed(Generic[K]):
    """A span's kind and offsets with whatever its caller knows it by (an id, an index...).

    ``label`` (an id or a name) is what the identical rule compares; None: not known.
    """

    kind: str
    start: int
    end: int
    key: K
    label: Hashable = None


def may_overlap(kind: str, other_kind: str, *, allow_overlap: bool) -> bool:
    """Whether spans of these kinds may share code points in a project."""
    return allow_overlap or kind != other_kind


def clashes(span: Ranged, other: Ranged, *, allow_overlap: bool) -> bool:
    """Whether two spans overlap where the project does not let them."""
    return not may_overlap(span.kind, other.kind, allow_overlap=allow_overlap) and offsets.overlaps(
        span.start, span.end, other.start, other.end
    )


def first_clash(span: Ranged, others: Iterable[R], *, allow_overlap: bool) -> R | None:
    """Return the first of ``others`` that ``span`` may not overlap, or None."""
    for other in others:
        if clashes(span, other, allow_overlap=allow_overlap):
            return other
    return None


class Layout(Generic[R]):
    """Spans kept one at a time: a span that clashes with one already kept is refused.

    For choosing among candidates (gold, pre-annotations): whatever comes first stays.
    """

    def __init__(self, kept: Iterable[R] = (), *, allow_overlap: bool) -> None:
        self.allow_overlap = allow_overlap
        self.kept: list[R] = list(kept)

    def clash(self, span: Ranged) -> R | None:
        """Return the kept span that ``span`` may not overlap, or None."""
        return first_clash(span, self.kept, allow_overlap=self.allow_overlap)

    def place(self, span: R) -> R | None:
        """Keep ``span`` unless it clashes; return the kept span it clashes with, or None."""
        clash = self.clash(span)
        if clash is None:
            self.kept.append(span)
        return clash


def sweep_clashes(spans: Iterable[R], *, allow_overlap: bool) -> list[tuple[R, R]]:
    """Find every span that clashes with one starting before it (for checking a whole body).

    Each is paired with the earlier span of its kind that reaches furthest right. A sweep in
    (start, end) order: a range overlaps an earlier one of its kind exactly when it overlaps
    that one, so one comparison per span is enough even for the thousands of spans of a long
    pre-annotated document. Spans of one kind are the only ones that can clash.
    """
    found: list[tuple[R, R]] = []
    furthest: dict[str, R] = {}
    for span in sorted(spans, key=lambda span: (span.start, span.end)):
        previous = furthest.get(span.kind)
        if previous is not None and clashes(span, previous, allow_overlap=allow_overlap):
            found.append((span, previous))
        if previous is None or span.end > previous.end:
            furthest[span.kind] = span
    return found


# Identical spans

P = TypeVar("P", bound=Placed[Any])


def identity(span: Placed[Any]) -> tuple[Hashable, int, int]:
    """What makes a span the item it is: its label and its offsets."""
    return (span.label, span.start, span.end)


def identical(span: Placed[Any], other: Placed[Any]) -> bool:
    """Whether two spans are one item twice: the same label and the same offsets."""
    return span.label is not None and identity(span) == identity(other)


def first_identical(span: Placed[Any], others: Iterable[P]) -> P | None:
    """Return the first of ``others`` identical to ``span``, or None."""
    return next((other for other in others if identical(span, other)), None)


def sweep_identical(spans: Iterable[P]) -> list[tuple[P, P]]:
    """Pair every span with the first one before it that it is identical to."""
    seen: dict[tuple[Hashable, int, int], P] = {}
    found: list[tuple[P, P]] = []
    for span in spans:
        first = seen.setdefault(identity(span), span)
        if first is not span and span.label is not None:
            found.append((span, first))
    return found


# Stances


V = TypeVar("V")


class StanceSlots(Generic[V]):
    """One stance per (target, holder): the slots taken so far, and by what.

    ``holder`` None is the document's author, a holder like any other.
    """

    def __init__(self) -> None:
        self._taken: dict[tuple[Hashable, Hashable], V] = {}

    def taken_by(self, target: Hashable, holder: Hashable) -> V | None:
        """Return what holds the slot (target, holder), or None when it is free."""
        return self._taken.get((target, holder))

    def take(self, target: Hashable, holder: Hashable, taker: V) -> V | None:
        """Give the slot to ``taker`` unless taken; return the earlier taker, or None."""
        earlier = self._taken.get((target, holder))
        if earlier is None:
            self._taken[(target, holder)] = taker
        return earlier


# Relations


class RelationSlots(Generic[V]):
    """One relation per (label, source, target): the slots taken so far, and by what."""

    def __init__(self) -> None:
        self._taken: dict[tuple[Hashable, Hashable, Hashable], V] = {}

    def take(self, label: Hashable, source: Hashable, target: Hashable, taker: V) -> V | None:
        """Give the slot to ``taker`` unless taken; return the earlier taker, or None."""
        earlier = self._taken.get((label, source, target))
        if earlier is None:
            self._taken[(label, source, target)] = taker
        return earlier


# Sentence units


def unit_of(start: int, end: int, sentences: Sequence[tuple[int, int]]) -> int | None:
    """Return the number of the sentence that is exactly ``[start, end)``, or None."""
    low, high = 0, len(sentences)
    while low < high:  # sentences come in text order and never overlap
        middle = (low + high) // 2
        if sentences[middle][0] < start:
            low = middle + 1
        else:
            high = middle
    if low < len(sentences) and sentences[low] == (start, end):
        return low
    return None


def sentence_at(offset: int, sentences: Sequence[tuple[int, int]]) -> int | None:
    """Return the number of the sentence holding code point ``offset`` (or the next), or None."""
    return next((n for n, (_, end) in enumerate(sentences) if offset < end), None)


def unit_broken(
    *,
    kind: str,
    start: int,
    end: int,
    unit: object,
    sentences: Sequence[tuple[int, int]] | None,
) -> list[Broken]:
    """Check a span against the sentence units; ``sentences`` None: the project has none.

    ``unit`` None: not given (a sentence-labelled span's unit is then the one it covers).
    """
    if not goes_on_unit(kind):
        return [] if unit is None else [Broken(Rule.UNIT_LABEL_KIND, "unit")]
    if sentences is None:
        return [Broken(Rule.SENTENCE_UNITS_OFF, "label")]
    if unit is not None and (type(unit) is not int or not 0 <= unit < len(sentences)):
        return [Broken(Rule.UNIT_UNKNOWN, "unit")]
    covered = unit_of(start, end, sentences)
    if covered is None:
        return [Broken(Rule.WHOLE_SENTENCE, "start" if unit is None else "unit")]
    if unit is not None and unit != covered:
        return [Broken(Rule.UNIT_COVERS_SENTENCE, "unit")]
    return []


def units_left(sentences: int, labelled: Iterable[int]) -> list[int]:
    """The units (numbers below ``sentences``) that have no label yet, in order."""
    done = set(labelled)
    return [unit for unit in range(sentences) if unit not in done]
