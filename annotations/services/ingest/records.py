"""What an import reads, prepares and reports: its records, options, report and messages.

Invariants:
- A ``Record`` is one input document exactly as parsed, offsets in code points of its input
  text, before any repair; ``error`` set means the line stores nothing.
- A ``Prepared`` is a record checked and repaired: its text is what will be stored, its spans
  are offsets into that text, and ``holder``/``evidence``/``claimant`` are indexes among the
  same record's prepared spans. Everything here pickles: prepared records cross processes.
- Messages are module constants because tests assert on them; a message's wording is part of
  the import report's contract.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

from annotations.errors import InvalidInput, UnsupportedMedia

CONLL_EXTENSIONS = (".conll", ".iob", ".bio", ".tsv")
SUPPORTED_EXTENSIONS = (".txt", ".jsonl", ".json", ".csv", *CONLL_EXTENSIONS, ".zip")
# Offset units an import reads spans in (the ``offsets`` option).
CODEPOINTS, UTF16, AUTO = "codepoints", "utf16", "auto"
OFFSET_UNITS = (CODEPOINTS, UTF16, AUTO)
BATCH_SIZE = 500
MAX_EXTERNAL_ID = 255
# A document's meta: JSON nested deeper than PostgreSQL's JSONB takes (and than exports can
# write) must not get in, and nothing needs more than a few levels or a few kilobytes.
MAX_META_DEPTH = 32  # the meta object itself is level 1
MAX_META_BYTES = 64 * 1024  # of compact UTF-8 JSON

# Messages (tests assert on these).
ERR_UNSUPPORTED_TYPE = (
    "Unsupported file type {name!r}: use one of .txt, .jsonl, .json, .csv, .conll, .iob, "
    ".bio, .tsv or a .zip of brat .txt/.ann pairs."
)
ERR_INVALID_JSON = "Invalid JSON: {error}."
ERR_NOT_OBJECT = 'Expected a JSON object with a "text" field, got {kind}.'
ERR_NO_TEXT = 'Missing "text".'
ERR_TOKENS_ONLY = (
    'Missing "text": a record of "tokens" (and tags) has no text to annotate; import it as a '
    "CoNLL file (one token and its tag a line) instead."
)
ERR_TEXT_NOT_STRING = '"text" must be a string, got {kind}.'
ERR_EMPTY_TEXT = "Empty text: nothing to annotate."
ERR_BLANK_TEXT = "The text is only whitespace: nothing to annotate."
ERR_META_NOT_OBJECT = '"meta" must be a JSON object, got {kind}.'
ERR_META_TOO_DEEP = '"meta" is nested more than {limit} levels deep; flatten it.'
ERR_META_TOO_LARGE = (
    '"meta" is {size} bytes of JSON, over the limit of {limit}; keep the rest elsewhere.'
)
ERR_BOM_MISMATCH = (
    "The file starts with a {encoding} byte-order mark but is not {encoding} ({reason}); "
    "save it again, as UTF-8."
)
ERR_EXTERNAL_ID = '"external_id" must be a string of at most 255 characters.'
ERR_NUL = '"{field}" holds a NUL character (\\u0000), which cannot be stored.'
ERR_JSON_NOT_LIST = (
    'A .json file must hold a list of documents (or {"documents": [...]}), one document, '
    "one Label Studio task, or JSON Lines."
)
ERR_CSV_NO_TEXT_COLUMN = 'The CSV header has no "text" column (columns: {columns}).'
ERR_CSV_SPAN_TABLE = (
    "This CSV is a table of spans (columns kind, start, end, label: the workbench's CSV "
    "export), one row per span, not one document per row; nothing was imported. Import the "
    "jsonl, doccano, brat or Label Studio export instead: they carry the texts and their spans."
)
# The columns that make a CSV a span table rather than documents (see exports/csv.py).
CSV_SPAN_TABLE_COLUMNS = frozenset({"kind", "start", "end", "label"})
ERR_CSV_ROW_WIDTH = "This row has {got} cells; the header has {expected}."
ERR_SPANS_NOT_LIST = '"{key}" must be a list of spans.'
WARN_SPAN_SHAPE = "{key} #{index}: expected [start, end, label] or {{start, end, label}}; dropped."
WARN_SPAN_RANGE = "{key} #{index} [{start}, {end}) {problem} Dropped."
WARN_SPAN_LABEL = "{key} #{index}: unknown {kind} label {label!r}; dropped."
WARN_SPAN_TEXT = (
    "{key} #{index} [{start}, {end}): text {sent!r} does not match {actual!r}; dropped."
)
WARN_SPAN_UNMAPPED = (
    "{key} #{index} [{start}, {end}) cannot be carried exactly through the repairs "
    "({repairs}); dropped."
)
WARN_SPAN_OVERLAP = (
    "{key} #{index} [{start}, {end}) overlaps another {kind} span and the project does not "
    "allow overlap; dropped."
)
WARN_SPAN_IDENTICAL = (
    "{key} #{index} [{start}, {end}) {label!r} repeats {first_key} #{first_index} (same label, "
    "same offsets); dropped."
)
WARN_CLAIMANT = (
    "claims #{index}: claimant {claimant!r} is not an entity of this line; claim kept without it."
)
WARN_RECORD_SHAPE = "claims #{index}: its record is not an object; claim kept without it."
WARN_RECORD_EVIDENCE = (
    "claims #{index}: record evidence #{evidence} {why}; the record is kept without it."
)
WARN_RECORD_NOT_GOLD = (
    "claims #{index}: its claim record is not imported: predictions carry no records "
    "(import with as=gold to keep them)."
)
WARN_RECORD_REFUSED = (
    "claims [{start}, {end}): its claim record is not imported ({messages}); claim kept."
)
WARN_STANCE_SHAPE = (
    'stances #{index}: expected {{"target", "label", "holder"?, "evidence"?}}; dropped.'
)
WARN_STANCE_NAME = "stances #{index}: unknown stance {what} {name!r}; dropped."
WARN_STANCE_SPAN = "stances #{index}: {role} {span!r} is not a span of this line; dropped."
WARN_STANCE_TWICE = (
    "stances #{index}: a second stance on {target!r} by the same holder; one each, dropped."
)
WARN_LABEL_KIND_TAKEN = (
    "The {wanted} span [{start}, {end}) names label {label!r}, which this import created as "
    "{a_kind} label; dropped."
)
WARN_KIND_TAKEN = (
    "The {wanted} {label!r} names a label this import created as {a_kind} label; dropped."
)
WARN_STANCE_SPAN_DROPPED = (
    "A stance whose {role} was the span [{start}, {end}) was dropped with it."
)
WARN_RELATION_SPAN_DROPPED = (
    "A relation whose {role} was the span [{start}, {end}) was dropped with it."
)
WARN_PREDICTION_REPLACED = (
    "Document {document}'s prediction ({spans} spans, {stances} stances) was replaced by this "
    "line's; the document's history keeps the old one."
)
WARN_GOLD_KEPT = (
    "Document {document} already has gold with content (version {version}), which an import "
    "never overwrites; the imported annotations were not attached."
)
WARN_NOT_ATTACHED = (
    "Document {document}'s {kind} is {status}: the imported annotations were not attached."
)
WARN_CLASS_LABELS = "Document-level labels {labels!r} are not span annotations; ignored."
WARN_REPEAT = (
    "Repeated passage: characters [{start}, {end}) repeat [{first_start}, {first_end}) "
    "verbatim; import with collapse_repeats to keep one copy."
)
WARN_REPEAT_COLLAPSED = (
    "Repeated passage: characters [{start}, {end}) repeated [{first_start}, {first_end}) "
    "verbatim and were removed."
)


# Offset units (see units.py).
INFO_UNITS_READ = "Offsets read as {unit} ({reason})."
REASON_TEXTS = "span texts match"
REASON_PAST_END = "an end lies past the code-point length but within the UTF-16 length"
REASON_WORDS = "only so do the spans begin and end between words"
WARN_UNITS_AMBIGUOUS = (
    "The text has characters outside the BMP and nothing tells whether the span offsets are "
    "code points or UTF-16 code units: read as code points. Import again with offsets=utf16 "
    "if they came from a tool that counts UTF-16 (doccano, older Label Studio)."
)
WARN_UNITS_CONFLICT = (
    "Span offsets disagree on their unit ({codepoints} fit only code points, {utf16} only "
    "UTF-16 code units): read as code points; the spans that do not fit are dropped."
)
UNIT_NAMES = {CODEPOINTS: "code points", UTF16: "UTF-16 code units"}
ERR_OFFSETS_OPTION = "offsets takes one of: codepoints, utf16, auto."

# What a record carries that is recognisably annotation but is not imported.
WARN_NOT_IMPORTED = '"{key}" ({count} {items}) not imported: {why}.'
WHY_NO_RELATIONS = (
    'relations are read from spans with an "id" (native "entities", "claims" and "sentences", '
    'doccano "entities")'
)
WHY_UNKNOWN_ANNOTATIONS = "annotations of a kind this import does not read"
WHY_TOKENS = "token-level tags are read from CoNLL files, not from JSON; no spans came with them"
WARN_ANSWER = 'answer {answer!r}: {count} span(s) not imported (only "accept" answers are).'

# Relations, document labels and attributes.
ERR_RELATION_END = (
    "{key} #{index}: {role} {ref!r} names no span of this line; nothing of the line was imported."
)
WARN_RELATION_SHAPE = '{key} #{index}: expected {{"label", "source", "target"}}; dropped.'
WARN_RELATION_LABEL = "{key} #{index}: unknown relation label {label!r}; dropped."
WARN_RELATION_DROPPED_END = (
    "{key} #{index}: its {role} span was dropped (see above), so the relation is dropped too."
)
WARN_RELATION_TO_ITSELF = "{key} #{index}: a relation from a span to itself; dropped."
WARN_RELATION_TWICE = "{key} #{index}: repeats a relation (same label and ends); dropped."
WARN_DOCUMENT_LABEL = "document label {label!r}{group}: unknown document label; dropped."
WARN_DOCUMENT_LABEL_GROUP = (
    "document label {label!r} is in the group {actual!r}, not {group!r}; imported in its group."
)
WARN_DOCUMENT_LABELS_SHAPE = (
    '"{key}": expected a list of label names or {{group: [label names]}}; not imported.'
)
WARN_SINGLE_GROUP = (
    "document label {label!r}: the group {group!r} takes one label and has {kept!r}; dropped."
)
WARN_ATTRIBUTE = "{key} #{index}: {field}: {message} The value was dropped; the item kept."
WARN_RELATION_WRONG_KIND = (
    "{key} #{index}: relation {label!r} takes {wanted} spans as its {role}, not {kind} spans; "
    "dropped."
)
ERR_UNIT = "Must be the sentence's number (0 or more)."
ERR_SCORE = "Must be a number."


class UnsupportedFileType(UnsupportedMedia):
    """The file's extension names no format we read."""


class ImportRefused(InvalidInput):
    """A whole file refused before anything is stored (a hostile or broken archive)."""

    def __init__(self, message: str) -> None:
        super().__init__({"file": [message]}, message)


# What pre-annotations become (``ImportOptions.annotate_as``), and what a line whose text the
# project already holds does (``ImportOptions.on_duplicate``).
AS_PREDICTION, AS_GOLD = "prediction", "gold"
ANNOTATE_AS = (AS_PREDICTION, AS_GOLD)
SKIP, ATTACH = "skip", "attach"
ON_DUPLICATE = (SKIP, ATTACH)
# The label id of a span whose label the import creates (``ImportOptions.create_labels``):
# preparation names it, storage creates it and puts its id in.
NEW_LABEL = 0


@dataclass(frozen=True)
class ImportOptions:
    normalize: str | None = None  # "nfc" or None
    collapse_repeats: bool = False
    encoding: str | None = None  # force a decoding instead of detecting one
    offsets: str = AUTO  # the unit of span offsets: CODEPOINTS, UTF16 or AUTO
    annotate_as: str = AS_PREDICTION  # pre-annotations become the prediction, or gold
    on_duplicate: str = SKIP  # ATTACH: a duplicate's pre-annotations go onto its document
    create_labels: bool = False  # an unknown span label is created instead of dropped


@dataclass
class RawSpan:
    key: str  # where it came from: "label", "entities" or "claims"
    index: int
    start: Any
    end: Any
    label: Any
    text: Any = None
    checkworthy: Any = ""
    claimant: Any = None  # {"start", "end", "text"?} of an entity, or {"text"}
    # "claim" when the format says the span is a claim whatever its key (brat, Label Studio):
    # a label it creates is then a claim label.
    kind: str | None = None
    attributes: Any = None  # {name: value}, checked against the label's declared attributes
    unit: Any = None  # sentence units: the sentence's number
    score: Any = None  # a model's score
    record: Any = None  # a claim's record (native export: normalized_text, verdict, evidence)


@dataclass
class RawRelation:
    """A relation as parsed: its ends name spans of the same record by reference."""

    key: str  # where it came from: "relations", "<file>.ann R3, line", ...
    index: int
    label: Any
    # The end spans as references ({"start", "end", "label"?, "text"?}), or None when the
    # format's id named nothing (an error of the line, named by ``source_id``/``target_id``).
    source: Any
    target: Any
    source_id: Any = None
    target_id: Any = None
    attributes: Any = None


@dataclass
class Record:
    """One input document as parsed, before any repair."""

    line: int | str
    text: Any = None
    external_id: Any = ""
    meta: Any = field(default_factory=dict)
    spans: list[RawSpan] = field(default_factory=list)
    stances: list[Any] = field(default_factory=list)
    encoding: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    # The unit of the span offsets when the format fixes it (CoNLL: offsets we computed);
    # None: as the ``offsets`` option says.
    offset_unit: str | None = None
    relations: list[RawRelation] = field(default_factory=list)
    # Document labels as (group name or None when the format does not say, label name).
    document_labels: list[tuple[Any, Any]] = field(default_factory=list)
    # The line's own "id" (native export: the document's id where it was exported), which
    # the evidence passages of its claims' records name.
    source_id: Any = None


@dataclass
class PreparedSpan:
    start: int
    end: int
    label_id: int
    kind: str
    checkworthy: str = ""
    claimant: int | None = None  # index of the claimant among the line's prepared spans
    claimant_text: str = ""
    label_name: str = ""  # with label_id NEW_LABEL: the name of the label to create
    attributes: dict[str, Any] = field(default_factory=dict)
    unit: int | None = None
    score: float | None = None
    # A claim's record as the claim-record service takes it; passages of this document have
    # "document": None (its id is not known until it is stored).
    record: dict[str, Any] | None = None


@dataclass
class PreparedStance:
    target_id: int
    label_id: int
    holder: int | None  # indexes among the line's prepared spans
    evidence: int | None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class PreparedRelation:
    label_id: int
    source: int  # indexes among the line's prepared spans
    target: int
    attributes: dict[str, Any] = field(default_factory=dict)
    label_name: str = ""  # with label_id NEW_LABEL: the name of the label to create


@dataclass
class PreparedDocumentLabel:
    label_id: int
    label_name: str = ""  # with label_id NEW_LABEL: the label to create
    group: str = ""  # with label_id NEW_LABEL: the group to create it in


@dataclass
class Prepared:
    """A record ready to store: repaired text, hash, carried-over spans, what to report."""

    line: int | str
    text: str
    content_hash: str
    external_id: str
    meta: dict[str, Any]
    repairs: list[str]
    encoding: str | None
    warnings: list[str]
    spans: list[PreparedSpan]
    stances: list[PreparedStance] = field(default_factory=list)
    relations: list[PreparedRelation] = field(default_factory=list)
    document_labels: list[PreparedDocumentLabel] = field(default_factory=list)
    # The document's COPY row (see annotations/db/copy.py) when built with the rest; ``text``
    # is then empty unless spans need it.
    copy_row: bytes | None = None

    @property
    def annotated(self) -> bool:
        """Whether the record brings pre-annotations (relations come with their spans)."""
        return bool(self.spans or self.stances or self.document_labels)


class Created(TypedDict):
    """A line that stored a new document."""

    id: int
    external_id: str
    line: int | str
    file: NotRequired[str]  # when several files were imported as one


class Duplicate(TypedDict):
    """A line whose text the project already holds, in document ``duplicate_of``.

    With ``on_duplicate`` attach, ``attached`` says what its pre-annotations became on that
    document ("prediction" or "gold"), or null when nothing was attached.
    """

    line: int | str
    external_id: str
    duplicate_of: int | None
    file: NotRequired[str]
    attached: NotRequired[str | None]


class CreatedLabel(TypedDict):
    """A label the import created (``create_labels``) for spans that named it."""

    id: int
    name: str
    kind: str
    file: NotRequired[str]


class Repaired(TypedDict):
    """A stored line whose text was repaired (and the encoding it was read in, if not UTF-8)."""

    line: int | str
    external_id: str
    repairs: list[str]
    encoding: NotRequired[str]
    file: NotRequired[str]


class LineMessage(TypedDict):
    """A warning about a line, or the error that kept it from being stored."""

    line: int | str
    message: str
    file: NotRequired[str]


ReportEntry = Created | Duplicate | Repaired | LineMessage | CreatedLabel
# The report as plain JSON (``ImportReport.as_dict``): the entries of each outcome, by outcome.
ReportDict = dict[str, Sequence[ReportEntry]]


class IngestionReport(TypedDict):
    """What a stored document keeps of the line it came from (``Document.ingestion_report``)."""

    line: int | str
    repairs: list[str]
    source: NotRequired[str]
    encoding: NotRequired[str]
    warnings: NotRequired[list[str]]


@dataclass
class ImportReport:
    created: list[Created] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    repaired: list[Repaired] = field(default_factory=list)
    warnings: list[LineMessage] = field(default_factory=list)
    errors: list[LineMessage] = field(default_factory=list)
    # Listed only by imports that may create labels (None: the key is left out).
    labels_created: list[CreatedLabel] | None = None

    @classmethod
    def for_options(cls, options: ImportOptions) -> "ImportReport":
        """An empty report, listing created labels when the options allow creating them."""
        return cls(labels_created=[] if options.create_labels else None)

    def as_dict(self) -> ReportDict:
        report: ReportDict = {
            "created": self.created,
            "duplicates": self.duplicates,
            "repaired": self.repaired,
            "warnings": self.warnings,
            "errors": self.errors,
        }
        if self.labels_created is not None:
            report["labels_created"] = self.labels_created
        return report


def kind_name(value: Any) -> str:
    """Name a JSON value's type the way messages do ("an object", "a list", ...)."""
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )
