"""The labelstudio export, checked as Label Studio's import checks tasks, against its config.

Label Studio's import (``TaskValidator`` in label_studio/tasks/validation.py) takes a non-empty
list of task dicts, each with a ``data`` dict holding every ``$key`` that an object tag of the
labelling config names (a ``Text`` value must be a str, int or float), ``annotations`` a list
of dicts each with a ``result`` list. Its editor then reads each result through the config: a
``from_name`` naming a control tag whose ``toName`` is the result's ``to_name``, of the type
the control is (``Labels`` -> ``labels``...), with values the control declares, and a
relation's ``from_id``/``to_id`` naming regions of the same result list.
"""

import json
import xml.etree.ElementTree as ET
from urllib.parse import unquote

import pytest

from annotations.exports import labelstudio
from annotations.exports.base import ExportOptions
from annotations.selectors import export_vocabulary
from tests.api.conftest import client_for
from tests.exports.conftest import export

pytestmark = pytest.mark.django_db

CONTROL_TYPES = {"Labels": "labels", "Choices": "choices", "TextArea": "textarea"}
OBJECT_TYPES = {"Text": (str, int, float)}


def check_import(tasks, config: str) -> None:
    """Fail where Label Studio's import, or its editor, would refuse the file."""
    view = ET.fromstring(config)  # noqa: S314  # our own export's config, not untrusted input
    objects = {tag.get("name"): tag for tag in view.iter() if tag.tag in OBJECT_TYPES}
    controls = {tag.get("name"): tag for tag in view.iter() if tag.tag in CONTROL_TYPES}
    relation_labels = {tag.get("value") for tag in view.iter("Relation")}
    assert isinstance(tasks, list) and tasks, "data is not a list, or is empty"
    for task in tasks:
        assert isinstance(task, dict) and isinstance(task["data"], dict)
        for tag in objects.values():
            key = tag.get("value").removeprefix("$")
            assert isinstance(task["data"][key], OBJECT_TYPES[tag.tag])
        assert isinstance(task["annotations"], list)
        for annotation in task["annotations"]:
            assert isinstance(annotation["result"], list)
            check_results(annotation["result"], task["data"], objects, controls, relation_labels)


def check_results(results, data, objects, controls, relation_labels) -> None:
    regions = {result["id"] for result in results if result["type"] == "labels"}
    for result in results:
        if result["type"] == "relation":
            assert result["from_id"] in regions and result["to_id"] in regions
            assert set(result["labels"]) <= relation_labels
            continue
        control = controls[result["from_name"]]
        assert control.get("toName") == result["to_name"] and result["to_name"] in objects
        assert CONTROL_TYPES[control.tag] == result["type"]
        value = result["value"]
        declared = {child.get("value") for child in control}
        if result["type"] == "labels":
            assert set(value["labels"]) <= declared
        if result["type"] == "choices":
            assert set(value["choices"]) <= declared
        if control.get("perRegion") == "true":
            assert result["id"] in regions
        if "start" in value:
            text = data[objects[result["to_name"]].get("value").removeprefix("$")]
            if result["type"] == "labels":
                assert text[value["start"] : value["end"]] == value["text"]


def options_for(project) -> ExportOptions:
    return ExportOptions(format="labelstudio", vocabulary=export_vocabulary(project=project))


def test_labelstudio_tasks_pass_the_import_check_against_the_config(dataset):
    tasks = json.loads(export(dataset.project, "labelstudio"))
    check_import(tasks, labelstudio.config(options_for(dataset.project)))
    assert [task["data"]["document_id"] for task in tasks] == [
        dataset.news.pk,
        dataset.unicode.pk,
        dataset.formula.pk,
    ]


def test_labelstudio_regions_give_back_every_gold_span_and_claim_link(dataset):
    tasks = json.loads(export(dataset.project, "labelstudio"))
    for task, document in zip(tasks, [dataset.news, dataset.unicode, dataset.formula], strict=True):
        results = task["annotations"][0]["result"]
        regions = [r for r in results if r["type"] == "labels"]
        gold = document.annotations.get(kind="gold").spans.select_related("label")
        assert sorted(
            (r["value"]["labels"][0], r["value"]["start"], r["value"]["end"]) for r in regions
        ) == sorted((s.label.name, s.start, s.end) for s in gold)
    results = tasks[0]["annotations"][0]["result"]
    regions = {r["id"]: r for r in results if r["type"] == "labels"}
    relation = next(r for r in results if r["type"] == "relation")
    assert regions[relation["to_id"]]["value"]["text"] == "Le Drian"
    assert regions[relation["from_id"]]["from_name"] == "claim"
    checkworthy = next(r for r in results if r.get("from_name") == "checkworthy")
    assert (checkworthy["id"], checkworthy["value"]["choices"]) == (relation["from_id"], ["yes"])
    stance = next(r for r in results if r.get("from_name") == "stance_1")
    assert stance["value"] == {"choices": ["FAVOR"]}
    assert tasks[0]["data"]["stances"][0]["holder"]["text"] == "Le Drian"


def test_labelstudio_offsets_are_code_points_of_the_task_text(dataset):
    tasks = json.loads(export(dataset.project, "labelstudio"))
    unicode = tasks[1]
    texts = [
        r["value"]["text"] for r in unicode["annotations"][0]["result"] if "text" in r["value"]
    ]
    assert "🇲🇱" in texts
    flag = next(r for r in unicode["annotations"][0]["result"] if r["value"].get("text") == "🇲🇱")
    assert (flag["value"]["start"], flag["value"]["end"]) == (6, 8)


def test_labelstudio_api_answer_carries_the_config_it_needs(dataset):
    client = client_for(dataset.users["manager"])
    response = client.get(f"/api/projects/{dataset.project.pk}/export/?format=labelstudio")
    tasks = json.loads(b"".join(response.streaming_content))
    config = unquote(response[labelstudio.CONFIG_HEADER])
    check_import(tasks, config)
    assert '<Label value="PER"/>' in config
    assert '<Header value="Stance toward: the intervention"/>' in config
