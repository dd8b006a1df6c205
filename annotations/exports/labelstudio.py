"""Label Studio JSON: the list of tasks its import takes, each with our gold as an annotation.

A task is ``{"data": {"text", "document_id", "external_id", "meta", "stances"}, "annotations":
[{"result": [...]}]}`` (``data`` also has ``split`` and ``release`` when the export does).
The results, named after the controls of the labelling config ``config()`` writes:

- an entity: ``{"id", "from_name": "entity", "to_name": "text", "type": "labels",
  "value": {"start", "end", "text", "labels": [LABEL]}}``;
- a claim: the same with ``from_name`` ``"claim"`` (a control of its own, so a claim and the
  entities in it are separate regions); its check-worthiness a per-region ``choices`` result
  with the claim's id (``from_name`` ``"checkworthy"``); a claimant that is an entity a
  ``relation`` result from the claim to the entity, labelled ``claimant``; a claimant given as
  free text a per-region ``textarea`` result (``from_name`` ``"claimant_text"``);
- a stance: a ``choices`` result on the whole text, ``from_name`` ``"stance_<n>"`` (``n``: the
  target's place in the config, whose header names it), the stance value as its choice. Label
  Studio has no place for a stance's holder and evidence, so every stance is also in
  ``data.stances`` in the native shape (target, label, holder and evidence offsets).

- a sentence (a sentence unit's span): a region of the ``sentence`` control (``u<n>``);
- a relation: a ``relation`` result from its source region to its target region,
  ``direction`` ``"right"``, ``labels`` its label (the config's ``Relations`` list them);
  Label Studio's relations carry no attributes, so a relation's attributes are in
  ``data.relation_attributes`` (``{"r<n>": {...}}``, only when one has any);
- document labels: a ``choices`` result on the whole text per label group, ``from_name``
  ``"document_<n>"`` (``n``: the group's place in the config, whose header names it;
  ``choice="multiple"`` for a group that takes several);
- an attribute of a span: a per-region result of the control ``attribute_<name>`` sharing
  the region's id: ``choices`` (a choice, a list of one; a multi-choice, the list),
  ``textarea`` (text, ``value.text`` a list of one) or ``number`` (``value.number``). A
  stance's attributes ride in ``data.stances``.

Offsets are code points of ``data.text``, as Label Studio 1.x counts them (releases before 1.0
counted UTF-16 code units), and every ``value.text`` is ``text[start:end]``. Region ids are
``e<n>``/``c<n>``/``s<n>`` (the n-th entity, claim or stance of the document) and ``r<n>`` for
relations, so the same rows give the same file. The list is written as one JSON array, a task
per line, so it streams.
"""

from collections.abc import Generator, Iterable
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

import orjson

from annotations.exports.base import ExportOptions, ExportReport

TEXT = "text"
# The API's answer carries the labelling config here, percent-encoded (a header is one line of
# Latin-1); a release keeps it as its labelstudio-config file.
CONFIG_HEADER = "X-Label-Studio-Config"
CHECKWORTHY_VALUES = ("yes", "no", "unsure")
PROVENANCE_KEYS = ("split", "release")
# The controls and the relation label the results name (the Label Studio importer reads
# them back).
ENTITY_CONTROL, CLAIM_CONTROL = "entity", "claim"
CHECKWORTHY_CONTROL, CLAIMANT_TEXT_CONTROL = "checkworthy", "claimant_text"
CLAIMANT_RELATION = "claimant"
STANCE_CONTROL_PREFIX = "stance_"
SENTENCE_CONTROL = "sentence"
DOCUMENT_CONTROL_PREFIX = "document_"
ATTRIBUTE_CONTROL_PREFIX = "attribute_"
RELATION_ATTRIBUTES = "relation_attributes"
# Per-region result types by attribute type.
ATTRIBUTE_RESULTS = {"choice": "choices", "multi_choice": "choices", "text": "textarea"}
NUMBER_RESULT = "number"


def stance_control(options: ExportOptions, target: str) -> str:
    """The name of the choices control of a stance target."""
    return f"{STANCE_CONTROL_PREFIX}{targets(options).index(target) + 1}"


def targets(options: ExportOptions) -> list[str]:
    """The stance targets, in the project's order."""
    return options.names_of("target")


def config(options: ExportOptions) -> str:
    """The labelling config (XML) the tasks' results refer to."""

    def labels(name: str, kind: str) -> list[str]:
        values = [f"    <Label value={quoteattr(label)}/>" for label in options.names_of(kind)]
        return [f'  <Labels name="{name}" toName="{TEXT}">', *values, "  </Labels>"]

    def choices(name: str, values: Iterable[str], extra: str = "") -> list[str]:
        items = [f"    <Choice value={quoteattr(value)}/>" for value in values]
        return [f'  <Choices name="{name}" toName="{TEXT}"{extra}>', *items, "  </Choices>"]

    lines = ["<View>", *labels(ENTITY_CONTROL, "entity"), *labels(CLAIM_CONTROL, "claim")]
    if options.names_of("sentence"):
        lines += labels(SENTENCE_CONTROL, "sentence")
    lines += [f'  <Text name="{TEXT}" value="$text"/>']
    relations = [
        f"    <Relation value={quoteattr(name)}/>" for name in options.names_of("relation")
    ]
    lines += ["  <Relations>", f'    <Relation value="{CLAIMANT_RELATION}"/>', *relations]
    lines += ["  </Relations>"]
    lines += choices(CHECKWORTHY_CONTROL, CHECKWORTHY_VALUES, ' perRegion="true"')
    area = f'name="{CLAIMANT_TEXT_CONTROL}" toName="{TEXT}" perRegion="true" maxSubmissions="1"'
    lines += [f"  <TextArea {area}/>"]
    for target in targets(options):
        lines.append(f"  <Header value={quoteattr('Stance toward: ' + target)}/>")
        lines += choices(stance_control(options, target), options.names_of("stance"))
    for number, group in enumerate(options.groups, start=1):
        lines.append(f"  <Header value={quoteattr(group.name)}/>")
        single = ' choice="multiple"' if group.multiple else ' choice="single"'
        lines += choices(f"{DOCUMENT_CONTROL_PREFIX}{number}", group.labels, single)
    for name in options.attribute_names():
        specs = [spec for spec in options.attributes if spec.name == name]
        control = f"{ATTRIBUTE_CONTROL_PREFIX}{name}"
        lines.append(f"  <Header value={quoteattr('Attribute: ' + name)}/>")
        if specs[0].type in ("choice", "multi_choice"):
            values = list(dict.fromkeys(v for spec in specs for v in spec.choices))
            many = ' choice="multiple"' if specs[0].type == "multi_choice" else ""
            lines += choices(control, values, f' perRegion="true"{many}')
        elif specs[0].type == "number":
            lines.append(f'  <Number name="{control}" toName="{TEXT}" perRegion="true"/>')
        else:
            where = f'name="{control}" toName="{TEXT}" perRegion="true" maxSubmissions="1"'
            lines.append(f"  <TextArea {where}/>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def config_header(options: ExportOptions) -> str:
    """The labelling config as a header value: percent-encoded UTF-8."""
    return quote(config(options), safe="")


def _region(ident: str, control: str, item: dict[str, Any]) -> dict[str, Any]:
    value = {"start": item["start"], "end": item["end"], "text": item["text"]}
    return {
        "id": ident,
        "from_name": control,
        "to_name": TEXT,
        "type": "labels",
        "value": {**value, "labels": [item["label"]]},
    }


def results(row: dict[str, Any], options: ExportOptions) -> list[dict[str, Any]]:
    """The Label Studio results of one row's entities, claims and stances."""
    found: list[dict[str, Any]] = []
    entity_ids: dict[tuple[int, int], str] = {}
    regions: dict[int, str] = {}  # span id -> region id
    types = {spec.name: spec.type for spec in options.attributes}
    for number, entity in enumerate(row["entities"], start=1):
        found.append(_region(f"e{number}", ENTITY_CONTROL, entity))
        found += _attribute_results(f"e{number}", entity, types)
        entity_ids.setdefault((entity["start"], entity["end"]), f"e{number}")
        regions[entity.get("id", -1)] = f"e{number}"
    relations = 0
    for number, claim in enumerate(row["claims"], start=1):
        ident = f"c{number}"
        found.append(_region(ident, CLAIM_CONTROL, claim))
        found += _attribute_results(ident, claim, types)
        regions[claim.get("id", -1)] = ident
        where = {"start": claim["start"], "end": claim["end"], "text": claim["text"]}
        if claim.get("checkworthy"):
            value = {**where, "choices": [claim["checkworthy"]]}
            found.append(_per_region(ident, CHECKWORTHY_CONTROL, "choices", value))
        claimant = claim.get("claimant")
        placed = claimant is not None and "start" in claimant
        entity = entity_ids.get((claimant["start"], claimant["end"])) if placed else None
        if entity is not None:
            relations += 1
            found.append(_relation(f"r{relations}", ident, entity))
        elif claimant is not None:
            # A free-text claimant, or one whose entity this export leaves out: its text.
            value = {**where, "text": [claimant["text"]]}
            found.append(_per_region(ident, CLAIMANT_TEXT_CONTROL, "textarea", value))
    for number, stance in enumerate(row["stances"], start=1):
        found.append(
            {
                "id": f"s{number}",
                "from_name": stance_control(options, stance["target"]),
                "to_name": TEXT,
                "type": "choices",
                "value": {"choices": [stance["label"]]},
            }
        )
    for number, sentence in enumerate(row.get("sentences", ()), start=1):
        ident = f"u{number}"
        found.append(_region(ident, SENTENCE_CONTROL, sentence))
        found += _attribute_results(ident, sentence, types)
        regions[sentence["id"]] = ident
    for relation in row.get("relations", ()):
        relations += 1
        source, target = regions[relation["source"]], regions[relation["target"]]
        found.append(_relation(f"r{relations}", source, target, relation["label"]))
    groups = {group.name: number for number, group in enumerate(options.groups, start=1)}
    for group, names in (row.get("document_labels") or {}).items():
        if group in groups:
            control = f"{DOCUMENT_CONTROL_PREFIX}{groups[group]}"
            value = {"choices": names}
            found.append(_per_region(f"d{groups[group]}", control, "choices", value))
    return found


def _attribute_results(
    ident: str, item: dict[str, Any], types: dict[str, str]
) -> list[dict[str, Any]]:
    """The per-region results of an item's attributes (see the module doc)."""
    found = []
    where = {"start": item["start"], "end": item["end"], "text": item["text"]}
    for name, value in (item.get("attributes") or {}).items():
        control = f"{ATTRIBUTE_CONTROL_PREFIX}{name}"
        kind = types.get(name, "number" if isinstance(value, int | float) else "text")
        if kind == NUMBER_RESULT:
            found.append(_per_region(ident, control, NUMBER_RESULT, {**where, "number": value}))
        elif kind == "text":
            found.append(_per_region(ident, control, "textarea", {**where, "text": [value]}))
        else:
            picked = value if isinstance(value, list) else [value]
            found.append(_per_region(ident, control, "choices", {**where, "choices": picked}))
    return found


def _relation(
    ident: str, source: str, target: str, label: str = CLAIMANT_RELATION
) -> dict[str, Any]:
    return {
        "id": ident,
        "from_id": source,
        "to_id": target,
        "type": "relation",
        "direction": "right",
        "labels": [label],
    }


def _per_region(ident: str, control: str, kind: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"id": ident, "from_name": control, "to_name": TEXT, "type": kind, "value": value}


def task(row: dict[str, Any], options: ExportOptions) -> dict[str, Any]:
    """One Label Studio task: the document as data, its annotation as one annotation."""
    data = {
        TEXT: row["text"],
        "document_id": row["id"],
        "external_id": row["external_id"],
        "meta": row["meta"],
        "stances": row["stances"],
    }
    for key in PROVENANCE_KEYS:
        if key in row:
            data[key] = row[key]
    result = results(row, options)
    # Relation results come after the claimants' (r1, r2, ...), in the row's order.
    claimants = sum(1 for item in result if item.get("labels") == [CLAIMANT_RELATION])
    attributes = {
        f"r{claimants + number}": relation["attributes"]
        for number, relation in enumerate(row.get("relations", ()), start=1)
        if relation.get("attributes")
    }
    if attributes:
        data[RELATION_ATTRIBUTES] = attributes
    return {"data": data, "annotations": [{"result": result}]}


def render(
    rows: Iterable[dict[str, Any]], report: ExportReport, options: ExportOptions
) -> Generator[bytes, None, None]:
    """Yield a JSON array of tasks, one task a line."""
    separator = b"[\n"
    for row in rows:
        yield separator + orjson.dumps(task(row, options))
        separator = b",\n"
    yield b"[]\n" if separator == b"[\n" else b"\n]\n"
