"""Migrations 0033-0035: a stance's holder and evidence spans become built-in relations.

Built on a database of the previous schema (0032) with manual, gold and prediction work, each
with a stance held by an entity and evidenced by a claim, one held by the document's author
without evidence, one whose holder is also a claimant, a user's relation, and a logged change
of a holder. The API then reads every stance as before, the relations API still lists only the
user's relation, a holder and an evidence span are still refused deletion, the rule "one stance
per target and holder" still holds, the logged change reverts, an export carries every holder
and evidence, and migrating back puts each into its column again.
"""

import hashlib
import json

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from annotations.models import AnnotationEvent, Relation, Span, Stance
from annotations.services.annotating import SPAN_HOLDS_STANCES, SPAN_IS_EVIDENCE, STANCE_DUPLICATE
from annotations.services.history import event_revert
from tests.migrations.steps import managed_project, migrate_to, migrate_to_latest, state_at

BEFORE = [("annotations", "0032_merge_20261204_0853")]
AFTER = [("annotations", "0035_drop_stance_holder_evidence")]
TEXT = "Keita said the dam will open in May. Awa doubts it."


def _populate(old):
    """Three annotations of one document, each with three stances (see the module doc) and a
    user's relation; a logged holder change on the gold one."""
    user, project, labels = managed_project(
        old,
        labels={
            "PER": "entity",
            "CLAIM": "claim",
            "FAVOR": "stance",
            "AGAINST": "stance",
            "cause": "relation",
        },
    )
    per, claim, favor, against, cause = labels.values()
    targets = old.get_model("annotations", "StanceTarget").objects
    dam = targets.create(project=project, name="the dam")
    may = targets.create(project=project, name="the May opening")
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
        awa = span.objects.create(annotation=work, label=per, start=37, end=40, text="Awa")
        said = span.objects.create(annotation=work, label=claim, start=11, end=35, text=TEXT[11:35])
        doubt = span.objects.create(
            annotation=work, label=claim, start=37, end=50, text=TEXT[37:50]
        )
        old.get_model("annotations", "Relation").objects.create(
            annotation=work, label=cause, source=doubt, target=said
        )
        stances = [
            stance.objects.create(
                annotation=work, target=dam, label=favor, holder=keita, evidence=said
            ),
            stance.objects.create(annotation=work, target=dam, label=against),
            stance.objects.create(
                annotation=work, target=may, label=against, holder=awa, evidence=doubt
            ),
        ]
        made[kind] = (work, {"keita": keita, "awa": awa, "said": said, "doubt": doubt}, stances)
    # A reviewer gave the author's gold stance a holder (Awa), logged as before the move.
    gold, spans, stances = made["gold"]
    authors = stances[1]
    state = {
        "id": authors.pk,
        "target": dam.pk,
        "label": against.pk,
        "evidence": None,
        "attributes": {},
    }
    stance.objects.filter(pk=authors.pk).update(holder=spans["awa"])
    event = old.get_model("annotations", "AnnotationEvent").objects.create(
        annotation=gold,
        actor=user,
        action="stance_changed",
        object_id=authors.pk,
        before={**state, "holder": None},
        after={**state, "holder": spans["awa"].pk},
        version=1,
    )
    return user, project, made, event


def _expected(made):
    """(stance, holder, evidence) ids as the columns held them, gold's change included."""
    found = {}
    for kind, (_, spans, stances) in made.items():
        held, authors, awas = stances
        found[held.pk] = (spans["keita"].pk, spans["said"].pk)
        found[authors.pk] = (spans["awa"].pk if kind == "gold" else None, None)
        found[awas.pk] = (spans["awa"].pk, spans["doubt"].pk)
    return found


@pytest.mark.django_db(transaction=True)
def test_every_holder_and_evidence_becomes_a_built_in_relation_and_reads_as_before():
    migrate_to(BEFORE)
    old = state_at(BEFORE)
    user, project, made, event = _populate(old)
    expected = _expected(made)

    try:
        new = migrate_to(AFTER)
        links = new.get_model("annotations", "Relation").objects
        assert sorted(
            (row.builtin, row.stance_id, row.source_id, row.target_id, row.label_id)
            for row in links.filter(stance__isnull=False)
        ) == sorted(
            [("holder", pk, None, span, None) for pk, (span, _) in expected.items() if span]
            + [("evidence", pk, None, span, None) for pk, (_, span) in expected.items() if span]
        )
        assert links.filter(label__isnull=False, builtin="").count() == 3

        migrate_to_latest()
        client = APIClient()
        client.force_authenticate(get_user_model().objects.get(pk=user.pk))
        for work, spans, stances in made.values():
            body = client.get(f"/api/annotations/{work.pk}/").json()
            assert {s["id"]: (s["holder"], s["evidence"]) for s in body["stances"]} == {
                stance.pk: expected[stance.pk] for stance in stances
            }
            # The relations API and the annotation's relations show the user's relation only.
            pairs = [(spans["doubt"].pk, spans["said"].pk)]
            assert [(r["source"], r["target"]) for r in body["relations"]] == pairs
            listed = client.get(f"/api/annotations/{work.pk}/relations/").json()
            assert [(r["source"], r["target"]) for r in listed["results"]] == pairs

        manual, spans, stances = made["manual"]
        url = f"/api/annotations/{manual.pk}/"
        # A holder, and an evidence span, are still refused deletion while a stance names them.
        refused = client.delete(f"{url}spans/{spans['keita'].pk}/")
        assert refused.status_code == 400
        held = SPAN_HOLDS_STANCES.format(span=spans["keita"].pk, stances=str(stances[0].pk))
        assert held in refused.json()["errors"]["span"]
        refused = client.delete(f"{url}spans/{spans['doubt'].pk}/")
        assert refused.status_code == 400
        evidenced = SPAN_IS_EVIDENCE.format(span=spans["doubt"].pk, stances=str(stances[2].pk))
        assert evidenced in refused.json()["errors"]["span"]
        assert Span.objects.filter(pk__in=[spans["keita"].pk, spans["doubt"].pk]).count() == 2
        # One stance per target and holder still holds, for a holder and for the author.
        for holder, name in ((spans["keita"].pk, f"span {spans['keita'].pk}"), (None, None)):
            body = {"target": stances[0].target_id, "label": stances[0].label_id}
            refused = client.post(f"{url}stances/", {**body, "holder": holder}, format="json")
            assert refused.status_code == 400, refused.json()
            said = STANCE_DUPLICATE.format(target="the dam", holder=name or "the document's author")
            assert said in refused.json()["errors"]["target"]
        assert Stance.objects.filter(annotation_id=manual.pk).count() == 3
        # Changing a holder through the API moves its relation, nothing else.
        moved = client.patch(
            f"{url}stances/{stances[2].pk}/", {"holder": spans["keita"].pk}, format="json"
        )
        assert moved.status_code == 200, moved.json()
        assert (moved.json()["holder"], moved.json()["evidence"]) == (
            spans["keita"].pk,
            spans["doubt"].pk,
        )

        # The gold export carries every holder and evidence, by offsets and text, as before.
        exported = client.get(f"/api/projects/{project.pk}/export/?format=jsonl")
        assert exported.status_code == 200
        content = b"".join(exported.streaming_content) if exported.streaming else exported.content
        [record] = [json.loads(line) for line in content.splitlines()]
        assert sorted(
            (
                stance["target"],
                stance["label"],
                stance["holder"] and (stance["holder"]["start"], stance["holder"]["text"]),
                stance["evidence"] and (stance["evidence"]["start"], stance["evidence"]["text"]),
            )
            for stance in record["stances"]
        ) == [
            ("the May opening", "AGAINST", (37, "Awa"), (37, TEXT[37:50])),
            ("the dam", "AGAINST", (37, "Awa"), None),
            ("the dam", "FAVOR", (0, "Keita"), (11, TEXT[11:35])),
        ]

        # The holder change logged before the move reverts: the gold stance is the author's.
        gold, _, gold_stances = made["gold"]
        undo = event_revert(event=AnnotationEvent.objects.get(pk=event.pk), actor=None)
        assert undo.action == "reverted"
        assert Stance.objects.with_links().get(pk=gold_stances[1].pk).holder_id is None
        assert not Relation.links.filter(stance_id=gold_stances[1].pk).exists()
    finally:
        migrate_to_latest()


@pytest.mark.django_db(transaction=True)
def test_migrating_back_puts_every_holder_and_evidence_into_its_column_again():
    migrate_to(BEFORE)
    old = state_at(BEFORE)
    _, _, made, _ = _populate(old)
    expected = _expected(made)

    try:
        migrate_to(AFTER)
        old = migrate_to(BEFORE)
        stored = old.get_model("annotations", "Stance").objects
        assert {row.pk: (row.holder_id, row.evidence_id) for row in stored.all()} == expected
        relations = old.get_model("annotations", "Relation").objects
        assert relations.count() == 3
        assert not relations.filter(label__isnull=True).exists()
    finally:
        migrate_to_latest()
