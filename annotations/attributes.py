"""Label attributes: the one place that says what an attribute and its value may be.

Pure (no Django, no models): the label services check a label's declared attributes here,
the annotating services (spans, stances, relations, the bulk replace) check each item's
values here, submit asks here which required values are missing, and review and agreement
read values through ``as_choices``. Each caller turns the messages into its own answer; the
field names are ``attributes.<name>`` (``prefix`` puts them under a dotted path such as
``spans.3.attributes.sentiment``).

A declaration is anything with ``name``, ``type``, ``required`` and ``choices`` (a
LabelAttribute row, or ``Declared`` in tests and pure code).

The rules:
- Values are a JSON object ``{name: value}`` keyed by the label's attribute names; an unknown
  name is refused.
- ``choice``: one string among the choices. ``multi_choice``: a list of distinct strings among
  the choices, stored in the order the choices are declared. ``text``: a string of at most
  ``TEXT_LIMIT`` code points. ``number``: a finite JSON number (not a boolean).
- ``None``, ``""`` and ``[]`` mean "no value": the key is dropped from what is stored, so an
  optional value can be cleared by sending any of them. A required attribute may be left
  empty while the annotation is in progress; submit is refused until it has a value.
- Declarations: names are keys (``NAME_PATTERN``) unique per label; the choice types list
  one or more distinct, non-empty strings; the other types list none.
"""

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

CHOICE = "choice"
MULTI_CHOICE = "multi_choice"
TEXT = "text"
NUMBER = "number"
# The values of LabelAttribute.type (a test holds them equal to AttributeType's).
TYPES = (CHOICE, MULTI_CHOICE, TEXT, NUMBER)
CHOICE_TYPES = (CHOICE, MULTI_CHOICE)

# The longest text value, in code points.
TEXT_LIMIT = 2000
# LabelAttribute.name's max_length and its database check (tests hold them equal).
NAME_LIMIT = 64
NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
# The longest choice, in code points (a choice is shown on a button and in a select).
CHOICE_LIMIT = 200

FIELD = "attributes"

# Value messages.
NOT_AN_OBJECT = "Attributes must be an object of {name: value}."
UNKNOWN = "The label {label} has no attribute {name}."
UNKNOWN_NO_LABEL = "There is no attribute {name}."
NOT_A_STRING = "Must be one of the choices, as a string."
NOT_A_CHOICE = "{value} is not one of the choices: {choices}."
NOT_A_LIST = "Must be a list of the choices."
DUPLICATE_CHOICE = "{value} is given twice."
NOT_TEXT = "Must be a text."
TEXT_TOO_LONG = "Must be at most {limit} characters long; this is {length}."
NOT_A_NUMBER = "Must be a number."
NOT_FINITE = "Must be a finite number."
REQUIRED = "{name} needs a value."

# Declaration messages.
DECLARATIONS_NOT_A_LIST = "Must be a list of attributes."
DECLARATION_NOT_AN_OBJECT = "Must be an object with a name and a type."
NAME_MISSING = "An attribute needs a name."
NAME_NOT_A_KEY = (
    "Must start with a letter and hold only letters, digits, _ and - (it is a key in exports)."
)
NAME_TOO_LONG = f"Must be at most {NAME_LIMIT} characters long."
NAME_TAKEN = "{name} is declared twice."
TYPE_INVALID = "Must be one of: " + ", ".join(TYPES) + "."
REQUIRED_NOT_BOOLEAN = "Must be true or false."
DESCRIPTION_NOT_TEXT = "Must be a text."
CHOICES_MISSING = "A {type} attribute needs at least one choice."
CHOICES_NOT_ALLOWED = "Only choice and multi_choice attributes have choices."
CHOICES_NOT_A_LIST = "Must be a list of strings."
CHOICE_EMPTY = "A choice cannot be empty."
CHOICE_NOT_A_STRING = "A choice must be a string."
CHOICE_TOO_LONG = f"A choice must be at most {CHOICE_LIMIT} characters long."
CHOICE_TWICE = "{value} is listed twice."
UNKNOWN_KEY = "Unknown field {key}: an attribute has name, type, required, choices, description."

DECLARATION_KEYS = ("name", "type", "required", "choices", "description")


class AttributeSpec(Protocol):
    """What the rules read of a declared attribute (a LabelAttribute row satisfies it)."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...

    @property
    def required(self) -> bool: ...

    @property
    def choices(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class Declared:
    """A declared attribute, outside the database."""

    name: str
    type: str
    required: bool = False
    choices: tuple[str, ...] = ()
    description: str = ""


Errors = dict[str, list[str]]


def _path(prefix: str, *parts: object) -> str:
    return ".".join([prefix, *(str(part) for part in parts)] if prefix else map(str, parts))


def is_empty(value: object) -> bool:
    """Whether ``value`` means "no value" (``None``, ``""`` or ``[]``)."""
    return value is None or value == "" or value == []


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f'"{value}"' for value in values)


def _value_error(spec: AttributeSpec, value: object) -> str | None:
    """The message for one non-empty value of ``spec``, or None when it is valid."""
    if spec.type == CHOICE:
        if not isinstance(value, str):
            return NOT_A_STRING
        if value not in spec.choices:
            return NOT_A_CHOICE.format(value=f'"{value}"', choices=_quoted(spec.choices))
        return None
    if spec.type == MULTI_CHOICE:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return NOT_A_LIST
        seen: set[str] = set()
        for item in value:
            if item not in spec.choices:
                return NOT_A_CHOICE.format(value=f'"{item}"', choices=_quoted(spec.choices))
            if item in seen:
                return DUPLICATE_CHOICE.format(value=f'"{item}"')
            seen.add(item)
        return None
    if spec.type == TEXT:
        if not isinstance(value, str):
            return NOT_TEXT
        if len(value) > TEXT_LIMIT:
            return TEXT_TOO_LONG.format(limit=TEXT_LIMIT, length=len(value))
        return None
    # NUMBER: bool is an int in Python but true/false in JSON, never a number.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return NOT_A_NUMBER
    if isinstance(value, float) and not math.isfinite(value):
        return NOT_FINITE
    return None


def _stored(spec: AttributeSpec, value: Any) -> Any:
    if spec.type == MULTI_CHOICE:
        given = set(value)
        return [choice for choice in spec.choices if choice in given]
    return value


def clean(
    values: object,
    declared: Iterable[AttributeSpec],
    *,
    label: str = "",
    prefix: str = FIELD,
) -> tuple[dict[str, Any], Errors]:
    """Check ``values`` against ``declared``; return what to store and the field errors.

    What to store drops empty values and orders multi-choice lists as the choices are
    declared; it means nothing when there are errors. ``label`` names the label in the
    message for an unknown attribute.
    """
    if values is None:
        return {}, {}
    if not isinstance(values, Mapping):
        return {}, {prefix: [NOT_AN_OBJECT]}
    specs = {spec.name: spec for spec in declared}
    stored: dict[str, Any] = {}
    errors: Errors = {}
    for name, value in values.items():
        field = _path(prefix, name)
        spec = specs.get(name) if isinstance(name, str) else None
        if spec is None:
            message = (
                UNKNOWN.format(label=f'"{label}"', name=f'"{name}"')
                if label
                else (UNKNOWN_NO_LABEL.format(name=f'"{name}"'))
            )
            errors[field] = [message]
            continue
        if is_empty(value):
            continue
        error = _value_error(spec, value)
        if error:
            errors[field] = [error]
        else:
            stored[name] = _stored(spec, value)
    return stored, errors


def value_errors(
    values: object,
    declared: Iterable[AttributeSpec],
    *,
    label: str = "",
    prefix: str = FIELD,
) -> Errors:
    """Return the field errors of ``values`` against ``declared`` (empty when valid)."""
    return clean(values, declared, label=label, prefix=prefix)[1]


def missing_required(values: Mapping[str, Any], declared: Iterable[AttributeSpec]) -> list[str]:
    """Return the names of the required attributes that ``values`` leaves without a value."""
    return [spec.name for spec in declared if spec.required and is_empty(values.get(spec.name))]


def as_choices(spec: AttributeSpec, value: object) -> frozenset[str]:
    """Return a choice value as the set of choices it picks (empty when not given)."""
    if is_empty(value):
        return frozenset()
    if spec.type == MULTI_CHOICE and isinstance(value, list):
        return frozenset(str(item) for item in value)
    return frozenset([str(value)])


def shown(value: object) -> str:
    """Return a value as a reader sees it: choices joined by commas, numbers as written."""
    if is_empty(value):
        return "(none)"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


# Declarations


def _choices_errors(kind: str, choices: object) -> list[str]:
    if kind not in CHOICE_TYPES:
        return [CHOICES_NOT_ALLOWED] if choices not in (None, [], ()) else []
    if choices is None or choices == [] or choices == ():
        return [CHOICES_MISSING.format(type=kind)]
    if not isinstance(choices, (list, tuple)):
        return [CHOICES_NOT_A_LIST]
    messages: list[str] = []
    seen: set[str] = set()
    for choice in choices:
        if not isinstance(choice, str):
            messages.append(CHOICE_NOT_A_STRING)
        elif not choice.strip():
            messages.append(CHOICE_EMPTY)
        elif len(choice) > CHOICE_LIMIT:
            messages.append(CHOICE_TOO_LONG)
        elif choice in seen:
            messages.append(CHOICE_TWICE.format(value=f'"{choice}"'))
        else:
            seen.add(choice)
    return messages


def declarations(items: object, *, prefix: str = FIELD) -> tuple[list[Declared], Errors]:
    """Check a label's list of attribute declarations; return them and the field errors.

    Errors are under ``attributes.<index>.<field>``; the declarations mean nothing when
    there are errors. Each keeps its place in the list as its position.
    """
    if not isinstance(items, list):
        return [], {prefix: [DECLARATIONS_NOT_A_LIST]}
    found: list[Declared] = []
    errors: Errors = {}
    names: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            errors[_path(prefix, index)] = [DECLARATION_NOT_AN_OBJECT]
            continue
        for key in item:
            if key not in DECLARATION_KEYS:
                errors[_path(prefix, index, key)] = [UNKNOWN_KEY.format(key=f'"{key}"')]
        name = item.get("name")
        if not isinstance(name, str) or not name:
            errors[_path(prefix, index, "name")] = [NAME_MISSING]
        elif len(name) > NAME_LIMIT:
            errors[_path(prefix, index, "name")] = [NAME_TOO_LONG]
        elif not NAME_PATTERN.fullmatch(name):
            errors[_path(prefix, index, "name")] = [NAME_NOT_A_KEY]
        elif name in names:
            errors[_path(prefix, index, "name")] = [NAME_TAKEN.format(name=f'"{name}"')]
        else:
            names.add(name)
        kind = item.get("type")
        if kind not in TYPES:
            errors[_path(prefix, index, "type")] = [TYPE_INVALID]
        else:
            choice_errors = _choices_errors(str(kind), item.get("choices"))
            if choice_errors:
                errors[_path(prefix, index, "choices")] = choice_errors
        required = item.get("required", False)
        if not isinstance(required, bool):
            errors[_path(prefix, index, "required")] = [REQUIRED_NOT_BOOLEAN]
        description = item.get("description", "")
        if not isinstance(description, str):
            errors[_path(prefix, index, "description")] = [DESCRIPTION_NOT_TEXT]
        if not errors:
            found.append(
                Declared(
                    name=str(name),
                    type=str(kind),
                    required=bool(required),
                    choices=tuple(item.get("choices") or ()),
                    description=str(description),
                )
            )
    return found, errors


@dataclass(frozen=True)
class Removal:
    """A value that a new list of declarations no longer allows.

    ``choice`` None: the whole attribute goes (removed, or its type changes); otherwise one
    choice of a choice attribute goes.
    """

    name: str
    choice: str | None = None


def removals(old: Iterable[AttributeSpec], new: Iterable[AttributeSpec]) -> list[Removal]:
    """Return what replacing ``old`` declarations by ``new`` takes away from stored values."""
    kept = {spec.name: spec for spec in new}
    found: list[Removal] = []
    for spec in old:
        after = kept.get(spec.name)
        if after is None or after.type != spec.type:
            found.append(Removal(spec.name))
        elif spec.type in CHOICE_TYPES:
            found.extend(
                Removal(spec.name, choice) for choice in spec.choices if choice not in after.choices
            )
    return found


def uses(values: Mapping[str, Any], removal: Removal) -> bool:
    """Whether stored ``values`` hold what ``removal`` takes away."""
    value = values.get(removal.name)
    if is_empty(value):
        return False
    if removal.choice is None:
        return True
    if isinstance(value, list):
        return removal.choice in value
    return bool(value == removal.choice)


def same(given: object, stored: Mapping[str, Any]) -> bool:
    """Whether ``given`` values would store as ``stored`` (a retried write asks the same).

    Empty values and the order of a multi-choice list do not count.
    """
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        return False
    return _comparable(given) == _comparable(stored)


def _comparable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: sorted(value, key=str) if isinstance(value, list) else value
        for name, value in values.items()
        if not is_empty(value)
    }


def kept_for(values: Mapping[str, Any], declared: Iterable[AttributeSpec]) -> dict[str, Any]:
    """Return the values that ``declared`` still accepts (an item moved to another label)."""
    specs = {spec.name: spec for spec in declared}
    return {
        name: value
        for name, value in values.items()
        if name in specs and _value_error(specs[name], value) is None
    }
