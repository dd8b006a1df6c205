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
    lines += [f'  <Text name="{TEXT}" value="$text"/>']
    lines += ["  <Relations>", f'    <Relation value="{CLAIMANT_RELATION}"/>', "  </Relations>"]
    lines += choices(CHECKWORTHY_CONTROL, CHECKWORTHY_VALUES, ' perRegion="true"')
    area = f'name="{CLAIMANT_TEXT_CONTROL}" toName="{TEXT}" perRegion="true" maxSubmissions="1"'
    lines += [f"  <TextArea {area}/>"]
    for target in targets(options):
        lines.append(f"  <Header value={quoteattr('Stance toward: ' + target)}/>")
        lines += choices(stance_control(options, target), options.names_of("stance"))
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
    for number, entity in enumerate(row["entities"], start=1):
        found.append(_region(f"e{number}", ENTITY_CONTROL, entity))
        entity_ids.setdefault((entity["start"], entity["end"]), f"e{number}")
    relations = 0
    for number, claim in enumerate(row["claims"], start=1):
        ident = f"c{number}"
        found.append(_region(ident, CLAIM_CONTROL, claim))
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
    return found


def _relation(ident: str, source: str, target: str) -> dict[str, Any]:
    return {
        "id": ident,
        "from_id": source,
        "to_id": target,
        "type": "relation",
        "direction": "right",
        "labels": [CLAIMANT_RELATION],
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
    return {"data": data, "annotations": [{"result": results(row, options)}]}


def render(
    rows: Iterable[dict[str, Any]], report: ExportReport, options: ExportOptions
) -> Generator[bytes, None, None]:
    """Yield a JSON array of tasks, one task a line."""
    separator = b"[\n"
    for row in rows:
        yield separator + orjson.dumps(task(row, options))
        separator = b",\n"
    yield b"[]\n" if separator == b"[\n" else b"\n]\n"
