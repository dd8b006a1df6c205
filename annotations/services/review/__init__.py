"""Gold: build a document's adjudicated annotation, then review it item by item.

- building: start (or rebuild) gold by majority or from chosen annotations (reads, writes);
- planning: the pure plan of what gold gets and which conflicts it lists;
- actions: accept one annotator's span, stance or relation, accept everything agreed, mark reviewed.
What counts as the same item is annotations.items'; the vote counting both share is
annotations.voting's. Every name callers use is re-exported here, so
``from annotations.services.review import gold_build`` keeps working.
"""

from annotations.errors import Conflict
from annotations.services.review.actions import (
    NO_GOLD,
    NOT_A_SOURCE_RELATION,
    NOT_A_SOURCE_SPAN,
    NOT_A_SOURCE_STANCE,
    ONE_ITEM,
    AcceptResult,
    AgreedResult,
    gold_accept_agreed,
    gold_accept_relation,
    gold_accept_span,
    gold_accept_stance,
    gold_set_reviewed,
)
from annotations.services.review.building import (
    GOLD_AS_SOURCE,
    GOLD_WOULD_CHANGE,
    MAJORITY,
    NO_SUBMITTED,
    NOT_A_LIST_OF_IDS,
    NOT_OF_DOCUMENT,
    ONE_SOURCE,
    REPLACE_TO_CONFIRM,
    STALE_GOLD,
    STRATEGY_UNKNOWN,
    GoldResult,
    GoldWouldChange,
    gold_build,
    gold_for,
)
from annotations.services.review.planning import (
    ATTRIBUTE,
    MINORITY,
    OVERLAP,
    SPAN_LEFT_OUT,
    TIE,
    SpanKey,
    StanceKey,
)

__all__ = [
    "ATTRIBUTE",
    "GOLD_AS_SOURCE",
    "GOLD_WOULD_CHANGE",
    "MAJORITY",
    "MINORITY",
    "NOT_A_LIST_OF_IDS",
    "NOT_A_SOURCE_RELATION",
    "NOT_A_SOURCE_SPAN",
    "NOT_A_SOURCE_STANCE",
    "NOT_OF_DOCUMENT",
    "NO_GOLD",
    "NO_SUBMITTED",
    "ONE_ITEM",
    "ONE_SOURCE",
    "OVERLAP",
    "REPLACE_TO_CONFIRM",
    "SPAN_LEFT_OUT",
    "STALE_GOLD",
    "STRATEGY_UNKNOWN",
    "TIE",
    "AcceptResult",
    "AgreedResult",
    "Conflict",
    "GoldResult",
    "GoldWouldChange",
    "SpanKey",
    "StanceKey",
    "gold_accept_agreed",
    "gold_accept_relation",
    "gold_accept_span",
    "gold_accept_stance",
    "gold_build",
    "gold_for",
    "gold_set_reviewed",
]
