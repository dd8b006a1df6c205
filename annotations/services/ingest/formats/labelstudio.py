"""Label Studio: tasks (its JSON export, task files to import) and JSON-MIN span lists.

A task is ``{"data": {<text field>: ...}, "annotations": [{"result": [...]}],
"predictions": [{"result": [...]}]}``. Results of type ``labels`` (``value.start``, ``end``,
``labels``, ``text``) become spans; every annotator's and every prediction's are merged into
the document's one pre-annotation, exact repeats once. The text field is ``text`` when the
task has one, else the field the results point at (``to_name``), else the task's only string
field (and the report says so).

What our own export writes (``annotations.exports.labelstudio``) is read back: regions of the
``claim`` control are claims; a claim's ``checkworthy`` choice and ``claimant_text`` text
area (per-region results sharing its id) and a ``claimant`` relation from it to an entity;
``data.external_id``, ``data.meta`` and ``data.stances`` (the stances, in the native shape),
while ``data.document_id``, ``split`` and ``release`` of such a task are the export's
provenance, not meta. The ``stance_<n>`` choices repeat ``data.stances`` (a task does not say
which target ``n`` is): a task whose choices name other values than its ``data.stances`` is
reported. Everything else a task carries as annotation (other choices and relations, text
areas, ratings, cancelled annotations, drafts) is reported per task.

Relations, document labels and attributes as our export writes them are read back too:
regions of the ``sentence`` control are sentence spans; a ``relation`` result with any other
label than ``claimant`` is a relation between its regions (one naming a region the task does
not have is an error of the task), with its attributes from ``data.relation_attributes``;
the choices of a ``document_<n>`` control are document labels; per-region results of an
``attribute_<name>`` control are the region's attribute values (a choice comes as a list of
one, which preparation reads as the choice when the label declares one).

JSON-MIN (Label Studio's flat export) puts each control's results under the control's name:
any key whose value is a list of ``{start, end, labels}`` is read as spans.
"""

from collections import Counter
from typing import Any

from annotations import rules
from annotations.exports.labelstudio import (
    ATTRIBUTE_CONTROL_PREFIX,
    CHECKWORTHY_CONTROL,
    CLAIM_CONTROL,
    CLAIMANT_RELATION,
    CLAIMANT_TEXT_CONTROL,
    DOCUMENT_CONTROL_PREFIX,
    NUMBER_RESULT,
    PROVENANCE_KEYS,
    RELATION_ATTRIBUTES,
    SENTENCE_CONTROL,
    STANCE_CONTROL_PREFIX,
)
from annotations.services.ingest.records import RawRelation, RawSpan, Record

LABELS = "labels"
SOURCES = ("annotations", "completions", "predictions")  # completions: before Label Studio 1.0

ERR_NO_TEXT_FIELD = 'Label Studio task: no text field in data (fields: {fields}); name it "text".'
WARN_TEXT_FIELD = "Label Studio task: the text is data.{field}, its only text field."
WARN_RESULTS = '{source}: {counts} not imported (only "labels" spans are).'
WARN_CANCELLED = "{source}: a cancelled annotation ({count} results) not imported."
WARN_DRAFTS = "drafts: {count} unsubmitted draft(s) not imported."
WARN_MERGED = (
    "Spans of {annotations} annotation(s) and {predictions} prediction(s) merged into one "
    "pre-annotation (the same span once)."
)
WARN_NOT_A_RESULT = '{source}: expected an object with a "result" list; not imported.'
WARN_STANCE_CHOICES = (
    "{source}: stance choices {choices!r} differ from data.stances {stances!r}; "
    "data.stances imported, the choices not."
)
# The data keys of a task our export wrote that are the export's, not the document's meta.
OWN_DATA_KEYS = (
    "document_id",
    "external_id",
    "meta",
    "stances",
    RELATION_ATTRIBUTES,
    *PROVENANCE_KEYS,
)


def is_task(obj: dict[str, Any]) -> bool:
    """Whether a JSON object is a Label Studio task rather than a document of ours."""
    return isinstance(obj.get("data"), dict) and "text" not in obj


def task_record(obj: dict[str, Any], line: int | str, encoding: str | None) -> Record:
    """Read one task into a record: its text, its other data as meta, its ``labels`` spans."""
    data = obj["data"]
    field, by_elimination = _text_field(data, obj)
    if field is None:
        return Record(line=line, error=ERR_NO_TEXT_FIELD.format(fields=", ".join(map(str, data))))
    record = Record(line=line, text=data[field], encoding=encoding)
    _read_data(obj, data, field, record)
    if by_elimination:
        record.warnings.append(WARN_TEXT_FIELD.format(field=field))
    seen: dict[tuple[Any, ...], RawSpan] = {}
    used = Counter[str]()
    # Our export's relation attributes, by relation result id.
    relation_attributes = data.get(RELATION_ATTRIBUTES)
    if not isinstance(relation_attributes, dict):
        relation_attributes = {}
    for source in SOURCES:
        items = obj.get(source) or []
        for number, item in enumerate(items if isinstance(items, list) else [items]):
            where = f"{source}.{number}"
            if _read_result(item, where, record, seen, relation_attributes):
                used["predictions" if source == "predictions" else "annotations"] += 1
    if obj.get("drafts"):
        record.warnings.append(WARN_DRAFTS.format(count=len(obj["drafts"])))
    if sum(used.values()) > 1:
        record.warnings.append(
            WARN_MERGED.format(**{k: used[k] for k in ("annotations", "predictions")})
        )
    return record


def _read_data(obj: dict[str, Any], data: dict[str, Any], field: str, record: Record) -> None:
    """Set the record's external id, meta and stances from the task's data (see module doc)."""
    ours = isinstance(data.get("meta"), dict) and isinstance(data.get("stances"), list)
    left_out = {field, *OWN_DATA_KEYS} if ours else {field}
    meta = {key: value for key, value in data.items() if key not in left_out}
    if ours:
        meta.update(data["meta"])
        record.stances = data["stances"]
    if isinstance(obj.get("meta"), dict):
        meta.update(obj["meta"])
    record.meta = meta
    record.external_id = (data.get("external_id") or "") if ours else obj.get("id", "")


def _text_field(data: dict[str, Any], obj: dict[str, Any]) -> tuple[str | None, bool]:
    """The data field that holds the text, and whether it was only guessed by elimination."""
    if "text" in data:
        return "text", False  # preparation says so if it is not a string
    for source in SOURCES:
        for item in obj.get(source) or []:
            for result in item.get("result") or [] if isinstance(item, dict) else []:
                name = result.get("to_name") if isinstance(result, dict) else None
                if isinstance(name, str) and isinstance(data.get(name), str):
                    return name, False
    strings = [key for key, value in data.items() if isinstance(value, str)]
    return (strings[0], True) if len(strings) == 1 else (None, False)


def _read_result(
    item: Any,
    where: str,
    record: Record,
    seen: dict[tuple[Any, ...], RawSpan],
    relation_attributes: dict[str, Any],
) -> bool:
    """Add one annotation's (or prediction's) spans; report the rest. Whether it was read."""
    if not isinstance(item, dict) or not isinstance(item.get("result"), list):
        record.warnings.append(WARN_NOT_A_RESULT.format(source=where))
        return False
    results = item["result"]
    if item.get("was_cancelled"):
        record.warnings.append(WARN_CANCELLED.format(source=where, count=len(results)))
        return False
    regions: dict[Any, RawSpan] = {}
    others = []
    for index, result in enumerate(results):
        value = result.get("value") if isinstance(result, dict) else None
        if not isinstance(value, dict) or result.get("type") != LABELS:
            others.append(result)
            continue
        claim = {CLAIM_CONTROL: rules.CLAIM, SENTENCE_CONTROL: rules.SENTENCE}.get(
            str(result.get("from_name"))
        )
        for label in value.get(LABELS) or [None]:
            place = (value.get("start"), value.get("end"), label)
            if place not in seen:
                seen[place] = RawSpan(f"{where}.result", index, *place, value.get("text"))
                record.spans.append(seen[place])
            seen[place].kind = seen[place].kind or claim
            regions.setdefault(result.get("id"), seen[place])
    skipped = Counter[str]()
    choices = [choice for result in others for choice in _stance_choices(result)]
    for result in others:
        if _stance_choices(result) and record.stances:
            continue
        if _read_linked(result, regions) or _read_schema(
            result, where, regions, record, relation_attributes
        ):
            continue
        skipped[str(result.get("type") if isinstance(result, dict) else "malformed")] += 1
    stances = [s.get("label") for s in record.stances if isinstance(s, dict)]
    if choices and record.stances and sorted(map(str, choices)) != sorted(map(str, stances)):
        record.warnings.append(
            WARN_STANCE_CHOICES.format(source=where, choices=choices, stances=stances)
        )
    if skipped:
        counts = ", ".join(f"{n} {kind!r}" for kind, n in skipped.items())
        record.warnings.append(WARN_RESULTS.format(source=where, counts=counts))
    return True


def _stance_choices(result: Any) -> list[Any]:
    """The values of a ``stance_<n>`` choices result (none for any other result)."""
    if not isinstance(result, dict) or result.get("type") != "choices":
        return []
    value = result.get("value")
    control = str(result.get("from_name", ""))
    if not control.startswith(STANCE_CONTROL_PREFIX) or not isinstance(value, dict):
        return []
    return list(value.get("choices") or [])


def _read_schema(
    result: Any,
    where: str,
    regions: dict[Any, RawSpan],
    record: Record,
    relation_attributes: dict[str, Any],
) -> bool:
    """Read a relation, the document labels of a group or an attribute; whether it was."""
    if not isinstance(result, dict):
        return False
    kind, control, value = result.get("type"), str(result.get("from_name", "")), result.get("value")
    if kind == "relation":
        labels = result.get(LABELS)
        if not (isinstance(labels, list) and len(labels) == 1):
            return False
        source, target = (regions.get(result.get(end)) for end in ("from_id", "to_id"))
        record.relations.append(
            RawRelation(
                f"{where}.result",
                len(record.relations),
                labels[0],
                None if source is None else _reference(source),
                None if target is None else _reference(target),
                result.get("from_id"),
                result.get("to_id"),
                relation_attributes.get(str(result.get("id"))),
            )
        )
        return True
    if not isinstance(value, dict):
        return False
    if kind == "choices" and control.startswith(DOCUMENT_CONTROL_PREFIX):
        picked = value.get("choices")
        if not isinstance(picked, list):
            return False
        record.document_labels.extend((None, name) for name in picked)
        return True
    if not control.startswith(ATTRIBUTE_CONTROL_PREFIX):
        return False
    span = regions.get(result.get("id"))
    name = control.removeprefix(ATTRIBUTE_CONTROL_PREFIX)
    read = {"choices": "choices", "textarea": "text", NUMBER_RESULT: NUMBER_RESULT}.get(str(kind))
    if span is None or read is None or read not in value:
        return False
    given = value[read]
    if kind == "textarea":
        if not (isinstance(given, list) and len(given) == 1):
            return False
        given = given[0]
    if not isinstance(span.attributes, dict):
        span.attributes = {}
    span.attributes[name] = given
    return True


def _reference(span: RawSpan) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "label": span.label}


def _read_linked(result: Any, regions: dict[Any, RawSpan]) -> bool:
    """Read a claim's check-worthiness, claimant text or claimant relation; whether it was."""
    if not isinstance(result, dict):
        return False
    kind, control, value = result.get("type"), result.get("from_name"), result.get("value")
    if kind == "relation" and result.get(LABELS) == [CLAIMANT_RELATION]:
        claim, entity = regions.get(result.get("from_id")), regions.get(result.get("to_id"))
        if claim is None or entity is None:
            return False
        claim.claimant = {"start": entity.start, "end": entity.end, "text": entity.text}
        claim.kind = rules.CLAIM
        return True
    span = regions.get(result.get("id"))
    if span is None or not isinstance(value, dict):
        return False
    if kind == "choices" and control == CHECKWORTHY_CONTROL:
        picked = value.get("choices")
        if not (isinstance(picked, list) and len(picked) == 1 and rules.is_checkworthy(picked[0])):
            return False
        span.checkworthy, span.kind = picked[0], rules.CLAIM
        return True
    if kind == "textarea" and control == CLAIMANT_TEXT_CONTROL:
        written = value.get("text")
        if not (isinstance(written, list) and len(written) == 1 and isinstance(written[0], str)):
            return False
        span.claimant, span.kind = {"text": written[0]}, rules.CLAIM
        return True
    return False


def read_min_spans(obj: dict[str, Any], record: Record) -> set[str]:
    """Add JSON-MIN span lists (``[{start, end, labels}]`` under any key); return the keys."""
    keys = set()
    for key, items in obj.items():
        if not _is_min_span_list(items):
            continue
        keys.add(key)
        for index, item in enumerate(items):
            for label in item[LABELS] or [None]:
                record.spans.append(
                    RawSpan(key, index, item["start"], item["end"], label, item.get("text"))
                )
    return keys


def _is_min_span_list(items: Any) -> bool:
    return (
        isinstance(items, list)
        and bool(items)
        and all(
            isinstance(item, dict)
            and {"start", "end", LABELS} <= set(item)
            and isinstance(item[LABELS], list)
            for item in items
        )
    )
