"""Migrations 0021/0022: a claim's checkworthy and claimant_text become built-in attributes.

Built on a database of the previous schema (0020) with manual, gold and prediction work; the
API then reads every value as before, and a change logged before the move still reverts.
"""

import hashlib

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from annotations.models import AnnotationEvent, LabelAttribute, Span
from annotations.services.history import event_revert
from tests.migrations.steps import managed_project, migrate_to, migrate_to_latest, state_at

BEFORE = [("annotations", "0020_schema_relations_documents_attributes")]
AFTER = [("annotations", "0022_builtin_span_columns")]
TEXT = "Keita said the dam will open in May. Others doubt it."


def _populate(old):
    """A project of the previous schema: three annotations of one document, a second claim
    label whose user attribute is already called checkworthy, and a logged change."""
    user, project, labels = managed_project(
        old, labels={"PER": "entity", "CLAIM": "claim", "RUMOUR": "claim", "FAVOR": "stance"}
    )
    per, claim, rumour, favor = labels.values()
    old.get_model("annotations", "LabelAttribute").objects.create(
        label=rumour, name="checkworthy", type="choice", choices=["high", "low"]
    )
    target = old.get_model("annotations", "StanceTarget").objects.create(
        project=project, name="the dam"
    )
    document = old.get_model("annotations", "Document").objects.create(
        project=project, text=TEXT, content_hash=hashlib.sha256(TEXT.encode()).hexdigest()
    )
    annotation = old.get_model("annotations", "Annotation")
    span = old.get_model("annotations", "Span")
    stance = old.get_model("annotations", "Stance")
    made = {}
    for kind, author in (("manual", user), ("gold", None), ("prediction", None)):
        work = annotation.objects.create(document=document, author=author, kind=kind)
        keita = span.objects.create(annotation=work, label=per, start=0, end=5, text="Keita")
        said = span.objects.create(
            annotation=work,
            label=claim,
            start=11,
            end=35,
            text=TEXT[11:35],
            claimant=keita,
            checkworthy="yes",
        )
        doubt = span.objects.create(
            annotation=work,
            label=rumour,
            start=37,
            end=52,
            text=TEXT[37:52],
            claimant_text="some engineers",
            checkworthy="unsure" if kind == "gold" else "",
            attributes={"checkworthy": "high"},
        )
        stance.objects.create(
            annotation=work, target=target, label=favor, holder=keita, evidence=said
        )
        made[kind] = (work, keita, said, doubt)
    # A reviewer's change of the gold claim's check-worthiness, logged as the old schema did.
    gold, _, said, _ = made["gold"]
    state = {
        "id": said.pk,
        "label": claim.pk,
        "label_name": "CLAIM",
        "start": 11,
        "end": 35,
        "text": TEXT[11:35],
        "client_id": None,
        "claimant": made["gold"][1].pk,
        "claimant_text": "",
        "attributes": {},
    }
    event = old.get_model("annotations", "AnnotationEvent").objects.create(
        annotation=gold,
        actor=user,
        action="span_changed",
        object_id=said.pk,
        before={**state, "checkworthy": "no"},
        after={**state, "checkworthy": "yes"},
        version=1,
    )
    return user, made, event


@pytest.mark.django_db(transaction=True)
def test_every_claim_value_moves_into_built_in_attributes_and_reads_as_before():
    migrate_to(BEFORE)
    old = state_at(BEFORE)
    user, made, event = _populate(old)

    try:
        new = migrate_to(AFTER)
        stored = new.get_model("annotations", "Span").objects
        for kind, (_, keita, said, doubt) in made.items():
            assert stored.get(pk=keita.pk).attribute_values == {}
            assert stored.get(pk=said.pk).attribute_values == {"checkworthy": "yes"}
            moved = {"checkworthy_user": "high", "claimant_text": "some engineers"}
            if kind == "gold":
                moved["checkworthy"] = "unsure"
            assert stored.get(pk=doubt.pk).attribute_values == moved
        declared = new.get_model("annotations", "LabelAttribute").objects.order_by(
            "label__name", "builtin", "name"
        )
        assert [(row.label.name, row.name, row.builtin, row.type) for row in declared] == [
            ("CLAIM", "checkworthy", "checkworthy", "choice"),
            ("CLAIM", "claimant_text", "claimant_text", "text"),
            ("RUMOUR", "checkworthy_user", "", "choice"),
            ("RUMOUR", "checkworthy", "checkworthy", "choice"),
            ("RUMOUR", "claimant_text", "claimant_text", "text"),
        ]

        migrate_to_latest()
        client = APIClient()
        client.force_authenticate(get_user_model().objects.get(pk=user.pk))
        for kind, (work, keita, said, doubt) in made.items():
            body = client.get(f"/api/annotations/{work.pk}/").json()
            spans = {span["id"]: span for span in body["spans"]}
            fields = ("claimant", "claimant_text", "checkworthy", "attributes")
            assert {name: spans[said.pk][name] for name in fields} == {
                "claimant": keita.pk,
                "claimant_text": "",
                "checkworthy": "yes",
                "attributes": {},
            }
            assert {name: spans[doubt.pk][name] for name in fields} == {
                "claimant": None,
                "claimant_text": "some engineers",
                "checkworthy": "unsure" if kind == "gold" else "",
                "attributes": {"checkworthy_user": "high"},
            }
            assert body["stances"][0]["holder"] == keita.pk
            assert body["stances"][0]["evidence"] == said.pk
        # Built-ins are not the user's attributes: the label API lists only the renamed one.
        labels = client.get(f"/api/projects/{made['gold'][0].document.project_id}/labels/")
        rumour = next(row for row in labels.json()["results"] if row["name"] == "RUMOUR")
        assert [item["name"] for item in rumour["attributes"]] == ["checkworthy_user"]

        # The change logged before the move reverts: the gold claim is "no" again.
        undo = event_revert(event=AnnotationEvent.objects.get(pk=event.pk), actor=None)
        assert undo.action == "reverted"
        assert Span.objects.get(pk=made["gold"][2].pk).checkworthy == "no"
        assert LabelAttribute.objects.exclude(builtin="").count() == 4
    finally:
        migrate_to_latest()


@pytest.mark.django_db(transaction=True)
def test_migrating_back_puts_the_values_into_their_columns_again():
    migrate_to(BEFORE)
    old = state_at(BEFORE)
    _, made, _ = _populate(old)

    try:
        migrate_to(AFTER)
        old = migrate_to(BEFORE)
        stored = old.get_model("annotations", "Span").objects
        _, _, said, doubt = made["gold"]
        back = stored.get(pk=doubt.pk)
        assert (back.checkworthy, back.claimant_text, back.attributes) == (
            "unsure",
            "some engineers",
            {"checkworthy_user": "high"},
        )
        assert stored.get(pk=said.pk).checkworthy == "yes"
        assert (
            not old.get_model("annotations", "LabelAttribute")
            .objects.filter(name__in=["checkworthy", "claimant_text"])
            .exists()
        )
    finally:
        migrate_to_latest()
