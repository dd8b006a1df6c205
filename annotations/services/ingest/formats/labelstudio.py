"""Label Studio: tasks (its JSON export, task files to import) and JSON-MIN span lists.

A task is ``{"data": {<text field>: ...}, "annotations": [{"result": [...]}],
"predictions": [{"result": [...]}]}``. Results of type ``labels`` (``value.start``, ``end``,
``labels``, ``text``) become spans; every annotator's and every prediction's are merged into
the document's one pre-annotation, exact repeats once. Everything else a task carries as
annotation (choices, relations, text areas, ratings, cancelled annotations, drafts) is
reported per task. The text field is ``text`` when the task has one, else the field the
results point at (``to_name``), else the task's only string field (and the report says so).

JSON-MIN (Label Studio's flat export) puts each control's results under the control's name:
any key whose value is a list of ``{start, end, labels}`` is read as spans.
"""

from collections import Counter
from typing import Any

from annotations.services.ingest.records import RawSpan, Record

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


def is_task(obj: dict[str, Any]) -> bool:
    """Whether a JSON object is a Label Studio task rather than a document of ours."""
    return isinstance(obj.get("data"), dict) and "text" not in obj


def task_record(obj: dict[str, Any], line: int | str, encoding: str | None) -> Record:
    """Read one task into a record: its text, its other data as meta, its ``labels`` spans."""
    data = obj["data"]
    field, by_elimination = _text_field(data, obj)
    if field is None:
        return Record(line=line, error=ERR_NO_TEXT_FIELD.format(fields=", ".join(map(str, data))))
    meta = {key: value for key, value in data.items() if key != field}
    if isinstance(obj.get("meta"), dict):
        meta.update(obj["meta"])
    record = Record(
        line=line, text=data[field], external_id=obj.get("id", ""), meta=meta, encoding=encoding
    )
    if by_elimination:
        record.warnings.append(WARN_TEXT_FIELD.format(field=field))
    seen: set[tuple[Any, ...]] = set()
    used = Counter[str]()
    for source in SOURCES:
        items = obj.get(source) or []
        for number, item in enumerate(items if isinstance(items, list) else [items]):
            where = f"{source}.{number}"
            if _read_result(item, where, record, seen):
                used["predictions" if source == "predictions" else "annotations"] += 1
    if obj.get("drafts"):
        record.warnings.append(WARN_DRAFTS.format(count=len(obj["drafts"])))
    if sum(used.values()) > 1:
        record.warnings.append(
            WARN_MERGED.format(**{k: used[k] for k in ("annotations", "predictions")})
        )
    return record


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


def _read_result(item: Any, where: str, record: Record, seen: set[tuple[Any, ...]]) -> bool:
    """Add one annotation's (or prediction's) spans; report the rest. Whether it was read."""
    if not isinstance(item, dict) or not isinstance(item.get("result"), list):
        record.warnings.append(WARN_NOT_A_RESULT.format(source=where))
        return False
    results = item["result"]
    if item.get("was_cancelled"):
        record.warnings.append(WARN_CANCELLED.format(source=where, count=len(results)))
        return False
    skipped = Counter[str]()
    for index, result in enumerate(results):
        value = result.get("value") if isinstance(result, dict) else None
        if result.get("type") != LABELS or not isinstance(value, dict):
            skipped[str(result.get("type") if isinstance(result, dict) else "malformed")] += 1
            continue
        for label in value.get(LABELS) or [None]:
            place = (value.get("start"), value.get("end"), label)
            if place not in seen:
                seen.add(place)
                record.spans.append(RawSpan(f"{where}.result", index, *place, value.get("text")))
    if skipped:
        counts = ", ".join(f"{n} {kind!r}" for kind, n in skipped.items())
        record.warnings.append(WARN_RESULTS.format(source=where, counts=counts))
    return True


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
