"""The error messages of the annotating services (tests assert on them) and how they are collected.

A write collects every problem it finds as ``{field: [messages]}`` (dotted paths inside a
bulk body: ``spans.3.start``) and raises them together, so a client fixes a body in one go.
"""

from collections.abc import Iterable

ANNOTATION_GONE = "This annotation no longer exists."
SPAN_GONE = "Span {id} no longer exists in this annotation."
SPAN_HAS_CLAIM_RECORD = (
    "Span {span} has a claim record: it stays a claim; delete its record first "
    "(DELETE /api/spans/{span}/claim-record/) to give it another kind of label."
)
STANCE_GONE = "Stance {id} no longer exists in this annotation."
RELATION_GONE = "Relation {id} no longer exists in this annotation."
NOT_WRITABLE = "This annotation is {status}; reopen it (status in_progress) before changing it."
STATUS_UNKNOWN = "{value!r} is not a status; use in_progress, submitted or skipped."
STATUS_UNCHANGED = "The annotation is already {status}."
STATUS_TRANSITION = "An annotation cannot go from {current} to {status}."
ATTRIBUTE_MISSING = "{item} needs a value for {names} before the annotation is submitted."
ATTRIBUTES_MISSING_MORE = "... and {count} more item(s) with a required attribute left empty."
REOPEN_FORBIDDEN = "Only a reviewer or manager of the project can reopen a submitted annotation."
REOPEN_SKIPPED_FORBIDDEN = (
    "Only the author, a reviewer or a manager of the project can reopen a skipped annotation."
)
VERSION_INVALID = "version must be an integer, not {value!r}."
STALE_VERSION = (
    "The annotation changed: you sent version {sent}, it is now at version {current}. "
    "Reload it and apply your change again."
)

REQUIRED = "This field is required."
UNKNOWN_FIELD = "Unknown field; expected one of: {fields}."
NOT_AN_OBJECT = "Each item must be an object."
NOT_A_LIST = "Expected a list."
NOT_AN_ID = "Expected an id (an integer), not {value!r}."
NOT_A_NAME = "Expected a name (a string), not {value!r}."
NOT_A_STRING = "Expected a string, not {value!r}."
LABEL_NOT_IN_PROJECT = "Label {value} is not a label of this project."
LABEL_NAME_NOT_IN_PROJECT = "No label named {value!r} in this project."
TARGET_NOT_IN_PROJECT = "Stance target {value} is not a target of this project."
TARGET_NAME_NOT_IN_PROJECT = "No stance target named {value!r} in this project."
SPAN_LABEL_KIND = (
    "Label {name!r} is {a_kind} label; spans take entity or claim labels (and a sentence "
    "unit's span a sentence label)."
)
STANCE_LABEL_KIND = "Label {name!r} is {a_kind} label; stances take stance labels."
CLAIM_ONLY = "Only claim spans carry {field}; label {name!r} is {a_kind} label."
CHECKWORTHY_INVALID = "{value!r} is not a checkworthy value; use yes, no, unsure or ''."
CLAIMANT_TEXT_TOO_LONG = "claimant_text has {length} characters; the limit is {limit}."
CLAIMANT_AND_TEXT = "Give the claimant as a span or as claimant_text, not both."
CLAIMANT_SELF = "A span cannot be its own claimant."
SPAN_NOT_IN_ANNOTATION = "Span {value} is not a span of this annotation."
CLAIMANT_NOT_ENTITY = "The claimant must be an entity span; {span} is {a_kind} span."
HOLDER_NOT_ENTITY = "The holder must be an entity span; {span} is {a_kind} span."
SPAN_OVERLAP = (
    "[{start}, {end}) overlaps {other} [{other_start}, {other_end}), another {kind} span; "
    "this project does not allow {kind} spans to overlap."
)
SPAN_IDENTICAL = (
    "[{start}, {end}) with label {label} is already in this annotation as {other}: "
    "a span with the same label and offsets as another is refused, whatever the overlap rule."
)
CLIENT_ID_INVALID = "client_id must be a UUID, not {value!r}."
CLIENT_ID_REUSED = (
    "client_id {client_id} already names span {span} with a different body; "
    "a new span needs a new client_id."
)
CLIENT_ID_DUPLICATE = "client_id {client_id} is also used by spans.{index}."
INDEX_INVALID = "Expected the index of an item of spans (0 to {last}), not {value!r}."
SPAN_IS_CLAIMANT = "Span {span} is the claimant of claim span(s) {claims}; unlink them first."
SPAN_HOLDS_STANCES = "Span {span} holds stance(s) {stances}; change or delete them first."
SPAN_IS_EVIDENCE = "Span {span} is the evidence of stance(s) {stances}; change them first."
STANCE_DUPLICATE = "This annotation already has a stance on {target!r} held by {holder}."
AUTHOR_AS_HOLDER = "the document's author"
RELATION_LABEL_KIND = "Label {name!r} is {a_kind} label; relations take relation labels."
RELATION_SOURCE_KIND = "Relation {name!r} starts at {a_kind} span; {span} is {its_kind} span."
RELATION_TARGET_KIND = "Relation {name!r} ends at {a_kind} span; {span} is {its_kind} span."
RELATION_TO_ITSELF = "A relation links two different spans; source and target are both {span}."
RELATION_DUPLICATE = "This annotation already has a {label!r} relation from {source} to {target}."
RELATION_CLIENT_ID_REUSED = (
    "client_id {client_id} already names relation {relation} with a different body; "
    "a new relation needs a new client_id."
)
DOCUMENT_LABEL_KIND = "Label {name!r} is {a_kind} label; a document's labels are document labels."
DOCUMENT_LABEL_REPEATED = "Label {name!r} is already given at {index}."
GROUP_SINGLE_CHOICE = (
    "Label group {group!r} takes one label, not several ({labels}): keep one of them."
)
GROUP_REQUIRED_EMPTY = "Label group {group!r} needs a label before the annotation is submitted."

# Sentence units (annotations.rules, "Sentence units").
SENTENCE_UNITS_OFF = (
    "Label {name!r} is a sentence label, and this project does not label sentences: turn on "
    "sentence_units in the project's settings first."
)
NOT_A_WHOLE_SENTENCE = (
    "Label {name!r} is a sentence label: it goes on one whole sentence, and [{start}, {end}) "
    "is not one. {nearest}"
)
NEAREST_SENTENCE = "The sentence there is unit {unit}, [{start}, {end})."
NO_SENTENCE_THERE = "The document has no sentence there."
UNIT_UNKNOWN = (
    "Unit {unit!r} is not a sentence of this document: it has {count} sentence(s), numbered from 0."
)
UNIT_NOT_ITS_SENTENCE = (
    "Unit {unit} is the sentence [{start}, {end}), not [{span_start}, {span_end})."
)
UNIT_LABEL_KIND = "Only a sentence label goes on a unit; label {name!r} is {a_kind} label."
UNIT_TAKEN = "Unit {unit} already has span {span} (label {label!r}); relabel that span instead."
UNIT_REPEATED = "Unit {unit} is labelled twice in this body (spans.{index})."
UNITS_LEFT = (
    "{left} of {count} sentences have no label yet; the first is sentence {number} (unit "
    "{unit}): “{text}”. Label every sentence before submitting."
)

Errors = dict[str, list[str]]


def add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def merge(errors: Errors, more: Errors, *, prefix: str = "") -> None:
    for field, messages in more.items():
        for message in messages:
            add(errors, f"{prefix}.{field}" if prefix else field, message)


def ids(pks: Iterable[int]) -> str:
    return ", ".join(str(pk) for pk in sorted(pks))
