"""Relations in review: gold built by majority or union carries them; a reviewer accepts one."""

import pytest

from annotations import items
from annotations.models import LabelAttribute, Relation
from annotations.services.review import NOT_A_SOURCE_RELATION, ONE_ITEM, gold_build
from annotations.services.review.planning import SPAN_LEFT_OUT, Ballots, RelationVote, plan_gold
from tests.api.conftest import client_for
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    RelationFactory,
    SpanFactory,
    UserFactory,
)

TEXT = "Keita met Macron in Bamako on Monday."
KEITA, MACRON, BAMAKO = (0, 5), (10, 16), (20, 26)


@pytest.fixture
def team(db):
    """ana and ben both relate Keita to Bamako (located_in); only ana has Keita met Macron."""
    project = ProjectFactory()
    labels = {
        name: LabelFactory(project=project, name=name, kind=kind)
        for name, kind in [("PER", "entity"), ("LOC", "entity"), ("met", "relation")]
    }
    labels["located_in"] = LabelFactory(
        project=project, name="located_in", kind="relation", target_kind="entity"
    )
    people = {}
    for name, role in [("ana", "annotator"), ("ben", "annotator"), ("rev", "reviewer")]:
        people[name] = UserFactory(username=name)
        MembershipFactory(project=project, user=people[name], role=role)
    document = DocumentFactory(project=project, text=TEXT)
    work = {}
    for name in ("ana", "ben"):
        work[name] = AnnotationFactory(document=document, author=people[name], status="submitted")
        keita = SpanFactory(annotation=work[name], label=labels["PER"], start=0, end=5)
        bamako = SpanFactory(annotation=work[name], label=labels["LOC"], start=20, end=26)
        RelationFactory(source=keita, target=bamako, label=labels["located_in"])
        if name == "ana":
            macron = SpanFactory(annotation=work[name], label=labels["PER"], start=10, end=16)
            RelationFactory(source=keita, target=macron, label=labels["met"])
    return labels, people, document, work


def _gold_relations(gold_id: int) -> set[tuple[str, str, str]]:
    return {
        (r.label.name, r.source.text, r.target.text)
        for r in Relation.objects.filter(annotation_id=gold_id).select_related(
            "label", "source", "target"
        )
    }


def _build(team, body):
    _labels, people, document, _work = team
    return client_for(people["rev"]).post(
        f"/api/documents/{document.pk}/gold/", body, format="json"
    )


def test_gold_by_majority_takes_the_relations_most_annotators_have(team):
    response = _build(team, {"strategy": "majority"})
    assert response.status_code == 201, response.json()
    body = response.json()
    spans = {span["id"]: span["text"] for span in body["gold"]["spans"]}
    assert [
        (r["label_name"], spans[r["source"]], spans[r["target"]]) for r in body["gold"]["relations"]
    ] == [("located_in", "Keita", "Bamako")]
    tie = [c for c in body["conflicts"] if c["kind"] == "relation"]
    ana = team[3]["ana"].pk
    assert tie == [
        {
            "kind": "relation",
            "reason": "tie",
            "label": "met",
            "source": {"label": "PER", "start": 0, "end": 5},
            "target": {"label": "PER", "start": 10, "end": 16},
            "annotations": [ana],
            "count": 1,
            "of": 2,
        }
    ]


def test_gold_from_chosen_annotations_is_the_union_of_their_relations(team):
    _labels, _people, _document, work = team
    response = _build(team, {"annotations": [work["ana"].pk, work["ben"].pk]})
    assert response.status_code == 201, response.json()
    gold = response.json()["gold"]
    assert len(gold["relations"]) == 2  # the shared one once
    assert _gold_relations(gold["id"]) == {
        ("located_in", "Keita", "Bamako"),
        ("met", "Keita", "Macron"),
    }


def test_rebuilding_by_majority_names_the_relations_a_reviewer_would_lose(team):
    _labels, _people, _document, work = team
    first = _build(team, {"annotations": [work["ana"].pk]}).json()
    response = _build(team, {"strategy": "majority", "version": first["gold"]["version"]})
    assert response.status_code == 409
    removed = response.json()["removed"]
    assert {
        "kind": "relation",
        "label": "met",
        "source": {"label": "PER", "start": 0, "end": 5},
        "target": {"label": "PER", "start": 10, "end": 16},
    } in removed
    assert _gold_relations(first["gold"]["id"]) == {
        ("located_in", "Keita", "Bamako"),
        ("met", "Keita", "Macron"),
    }


def test_a_relation_whose_end_is_left_out_of_gold_is_a_conflict():
    """Pure plan: the relation's target place is not among gold's spans."""
    keita = items.span_item(label="PER", start=0, end=5)
    relation = items.relation_item(label="met", source=("PER", 0, 5), target=("PER", 10, 16))
    ballots = Ballots(
        spans={keita.place: {1: keita, 2: keita}},
        stances={},
        relations={relation: {1: RelationVote(relation), 2: RelationVote(relation)}},
    )
    plan = plan_gold(ballots, {"PER": "entity"}, text=TEXT, allow_overlap=False, total=2)
    assert plan.relations == []
    assert [(c["kind"], c["reason"], c["annotations"]) for c in plan.conflicts] == [
        ("relation", SPAN_LEFT_OUT, [1, 2])
    ]


def _accept(team, body):
    _labels, people, document, _work = team
    return client_for(people["rev"]).post(
        f"/api/documents/{document.pk}/gold/accept/", body, format="json"
    )


def test_a_reviewer_accepts_a_relation_with_its_ends_and_again_changes_nothing(team):
    labels, _people, document, work = team
    gold = gold_build(document=document, actor=None, strategy="majority").annotation
    met = Relation.objects.get(annotation=work["ana"], label=labels["met"])

    response = _accept(team, {"relation": met.pk, "version": gold.version})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["relation"] in [r["id"] for r in body["gold"]["relations"]]
    assert (body["span"], body["stance"]) == (None, None)
    # Macron was not in gold: it came with the relation; Keita was, and is reused.
    assert sorted(span["text"] for span in body["gold"]["spans"]) == ["Bamako", "Keita", "Macron"]
    assert _gold_relations(gold.pk) == {
        ("located_in", "Keita", "Bamako"),
        ("met", "Keita", "Macron"),
    }
    again = _accept(team, {"relation": met.pk})
    assert again.json()["relation"] == body["relation"]
    assert again.json()["gold"]["version"] == body["gold"]["version"]


def test_accepting_a_relation_of_another_document_or_with_another_item_is_refused(team):
    labels, _people, _document, work = team
    elsewhere = AnnotationFactory(document=DocumentFactory(project=work["ana"].document.project))
    a = SpanFactory(annotation=elsewhere, label=labels["PER"], start=0, end=5)
    b = SpanFactory(annotation=elsewhere, label=labels["PER"], start=9, end=15)
    foreign = RelationFactory(source=a, target=b, label=labels["met"])
    response = _accept(team, {"relation": foreign.pk})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "relation": [NOT_A_SOURCE_RELATION.format(value=foreign.pk)]
    }
    both = _accept(team, {"relation": foreign.pk, "span": a.pk})
    assert both.json()["errors"] == {"non_field_errors": [ONE_ITEM]}


def test_accept_agreed_adds_agreed_relations_and_keeps_golds_own(team):
    labels, people, document, work = team
    client = client_for(people["rev"])
    gold = gold_build(document=document, actor=None, annotation_ids=[work["ben"].pk]).annotation
    # The reviewer's own relation in gold, Bamako -> Keita, must survive.
    spans = {span.text: span for span in gold.spans.all()}
    RelationFactory(source=spans["Bamako"], target=spans["Keita"], label=labels["met"])
    Relation.objects.filter(annotation=gold, label=labels["located_in"]).delete()

    response = client.post(f"/api/documents/{document.pk}/gold/agreed/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["added"] == {
        "spans": 0,
        "stances": 0,
        "relations": 1,
        "document_labels": 0,
    }
    assert _gold_relations(gold.pk) == {
        ("located_in", "Keita", "Bamako"),
        ("met", "Bamako", "Keita"),
    }


def _certainty(team, **given):
    """Declare located_in's certainty; give each named annotator's located_in that value."""
    labels, _people, _document, work = team
    LabelAttribute.objects.create(
        label=labels["located_in"], name="certainty", type="choice", choices=["sure", "likely"]
    )
    for name, value in given.items():
        Relation.objects.filter(annotation=work[name], label=labels["located_in"]).update(
            attributes={"certainty": value}
        )


def _gold_values(gold_id: int) -> dict[str, dict]:
    rows = Relation.objects.filter(annotation_id=gold_id).select_related("label")
    return {r.label.name: r.attributes for r in rows}


def _relation_value_conflicts(body):
    return [
        (c["reason"], c["values"], c["gold"])
        for c in body["conflicts"]
        if c["kind"] == "relation" and c.get("attribute") == "attributes"
    ]


def test_majority_gold_votes_a_relations_values_as_a_spans(team):
    _certainty(team, ana="sure")
    ana, ben = team[3]["ana"].pk, team[3]["ben"].pk
    response = _build(team, {"strategy": "majority"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [r["attributes"] for r in body["gold"]["relations"]] == [{"certainty": "sure"}]
    assert _gold_values(body["gold"]["id"]) == {"located_in": {"certainty": "sure"}}
    # Not giving a value is no vote, and is listed beside the value gold took.
    assert _relation_value_conflicts(body) == [
        (
            "attribute",
            [
                {"value": {"certainty": "sure"}, "annotations": [ana]},
                {"value": None, "annotations": [ben]},
            ],
            {"certainty": "sure"},
        )
    ]
    [conflict] = [c for c in body["conflicts"] if c.get("attribute") == "attributes"]
    assert (conflict["label"], conflict["source"], conflict["target"]) == (
        "located_in",
        {"label": "PER", "start": 0, "end": 5},
        {"label": "LOC", "start": 20, "end": 26},
    )


def test_a_tie_on_a_relations_values_leaves_them_empty_and_is_listed(team):
    _certainty(team, ana="sure", ben="likely")
    response = _build(team, {"strategy": "majority"})
    body = response.json()
    assert [r["attributes"] for r in body["gold"]["relations"]] == [{}]
    assert [(reason, gold) for reason, _values, gold in _relation_value_conflicts(body)] == [
        ("attribute", None)
    ]


def test_values_given_alike_go_in_without_a_conflict_by_majority_union_and_agreement(team):
    _labels, people, document, work = team
    _certainty(team, ana="likely", ben="likely")
    majority = _build(team, {"strategy": "majority"}).json()
    assert _gold_values(majority["gold"]["id"]) == {"located_in": {"certainty": "likely"}}
    assert _relation_value_conflicts(majority) == []

    union = _build(
        team,
        {
            "annotations": [work["ana"].pk, work["ben"].pk],
            "replace": True,
            "version": majority["gold"]["version"],
        },
    ).json()
    assert _gold_values(union["gold"]["id"]) == {
        "located_in": {"certainty": "likely"},
        "met": {},
    }

    Relation.objects.filter(annotation_id=union["gold"]["id"]).delete()
    agreed = client_for(people["rev"]).post(
        f"/api/documents/{document.pk}/gold/agreed/", {}, format="json"
    )
    assert agreed.status_code == 200, agreed.json()
    assert _gold_values(union["gold"]["id"]) == {"located_in": {"certainty": "likely"}}


def test_rebuilding_by_majority_names_a_relation_value_a_reviewer_changed(team):
    _certainty(team, ana="sure", ben="sure")
    first = _build(team, {"strategy": "majority"}).json()
    Relation.objects.filter(annotation_id=first["gold"]["id"]).update(
        attributes={"certainty": "likely"}
    )
    response = _build(team, {"strategy": "majority", "version": first["gold"]["version"]})
    assert response.status_code == 409
    assert [(r["label"], r.get("attributes")) for r in response.json()["removed"]] == [
        ("located_in", {"certainty": "likely"})
    ]
    assert [(r["label"], r.get("attributes")) for r in response.json()["added"]] == [
        ("located_in", {"certainty": "sure"})
    ]
