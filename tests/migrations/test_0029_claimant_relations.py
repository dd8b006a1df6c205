"""Migrations 0028-0030: a claim's claimant span becomes a built-in relation.

Built on a database of the previous schema (0027) with manual, gold and prediction work, a
user's relation and a logged change of a claimant; the API then reads every claimant as
before, the relations API still lists only the user's relation, the logged change reverts,
and migrating back puts every claimant into its column again.
"""

import hashlib

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from annotations.models import AnnotationEvent, Relation, Span
from annotations.services.annotating import SPAN_IS_CLAIMANT
from annotations.services.history import event_revert
from tests.migrations.steps import managed_project, migrate_to, migrate_to_latest, state_at

BEFORE = [("annotations", "0027_shortcuts_new_page_keys")]
AFTER = [("annotations", "0030_drop_span_claimant")]
TEXT = "Keita said the dam will open in May. Others doubt it."


def _populate(old):
    """Three annotations of one document, each with a claim naming its claimant span, a claim
    with a free-text claimant, a user's relation and a stance; a logged claimant change."""
    user, project, labels = managed_project(
        old, labels={"PER": "entity", "CLAIM": "claim", "FAVOR": "stance", "cause": "relation"}
    )
    per, claim, favor, cause = labels.values()
    target = old.get_model("annotations", "StanceTarget").objects.create(
        project=project, name="the dam"
    )
    document = old.get_model("annotations", "Document").objects.create(
        project=project, text=TEXT, content_hash=hashlib.sha256(TEXT.encode()).hexdigest()
    )
    annotation = old.get_model("annotations", "Annotation")
    span = old.get_model("annotations", "Span")
    made = {}
    for kind, author in (("manual", user), ("gold", None), ("prediction", None)):
        work = annotation.objects.create(document=document, author=author, kind=kind)
        keita = span.objects.create(annotation=work, label=per, start=0, end=5, text="Keita")
        said = span.objects.create(
            annotation=work, label=claim, start=11, end=35, text=TEXT[11:35], claimant=keita
        )
        doubt = span.objects.create(
            annotation=work,
            label=claim,
            start=37,
            end=52,
            text=TEXT[37:52],
            attribute_values={"claimant_text": "some engineers"},
        )
        old.get_model("annotations", "Relation").objects.create(
            annotation=work, label=cause, source=doubt, target=said
        )
        old.get_model("annotations", "Stance").objects.create(
            annotation=work, target=target, label=favor, holder=keita, evidence=said
        )
        made[kind] = (work, keita, said, doubt)
    # A reviewer named the gold claim's claimant (it had none before), logged as before.
    gold, keita, said, _ = made["gold"]
    state = {
        "id": said.pk,
        "label": claim.pk,
        "label_name": "CLAIM",
        "start": 11,
        "end": 35,
        "text": TEXT[11:35],
        "client_id": None,
        "claimant_text": "",
        "checkworthy": "",
        "attributes": {},
    }
    event = old.get_model("annotations", "AnnotationEvent").objects.create(
        annotation=gold,
        actor=user,
        action="span_changed",
        object_id=said.pk,
        before={**state, "claimant": None},
        after={**state, "claimant": keita.pk},
        version=1,
    )
    return user, made, event


@pytest.mark.django_db(transaction=True)
def test_every_claimant_becomes_a_built_in_relation_and_reads_as_before():
    migrate_to(BEFORE)
    old = state_at(BEFORE)
    user, made, event = _populate(old)

    try:
        new = migrate_to(AFTER)
        links = new.get_model("annotations", "Relation").objects.order_by("pk")
        assert sorted(
            (row.annotation_id, row.builtin, row.label_id, row.source_id, row.target_id)
            for row in links.filter(label__isnull=True)
        ) == sorted(
            (work.pk, "claimant", None, said.pk, keita.pk) for work, keita, said, _ in made.values()
        )
        assert links.filter(label__isnull=False, builtin="").count() == 3

        migrate_to_latest()
        client = APIClient()
        client.force_authenticate(get_user_model().objects.get(pk=user.pk))
        for work, keita, said, doubt in made.values():
            body = client.get(f"/api/annotations/{work.pk}/").json()
            spans = {span["id"]: span for span in body["spans"]}
            assert (spans[said.pk]["claimant"], spans[said.pk]["claimant_text"]) == (keita.pk, "")
            assert (spans[doubt.pk]["claimant"], spans[doubt.pk]["claimant_text"]) == (
                None,
                "some engineers",
            )
            assert spans[keita.pk]["claimant"] is None
            # The relations API and the annotation's relations show the user's relation only.
            assert [(r["source"], r["target"]) for r in body["relations"]] == [(doubt.pk, said.pk)]
            listed = client.get(f"/api/annotations/{work.pk}/relations/").json()
            assert [(r["source"], r["target"]) for r in listed["results"]] == [(doubt.pk, said.pk)]
        # A claimant is still refused deletion while a claim names it.
        manual, keita, said, _ = made["manual"]
        refused = client.delete(f"/api/annotations/{manual.pk}/spans/{keita.pk}/")
        assert refused.status_code == 400
        message = SPAN_IS_CLAIMANT.format(span=keita.pk, claims=str(said.pk))
        assert message in refused.json()["errors"]["span"]
        assert Span.objects.filter(pk=keita.pk).exists()

        # The claimant change logged before the move reverts: the gold claim names none.
        gold, _, said, _ = made["gold"]
        undo = event_revert(event=AnnotationEvent.objects.get(pk=event.pk), actor=None)
        assert undo.action == "reverted"
        assert Span.objects.get(pk=said.pk).claimant_id is None
        assert Relation.links.filter(annotation_id=gold.pk, builtin="claimant").count() == 0
    finally:
        migrate_to_latest()


@pytest.mark.django_db(transaction=True)
def test_migrating_back_puts_every_claimant_into_its_column_again():
    migrate_to(BEFORE)
    old = state_at(BEFORE)
    _, made, _ = _populate(old)

    try:
        migrate_to(AFTER)
        old = migrate_to(BEFORE)
        stored = old.get_model("annotations", "Span").objects
        for _, keita, said, doubt in made.values():
            assert stored.get(pk=said.pk).claimant_id == keita.pk
            assert stored.get(pk=doubt.pk).claimant_id is None
        relations = old.get_model("annotations", "Relation").objects
        assert relations.count() == 3
        assert not relations.filter(label__isnull=True).exists()
    finally:
        migrate_to_latest()
