"""Preparation: one record checked and repaired, ready to store (or the error of its line).

Invariants:
- Pure but for ``LabelIndex.for_project`` (one query): ``prepare`` runs in worker processes
  that never touch the database, so everything it takes and returns pickles.
- Text is repaired before it is stored and never after; repairs undo encoding damage only
  (see annotations/repair.py) and every one is named in the report.
- Pre-annotation spans are checked against the input text, then carried through every repair
  onto the stored text; one that cannot be carried exactly is dropped with a warning, never
  guessed. Stances keep only holders and evidence that are carried spans of the same record.
"""

import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from django.db.models import BooleanField, CharField, JSONField, Value

from annotations import attributes, repair, rules
from annotations.models import Label, Project, StanceTarget
from annotations.offsets import range_error
from annotations.services.ingest import units
from annotations.services.ingest.records import (
    AS_GOLD,
    ERR_BLANK_TEXT,
    ERR_EMPTY_TEXT,
    ERR_EXTERNAL_ID,
    ERR_META_TOO_DEEP,
    ERR_META_TOO_LARGE,
    ERR_NUL,
    ERR_RELATION_END,
    ERR_SCORE,
    ERR_TEXT_NOT_STRING,
    ERR_UNIT,
    MAX_EXTERNAL_ID,
    MAX_META_BYTES,
    MAX_META_DEPTH,
    NEW_LABEL,
    WARN_ATTRIBUTE,
    WARN_CLAIMANT,
    WARN_DOCUMENT_LABEL,
    WARN_DOCUMENT_LABEL_GROUP,
    WARN_RECORD_EVIDENCE,
    WARN_RECORD_NOT_GOLD,
    WARN_RECORD_SHAPE,
    WARN_RELATION_DROPPED_END,
    WARN_RELATION_LABEL,
    WARN_RELATION_TO_ITSELF,
    WARN_RELATION_TWICE,
    WARN_RELATION_WRONG_KIND,
    WARN_REPEAT,
    WARN_REPEAT_COLLAPSED,
    WARN_SINGLE_GROUP,
    WARN_SPAN_IDENTICAL,
    WARN_SPAN_LABEL,
    WARN_SPAN_OVERLAP,
    WARN_SPAN_RANGE,
    WARN_SPAN_TEXT,
    WARN_SPAN_UNMAPPED,
    WARN_STANCE_NAME,
    WARN_STANCE_SHAPE,
    WARN_STANCE_SPAN,
    WARN_STANCE_TWICE,
    ImportOptions,
    Prepared,
    PreparedDocumentLabel,
    PreparedRelation,
    PreparedSpan,
    PreparedStance,
    RawSpan,
    Record,
    kind_name,
)
from annotations.text import bidi_control_error

# Marks the stance targets among the labels in LabelIndex's one query (not a label kind).
TARGET = "target"
# The group a document label the import creates goes in, when the format names none
# (doccano's cats, a Label Studio choice outside our export's groups).
DEFAULT_GROUP = "Imported"
# The span kinds an import reads (sentence spans are the sentence units' labels).
IMPORTED_SPAN_KINDS = (*rules.SPAN_LABEL_KINDS, rules.SENTENCE)
LABEL_NAME_MAX = cast(int, Label._meta.get_field("name").max_length)


@dataclass
class LabelIndex:
    """The project's span labels, stance values and stance targets by name; its overlap rule."""

    by_name: dict[str, tuple[int, str]]
    allow_overlap: bool
    stance_values: dict[str, int] = field(default_factory=dict)
    targets: dict[str, int] = field(default_factory=dict)
    # Unknown span labels are to be created (NEW_LABEL), with the kind their key implies.
    create_unknown: bool = False
    # Relation labels by name: (id, source kind, target kind) ("" = any span).
    relations: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    # Document labels by name: (id, group name, whether the group takes several).
    documents: dict[str, tuple[int, str, bool]] = field(default_factory=dict)
    # The attributes each label declares, by label id.
    declared: dict[int, tuple[attributes.Declared, ...]] = field(default_factory=dict)

    def relation_label(self, name: Any) -> tuple[int, str, str] | None:
        """The (id, source kind, target kind) of a relation label; NEW_LABEL when the import
        creates it; None: dropped."""
        found = self.relations.get(name) if isinstance(name, str) else None
        if found is None and self.create_unknown and self._free(name):
            return NEW_LABEL, "", ""
        return found

    def document_label(self, name: Any) -> tuple[int, str, bool] | None:
        """The (id, group, multiple) of a document label; NEW_LABEL when the import creates
        it; None: dropped."""
        found = self.documents.get(name) if isinstance(name, str) else None
        if found is None and self.create_unknown and self._free(name):
            return NEW_LABEL, "", True
        return found

    def _free(self, name: Any) -> bool:
        """Whether a label of this name may be created (no label of another kind has it)."""
        return (
            _creatable(name)
            and name not in self.by_name
            and name not in self.stance_values
            and name not in self.relations
            and name not in self.documents
        )

    def span_label(self, name: Any, key: str, kind: str | None = None) -> tuple[int, str] | None:
        """The (id, kind) a span under ``key`` (said to be of ``kind``) takes for the label
        ``name``; None: dropped."""
        wanted = rules.CLAIM if key == "claims" else kind
        found = self.by_name.get(name) if isinstance(name, str) else None
        if found is not None:
            return found if wanted is None or found[1] == wanted else None
        if self.create_unknown and _creatable(name) and name not in self.stance_values:
            return NEW_LABEL, wanted or rules.ENTITY
        return None

    @classmethod
    def for_project(cls, project: Project, *, create_unknown: bool = False) -> "LabelIndex":
        spans, values, targets = {}, {}, {}
        relations, documents = {}, {}
        declared: dict[int, tuple[attributes.Declared, ...]] = {}
        # Labels (a row per attribute they declare) and targets in one query: an import's
        # query count does not grow with them.
        label_columns = (
            "name",
            "id",
            "kind",
            "source_kind",
            "target_kind",
            "group__name",
            "group__multiple",
            "attributes__name",
            "attributes__type",
            "attributes__required",
            "attributes__choices",
            "attributes__builtin",
        )
        rows = Label.objects.filter(project=project).order_by().values_list(*label_columns)
        empty = Value("", output_field=CharField())
        nothing = Value(None, output_field=CharField(null=True))
        rows = rows.union(
            StanceTarget.objects.filter(project=project)
            .order_by()
            .values_list(
                "name",
                "id",
                Value(TARGET, output_field=CharField()),
                empty,
                empty,
                empty,
                Value(False, output_field=BooleanField()),
                nothing,
                nothing,
                Value(False, output_field=BooleanField()),
                Value(None, output_field=JSONField(null=True)),
                nothing,
            ),
            all=True,
        )
        for row in rows:
            name, pk, kind, source_kind, target_kind, group, multiple, *attribute = row
            if kind == TARGET:
                targets[name] = pk
            elif rules.takes_stance_label(kind):
                values[name] = pk
            elif kind in IMPORTED_SPAN_KINDS:
                spans[name] = (pk, kind)
            elif kind == rules.RELATION:
                relations[name] = (pk, source_kind, target_kind)
            elif kind == rules.DOCUMENT:
                documents[name] = (pk, group or "", bool(multiple))
            attribute_name, type_, required, choices, builtin = attribute
            # The built-ins (checkworthy, claimant_text) are read as the span's own fields.
            if attribute_name is not None and kind != TARGET and not builtin:
                spec = attributes.Declared(attribute_name, type_, required, tuple(choices or ()))
                declared[pk] = (*declared.get(pk, ()), spec)
        return cls(
            spans,
            project.allow_overlap,
            values,
            targets,
            create_unknown,
            relations,
            documents,
            declared,
        )


def _creatable(name: Any) -> bool:
    """Whether a label can be created under this name as it is (label_create's rules)."""
    return (
        isinstance(name, str)
        and bool(name)
        and name == name.strip()
        and len(name) <= LABEL_NAME_MAX
        and bidi_control_error(name, field="name") is None
    )


def prepare(record: Record, options: ImportOptions, labels: LabelIndex) -> Prepared | str:
    """Check and repair one record; return it ready to store, or the error message."""
    if record.error:
        return record.error
    text = record.text
    if not isinstance(text, str):
        return ERR_TEXT_NOT_STRING.format(kind=kind_name(text))
    if text == "":
        return ERR_EMPTY_TEXT
    record = units.in_codepoints(record, text, options.offsets)
    external_id = record.external_id
    if isinstance(external_id, int) and not isinstance(external_id, bool):
        external_id = str(external_id)
    if external_id is None:
        external_id = ""
    if not isinstance(external_id, str) or len(external_id) > MAX_EXTERNAL_ID:
        return ERR_EXTERNAL_ID
    if "\x00" in external_id:
        return ERR_NUL.format(field="external_id")
    if bidi := bidi_control_error(external_id, field="external_id"):
        return bidi
    meta_problem = meta_error(record.meta)
    if meta_problem is not None:
        return meta_problem
    nul_at = _nul_path(record.meta, "meta")
    if nul_at is not None:
        return ERR_NUL.format(field=nul_at)

    fixed = repair.repair_text(
        text,
        nfc=options.normalize == "nfc",
        collapse=options.collapse_repeats,
        want_map=bool(record.spans),
    )
    if not fixed.text.strip():
        return ERR_BLANK_TEXT
    warnings = list(record.warnings)
    for repeat in fixed.repeats:
        template = WARN_REPEAT_COLLAPSED if options.collapse_repeats else WARN_REPEAT
        warnings.append(
            template.format(
                start=repeat.start,
                end=repeat.end,
                first_start=repeat.first_start,
                first_end=repeat.first_end,
            )
        )
    repairs = ([repair.ENCODING] if record.encoding else []) + fixed.repairs
    spans, origins = _carry_spans(record, text, fixed, labels, warnings)
    if options.annotate_as != AS_GOLD:
        for span, raw in zip(spans, origins, strict=True):
            if span.record is not None:
                warnings.append(WARN_RECORD_NOT_GOLD.format(index=raw.index))
                span.record = None
    stances = _carry_stances(record, text, spans, origins, labels, warnings)
    relations = _carry_relations(record, text, spans, origins, labels, warnings)
    if isinstance(relations, str):
        return relations
    return Prepared(
        line=record.line,
        text=fixed.text,
        content_hash=repair.content_hash(fixed.text),
        external_id=external_id,
        meta=record.meta,
        repairs=repairs,
        encoding=record.encoding,
        warnings=warnings,
        spans=spans,
        stances=stances,
        relations=relations,
        document_labels=_document_labels(record, labels, warnings),
    )


def _claim_record(
    raw: RawSpan, source_id: Any, original: str, fixed: repair.RepairResult, warnings: list[str]
) -> dict[str, Any] | None:
    """A claim's record from a native line, its passages of this line carried through the
    repairs; a passage of another document, or one that cannot be carried, is a warning.

    The rest (verdict, dates, sources) is checked when the record is written.
    """
    given = raw.record
    if not isinstance(given, dict):
        warnings.append(WARN_RECORD_SHAPE.format(index=raw.index))
        return None
    body = {key: value for key, value in given.items() if key != "evidence"}
    evidence = given.get("evidence") or []
    kept: list[Any] = []
    for number, item in enumerate(evidence if isinstance(evidence, list) else [evidence]):
        if not isinstance(item, dict) or item.get("document") is None:
            kept.append(item)  # a source, or not evidence at all: the service says which
            continue
        why = None
        if item["document"] != source_id:
            why = f"cites another document ({item['document']!r}), which this import cannot name"
        elif range_error(item.get("start"), item.get("end"), len(original)) is not None:
            why = "is outside the text"
        else:
            start = fixed.offset_map.map(item["start"])
            end = fixed.offset_map.map(item["end"])
            if start is None or end is None or start >= end:
                why = "cannot be carried exactly through the repairs"
            elif item.get("text") not in (None, original[item["start"] : item["end"]]):
                why = "does not match the text at its offsets"
            else:
                kept.append({"document": None, "start": start, "end": end})
        if why is not None:
            warnings.append(WARN_RECORD_EVIDENCE.format(index=raw.index, evidence=number, why=why))
    body["evidence"] = kept
    return body


def meta_error(meta: Any) -> str | None:
    """Say why ``meta`` is too deep or too large to store, or None.

    PostgreSQL refuses JSON nested past 254 levels; SQLite stores it, and every later export
    of the project then fails part way (orjson writes no deeper). Iterative, like the walk
    below, so that a deep value cannot overflow the stack here.
    """
    pending = [(meta, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > MAX_META_DEPTH:
                return ERR_META_TOO_DEEP.format(limit=MAX_META_DEPTH)
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    try:
        size = len(orjson.dumps(meta))
    except orjson.JSONEncodeError:  # an integer past 64 bits, a lone surrogate
        size = len(json.dumps(meta, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    if size > MAX_META_BYTES:
        return ERR_META_TOO_LARGE.format(size=size, limit=MAX_META_BYTES)
    return None


def _nul_path(value: Any, path: str) -> str | None:
    """Where in a JSON value (its keys included) a string holds U+0000, or None.

    The text's own control characters are ftfy's to remove; PostgreSQL refuses U+0000 in the
    other text and JSON columns, so a record carrying one is an error of its line.
    """
    pending = [(value, path)]
    while pending:
        item, at = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return at
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and "\x00" in key:
                    return at
                pending.append((child, f"{at}.{key}"))
        elif isinstance(item, list):
            pending.extend((child, f"{at}.{index}") for index, child in enumerate(item))
    return None


def _carry_spans(
    record: Record,
    original: str,
    fixed: repair.RepairResult,
    labels: LabelIndex,
    warnings: list[str],
) -> tuple[list[PreparedSpan], list[RawSpan]]:
    """Check pre-annotation spans against the input text and map them onto the stored text.

    Returns the carried spans and, index for index, the input spans they came from.
    """
    carried: list[PreparedSpan] = []
    origins: list[RawSpan] = []
    offset_map = fixed.offset_map
    kept = _KeptSpans(len(fixed.text), allow_overlap=labels.allow_overlap)
    # A repeat of a kept span is refused under either overlap rule (rules.identical): keyed by
    # label name, as labels the import creates share one id until they exist.
    firsts: dict[tuple[Hashable, int, int], RawSpan] = {}
    for raw in record.spans:
        where = {"key": raw.key, "index": raw.index}
        problem = range_error(raw.start, raw.end, len(original))
        if problem:
            warnings.append(
                WARN_SPAN_RANGE.format(**where, start=raw.start, end=raw.end, problem=problem)
            )
            continue
        found = labels.span_label(raw.label, raw.key, raw.kind)
        if found is None:
            claim = raw.key == "claims" or raw.kind == rules.CLAIM
            kind = "claim" if claim else "entity or claim"
            warnings.append(WARN_SPAN_LABEL.format(**where, kind=kind, label=raw.label))
            continue
        if raw.text is not None and raw.text != original[raw.start : raw.end]:
            warnings.append(
                WARN_SPAN_TEXT.format(
                    **where,
                    start=raw.start,
                    end=raw.end,
                    sent=raw.text,
                    actual=original[raw.start : raw.end],
                )
            )
            continue
        start, end = offset_map.map(raw.start), offset_map.map(raw.end)
        if start is None or end is None or start >= end:
            warnings.append(
                WARN_SPAN_UNMAPPED.format(
                    **where, start=raw.start, end=raw.end, repairs=", ".join(fixed.repairs)
                )
            )
            continue
        label_id, kind = found
        new = rules.Placed(kind, start, end, raw.index, raw.label)
        if (first := firsts.get(rules.identity(new))) is not None:
            warnings.append(
                WARN_SPAN_IDENTICAL.format(
                    **where,
                    start=raw.start,
                    end=raw.end,
                    label=raw.label,
                    first_key=first.key,
                    first_index=first.index,
                )
            )
            continue
        if kept.clash(new):
            warnings.append(
                WARN_SPAN_OVERLAP.format(**where, start=raw.start, end=raw.end, kind=kind)
            )
            continue
        # A check-worthiness that is not one, or on a span that takes none, is left out.
        checkworthy = raw.checkworthy if rules.is_checkworthy(raw.checkworthy) else ""
        if not rules.carries_claim_fields(kind):
            checkworthy = ""
        name = raw.label if label_id == NEW_LABEL else ""
        prepared = PreparedSpan(start, end, label_id, kind, checkworthy, label_name=name)
        prepared.attributes = _attributes(
            raw.attributes, labels, label_id, raw.label, where, warnings
        )
        if kind == rules.SENTENCE:
            prepared.unit, prepared.score = _unit(raw, where, warnings)
        else:
            # A model's score for the span: what the queue orders by when it follows the model.
            prepared.score = _score(raw, where, warnings)
        if raw.record is not None and kind == rules.CLAIM:
            prepared.record = _claim_record(raw, record.source_id, original, fixed, warnings)
        carried.append(prepared)
        origins.append(raw)
        kept.keep(new)
        firsts[rules.identity(new)] = raw
    places = _Places(carried, origins)
    for span, raw in zip(carried, origins, strict=True):
        if raw.claimant is None:
            continue
        claimant = raw.claimant
        if isinstance(claimant, dict) and set(claimant) == {"text"}:
            text = claimant["text"]
            if isinstance(text, str) and text and rules.claimant_text_fits(text):
                span.claimant_text = text
                continue
        else:
            position = places.find(claimant, original, rules.may_be_claimant)
            if position is not None:
                span.claimant = position
                continue
        warnings.append(WARN_CLAIMANT.format(index=raw.index, claimant=claimant))
    return carried, origins


class _KeptSpans:
    """The carried spans that a new one may not overlap, found in O(log n) each.

    The overlap rule is ``rules.clashes``; what this adds is where to look. Spans clash only
    with spans of their own kind (see ``rules.sweep_clashes``), and the kept spans of one
    kind that may not overlap are disjoint: the only one a new span can overlap is the kept
    one that starts last before the new one ends. A Fenwick tree of the largest kept start
    up to each position finds it (a dict, so memory follows the spans, not the text).
    Checking each new span against every kept one was quadratic in the spans of a line.
    """

    def __init__(self, length: int, *, allow_overlap: bool) -> None:
        self.length = length  # of the text: spans start before it
        self.allow_overlap = allow_overlap
        self.starts: dict[str, dict[int, int]] = {}  # kind -> Fenwick tree over start + 1
        self.by_start: dict[tuple[str, int], rules.Placed[int]] = {}

    def clash(self, span: rules.Placed[int]) -> bool:
        """Whether ``span`` may not overlap a span kept so far."""
        if rules.may_overlap(span.kind, span.kind, allow_overlap=self.allow_overlap):
            return False
        tree = self.starts.get(span.kind, {})
        last = -1
        position = span.end  # starts up to span.end - 1, stored at start + 1
        while position > 0:
            last = max(last, tree.get(position, -1))
            position &= position - 1
        other = self.by_start.get((span.kind, last))
        return other is not None and rules.clashes(span, other, allow_overlap=self.allow_overlap)

    def keep(self, span: rules.Placed[int]) -> None:
        """Remember a carried span."""
        if rules.may_overlap(span.kind, span.kind, allow_overlap=self.allow_overlap):
            return
        tree = self.starts.setdefault(span.kind, {})
        self.by_start[(span.kind, span.start)] = span
        position = span.start + 1
        while position <= self.length:
            if tree.get(position, -1) < span.start:
                tree[position] = span.start
            position += position & -position


class _Places:
    """The carried spans by their input offsets: what claimants, holders and evidence name."""

    def __init__(self, carried: list[PreparedSpan], origins: list[RawSpan]) -> None:
        self.carried = carried
        self.origins = origins
        # (start, end) -> the first carried span there of each label, in order.
        self.by_place: dict[tuple[int, int], dict[str, int]] = {}
        for index, raw in enumerate(origins):
            self.by_place.setdefault((raw.start, raw.end), {}).setdefault(raw.label, index)

    def find(self, ref: Any, original: str, fits: Callable[[str], bool]) -> int | None:
        """Find the carried span a reference names by offsets (text, label), of a kind that fits.

        The first such span in line order, as a scan of every carried span would find.
        """
        if not isinstance(ref, dict):
            return None
        place: Any = (ref.get("start"), ref.get("end"))
        try:
            labels = self.by_place.get(place, {})
        except TypeError:  # offsets that are lists or objects name no span
            return None
        for label, index in labels.items():
            raw = self.origins[index]
            if (
                fits(self.carried[index].kind)
                and ref.get("text", original[raw.start : raw.end]) == original[raw.start : raw.end]
                and ref.get("label", label) == label
            ):
                return index
        return None


def _carry_stances(
    record: Record,
    original: str,
    carried: list[PreparedSpan],
    origins: list[RawSpan],
    labels: LabelIndex,
    warnings: list[str],
) -> list[PreparedStance]:
    """Check pre-annotation stances; their holder and evidence must be spans of the line."""
    stances: list[PreparedStance] = []
    slots: rules.StanceSlots[int] = rules.StanceSlots()
    places = _Places(carried, origins)
    for index, item in enumerate(record.stances):
        if not isinstance(item, dict) or not {"target", "label"} <= set(item):
            warnings.append(WARN_STANCE_SHAPE.format(index=index))
            continue
        target = labels.targets.get(item["target"]) if isinstance(item["target"], str) else None
        value = labels.stance_values.get(item["label"]) if isinstance(item["label"], str) else None
        if target is None or value is None:
            what, name = ("target", item["target"]) if target is None else ("value", item["label"])
            warnings.append(WARN_STANCE_NAME.format(index=index, what=what, name=name))
            continue
        found = {}
        for role, fits in (("holder", rules.may_hold_stance), ("evidence", rules.may_be_evidence)):
            ref = item.get(role)
            found[role] = None if ref is None else places.find(ref, original, fits)
            if ref is not None and found[role] is None:
                warnings.append(WARN_STANCE_SPAN.format(index=index, role=role, span=ref))
                break
        else:
            if slots.take(target, found["holder"], index) is not None:
                warnings.append(WARN_STANCE_TWICE.format(index=index, target=item["target"]))
                continue
            where = {"key": "stances", "index": index}
            values = _attributes(
                item.get("attributes"), labels, value, item["label"], where, warnings
            )
            stances.append(
                PreparedStance(target, value, found["holder"], found["evidence"], values)
            )
    return stances


def _attributes(
    values: Any,
    labels: LabelIndex,
    label_id: int,
    label: Any,
    where: dict[str, Any],
    warnings: list[str],
) -> dict[str, Any]:
    """An item's attribute values that its label declares, each other one reported."""
    if values is None or values == {}:
        return {}
    declared = labels.declared.get(label_id, ())
    if not isinstance(values, dict):
        _, errors = attributes.clean(values, declared, label=str(label))
        _report_attributes(errors, where, warnings)
        return {}
    # One value at a time, so that a wrong one is dropped and the others are kept.
    kept: dict[str, Any] = {}
    choices = {spec.name for spec in declared if spec.type == attributes.CHOICE}
    for name, value in values.items():
        if name in choices and isinstance(value, list) and len(value) == 1:
            value = value[0]  # a choice as Label Studio writes every choice: a list
        stored, errors = attributes.clean({name: value}, declared, label=str(label))
        kept.update(stored)
        _report_attributes(errors, where, warnings)
    return kept


def _report_attributes(
    errors: dict[str, list[str]], where: dict[str, Any], warnings: list[str]
) -> None:
    for field_name, messages in errors.items():
        for message in messages:
            warnings.append(WARN_ATTRIBUTE.format(**where, field=field_name, message=message))


def _unit(
    raw: RawSpan, where: dict[str, Any], warnings: list[str]
) -> tuple[int | None, float | None]:
    """A sentence unit's number and score, as given (a value of another type is reported)."""
    unit = raw.unit
    if unit is not None and (not isinstance(unit, int) or isinstance(unit, bool) or unit < 0):
        warnings.append(WARN_ATTRIBUTE.format(**where, field="unit", message=ERR_UNIT))
        unit = None
    return unit, _score(raw, where, warnings)


def _score(raw: RawSpan, where: dict[str, Any], warnings: list[str]) -> float | None:
    """A span's score, as given (a value that is not a number is reported and left out)."""
    score = raw.score
    if score is not None and (not isinstance(score, int | float) or isinstance(score, bool)):
        warnings.append(WARN_ATTRIBUTE.format(**where, field="score", message=ERR_SCORE))
        return None
    return None if score is None else float(score)


def _carry_relations(
    record: Record,
    original: str,
    carried: list[PreparedSpan],
    origins: list[RawSpan],
    labels: LabelIndex,
    warnings: list[str],
) -> list[PreparedRelation] | str:
    """Check pre-annotation relations: both ends spans of the line; or the line's error."""
    relations: list[PreparedRelation] = []
    seen: set[tuple[Hashable, int, int]] = set()
    places = _Places(carried, origins)
    for raw in record.relations:
        where = {"key": raw.key, "index": raw.index}
        for role, ref, given in (
            ("source", raw.source, raw.source_id),
            ("target", raw.target, raw.target_id),
        ):
            if ref is None:
                return ERR_RELATION_END.format(**where, role=role, ref=given)
        found = labels.relation_label(raw.label)
        if found is None:
            warnings.append(WARN_RELATION_LABEL.format(**where, label=raw.label))
            continue
        label_id, source_kind, target_kind = found
        ends = []
        for role, ref, wanted in (
            ("source", raw.source, source_kind),
            ("target", raw.target, target_kind),
        ):
            position = places.find(ref, original, lambda kind: True)
            if position is None:
                warnings.append(WARN_RELATION_DROPPED_END.format(**where, role=role))
                break
            kind = carried[position].kind
            if wanted and kind != wanted:
                warnings.append(
                    WARN_RELATION_WRONG_KIND.format(
                        **where, label=raw.label, role=role, wanted=wanted, kind=kind
                    )
                )
                break
            ends.append(position)
        else:
            source, target = ends
            if source == target:
                warnings.append(WARN_RELATION_TO_ITSELF.format(**where))
                continue
            key = (raw.label if label_id == NEW_LABEL else label_id, source, target)
            if key in seen:
                warnings.append(WARN_RELATION_TWICE.format(**where))
                continue
            seen.add(key)
            values = _attributes(raw.attributes, labels, label_id, raw.label, where, warnings)
            name = raw.label if label_id == NEW_LABEL else ""
            relations.append(PreparedRelation(label_id, source, target, values, name))
    return relations


def _document_labels(
    record: Record, labels: LabelIndex, warnings: list[str]
) -> list[PreparedDocumentLabel]:
    """The record's document labels the project has (or the import creates), once each; a
    single-choice group keeps its first."""
    found: list[PreparedDocumentLabel] = []
    seen: set[Any] = set()
    taken: dict[str, str] = {}  # single-choice group -> the label kept
    for group, name in record.document_labels:
        label = labels.document_label(name)
        shown_group = f" (group {group!r})" if group else ""
        if label is None:
            warnings.append(WARN_DOCUMENT_LABEL.format(label=name, group=shown_group))
            continue
        if name in seen:
            continue
        seen.add(name)
        label_id, actual, multiple = label
        if label_id == NEW_LABEL:
            wanted_group = group if isinstance(group, str) and group.strip() else DEFAULT_GROUP
            found.append(PreparedDocumentLabel(NEW_LABEL, name, wanted_group))
            continue
        if group and group != actual:
            warnings.append(
                WARN_DOCUMENT_LABEL_GROUP.format(label=name, actual=actual, group=group)
            )
        if not multiple:
            if actual in taken:
                warnings.append(
                    WARN_SINGLE_GROUP.format(label=name, group=actual, kept=taken[actual])
                )
                continue
            taken[actual] = name
        found.append(PreparedDocumentLabel(label_id))
    return found
