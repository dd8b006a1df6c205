"""Built-ins: the claim fields of the first schema, as instances of the general mechanism.

Pure (no Django, no models). Issue 16 made attributes and relations general; a claim's
check-worthiness and its free-text claimant are two attributes, its claimant span a relation
(``LINKS`` below). The attributes are declared on every claim label by the built-ins service
(annotations.services.builtins) rather than being columns of their own:

- ``checkworthy``: a choice of yes / no / unsure, optional;
- ``claimant_text``: a text, optional (at most ``rules.CLAIMANT_TEXT_LIMIT`` characters).

Their values live in the span's attribute values under those names, like any attribute's, but
clients read and write them as the span's own fields (``checkworthy``, ``claimant_text``),
exactly as before the move: the span's ``attributes`` (API, exports, review, agreement) are
the user's attributes only. ``Span`` splits the stored values in two with ``user_values`` and
``builtin_values``; a built-in declaration is never shown or changed as a user's, and a user
cannot declare an attribute under a built-in's name on a claim label.
"""

from collections.abc import Mapping
from typing import Any, Final

from annotations import attributes, rules

CHECKWORTHY: Final = "checkworthy"
CLAIMANT_TEXT: Final = "claimant_text"
# The built-in attributes of every claim label, in the order they are declared; the values of
# LabelAttribute.builtin (a database check holds them).
CLAIM_ATTRIBUTES: Final = (CHECKWORTHY, CLAIMANT_TEXT)
ATTRIBUTE_NAMES: Final = frozenset(CLAIM_ATTRIBUTES)

CLAIM_DECLARATIONS: Final = (
    attributes.Declared(
        name=CHECKWORTHY,
        type=attributes.CHOICE,
        choices=rules.CHECKWORTHY_VALUES,
        description="Whether the claim is worth checking (built in).",
    ),
    attributes.Declared(
        name=CLAIMANT_TEXT,
        type=attributes.TEXT,
        description="Who makes the claim, when they are not in the text (built in).",
    ),
)

# Built-in relations (Relation.builtin, label empty): the fixed links of the first schema. A
# claim's claimant span is a relation from the claim (source) to the entity (target); a
# database index keeps one per claim. Clients read and write it as the span's ``claimant``.
CLAIMANT: Final = "claimant"
# A stance's holder (an entity span) and its evidence (a span of any kind) are relations from
# the stance (``Relation.stance``, no source span) to the span (target); one of each per
# stance. Clients read and write them as the stance's ``holder`` and ``evidence``.
HOLDER: Final = "holder"
EVIDENCE: Final = "evidence"
STANCE_LINKS: Final = (HOLDER, EVIDENCE)
LINKS: Final = (CLAIMANT, *STANCE_LINKS)

NAME_RESERVED = (
    "{name} is a built-in attribute of every claim label (the span's own {name} field); "
    "choose another name."
)


def declarations_for(kind: str) -> tuple[attributes.Declared, ...]:
    """Return the built-in attribute declarations that a label of ``kind`` carries."""
    return CLAIM_DECLARATIONS if kind == rules.CLAIM else ()


def user_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Return stored attribute values without the built-ins' (what ``attributes`` shows)."""
    return {name: value for name, value in values.items() if name not in ATTRIBUTE_NAMES}


def builtin_value(values: Mapping[str, Any], name: str) -> str:
    """Return a built-in's stored value as its field reads it: ``""`` when not given."""
    value = values.get(name)
    return value if isinstance(value, str) else ""


def with_user_values(stored: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``stored`` with its user values replaced by ``given`` (the built-ins kept)."""
    kept = {name: value for name, value in stored.items() if name in ATTRIBUTE_NAMES}
    return {**user_values(given), **kept}


def with_builtin(stored: Mapping[str, Any], name: str, value: str | None) -> dict[str, Any]:
    """Return ``stored`` with one built-in set (an empty value drops its key)."""
    changed = {key: item for key, item in stored.items() if key != name}
    if value:
        changed[name] = value
    return changed


def stored_values(
    user: Mapping[str, Any], *, checkworthy: str | None, claimant_text: str | None
) -> dict[str, Any]:
    """Return what a span stores: its user values with the built-ins' (rows written in bulk)."""
    values = with_builtin(user_values(user), CHECKWORTHY, checkworthy)
    return with_builtin(values, CLAIMANT_TEXT, claimant_text)
