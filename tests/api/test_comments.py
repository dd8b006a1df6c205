"""Comments over the API: threads on documents, spans and stances, mentions, resolving, access."""

import pytest

from annotations import selectors
from annotations.models import Comment
from annotations.models.comments import BODY_MAX_LENGTH
from annotations.services import comments as messages
from tests.api.conftest import client_for
from tests.factories import AnnotationFactory, MembershipFactory, SpanFactory, UserFactory

pytestmark = pytest.mark.django_db

WRITE_QUERIES = 9
RESOLVE_QUERIES = 5


def url(world):
    return f"/api/documents/{world.document.pk}/comments/"


def post(world, role, **body):
    return client_for(world.users[role]).post(url(world), body, format="json")


def listed(world, role):
    response = client_for(world.users[role]).get(url(world))
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def patch(world, role, comment_id, **body):
    return client_for(world.users[role]).patch(f"/api/comments/{comment_id}/", body, format="json")


def test_annotator_comments_on_own_span_and_reviewer_reads_it(world):
    response = post(world, "annotator", body="Is this @reviewer's PER?", span=world.span.pk)

    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["span"] == world.span.pk
    assert created["annotation"] == world.own.pk
    assert created["target_caption"] == "PER “Bamako”"
    assert created["mentions"] == ["reviewer"]
    assert created["resolved"] is False
    seen = listed(world, "reviewer")
    assert [(c["author"], c["body"], c["may_resolve"], c["may_edit"]) for c in seen] == [
        ("annotator", "Is this @reviewer's PER?", True, False)
    ]


def test_comment_on_a_stance_is_captioned_with_target_and_value(world):
    response = post(world, "annotator", body="Not sure", stance=world.stance.pk)

    assert response.status_code == 201, response.json()
    assert response.json()["target_caption"] == "“the intervention”: FAVOR"
    assert Comment.objects.get().stance == world.stance


def test_reviewer_resolves_and_reopens_and_the_server_keeps_who(world):
    comment_id = post(world, "annotator", body="Check this", span=world.span.pk).json()["id"]

    resolved = patch(world, "reviewer", comment_id, resolved=True)

    assert resolved.status_code == 200, resolved.json()
    assert resolved.json()["resolved_by"] == "reviewer"
    stored = Comment.objects.get(pk=comment_id)
    assert stored.resolved_by == world.users["reviewer"] and stored.resolved_at is not None
    reopened = patch(world, "annotator", comment_id, resolved=False)
    assert reopened.status_code == 200
    assert Comment.objects.get(pk=comment_id).resolved_at is None


def test_only_the_author_edits_and_an_edit_updates_mentions(world):
    comment_id = post(world, "reviewer", body="Ask @manager").json()["id"]

    refused = patch(world, "manager", comment_id, body="Hijacked")
    edited = patch(world, "reviewer", comment_id, body="Ask @annotator instead")

    assert refused.status_code == 403
    assert refused.json()["detail"] == messages.NOT_YOUR_COMMENT
    assert edited.status_code == 200, edited.json()
    stored = Comment.objects.get(pk=comment_id)
    assert stored.body == "Ask @annotator instead" and stored.edited_at is not None
    assert [user.username for user in stored.mentions.all()] == ["annotator"]


def test_an_annotator_may_not_resolve_someone_elses_comment(world):
    comment_id = post(world, "reviewer", body="Please fix", span=world.span.pk).json()["id"]

    response = patch(world, "annotator", comment_id, resolved=True)

    assert response.status_code == 403
    assert response.json()["detail"] == messages.MAY_NOT_RESOLVE
    assert Comment.objects.get(pk=comment_id).resolved_at is None


def test_unknown_mention_is_a_400_naming_body_and_writes_nothing(world):
    response = post(world, "reviewer", body="Ask @outsider and @nobody, then @annotator.")

    assert response.status_code == 400
    assert response.json()["errors"]["body"] == [
        messages.NOT_A_MEMBER.format(username="outsider"),
        messages.NOT_A_MEMBER.format(username="nobody"),
    ]
    assert not Comment.objects.exists()


def test_mention_parsing_skips_email_addresses_and_final_full_stops():
    assert messages.mentioned_usernames("Mail a@b.org or ask @ana.b. Then @ana.b, @x_1!") == [
        "ana.b",
        "x_1",
    ]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"body": "   "}, {"body": [messages.BODY_EMPTY]}),
        ({"body": "x", "span": 1, "stance": 1}, {"stance": [messages.ONE_TARGET]}),
        ({"body": "x", "colour": "red"}, "colour"),
        ({}, "body"),
    ],
)
def test_bad_comment_bodies_name_the_field(world, body, error):
    response = post(world, "reviewer", **body)

    assert response.status_code == 400
    if isinstance(error, dict):
        assert response.json()["errors"] == error
    else:
        assert error in response.json()["errors"]
    assert not Comment.objects.exists()


def test_a_body_over_the_limit_is_refused(world):
    response = post(world, "reviewer", body="x" * (BODY_MAX_LENGTH + 1))

    assert response.status_code == 400
    assert "body" in response.json()["errors"]


def test_a_span_of_another_document_names_nothing(world):
    elsewhere = SpanFactory(annotation=AnnotationFactory(author=world.users["annotator"]))

    response = post(world, "annotator", body="x", span=elsewhere.pk)

    assert response.status_code == 400
    assert response.json()["errors"] == {"span": [messages.NO_SUCH_SPAN.format(id=elsewhere.pk)]}


def test_blind_annotators_cannot_comment_on_or_read_each_others_work(world):
    second = UserFactory(username="second")
    MembershipFactory(project=world.project, user=second, role="annotator")
    theirs = AnnotationFactory(document=world.document, author=second)
    their_span = SpanFactory(annotation=theirs, label=world.entity, start=0, end=5)
    post(world, "annotator", body="My own doubt", span=world.span.pk)
    post(world, "annotator", body="My note on the document")
    post(world, "reviewer", body="To everyone: the date is wrong")
    post(world, "reviewer", body="@annotator check PER", span=world.span.pk)

    refused = client_for(second).post(url(world), {"body": "x", "span": world.span.pk}, "json")
    on_own = client_for(second).post(url(world), {"body": "Mine", "span": their_span.pk}, "json")
    seen = client_for(second).get(url(world)).json()["results"]

    assert refused.status_code == 400 and "span" in refused.json()["errors"]
    assert on_own.status_code == 201
    assert [c["body"] for c in seen] == ["To everyone: the date is wrong", "Mine"]
    assert len(listed(world, "reviewer")) == 5
    assert [c["body"] for c in listed(world, "annotator")] == [
        "My own doubt",
        "My note on the document",
        "To everyone: the date is wrong",
        "@annotator check PER",
    ]


def test_a_hidden_comment_answers_404_to_an_annotator(world):
    second = UserFactory(username="second")
    MembershipFactory(project=world.project, user=second, role="annotator")
    comment_id = post(world, "annotator", body="Mine", span=world.span.pk).json()["id"]

    response = client_for(second).patch(f"/api/comments/{comment_id}/", {"resolved": True}, "json")

    assert response.status_code == 404


def test_mentioning_an_annotator_who_cannot_read_the_comment_is_refused(world):
    second = UserFactory(username="second")
    MembershipFactory(project=world.project, user=second, role="annotator")

    response = post(world, "reviewer", body="@second compare this", span=world.span.pk)

    assert response.status_code == 400
    assert response.json()["errors"] == {"body": [messages.CANNOT_SEE.format(username="second")]}


def test_an_annotator_who_has_not_started_may_read_but_not_write_a_note(world):
    newcomer = UserFactory(username="newcomer")
    MembershipFactory(project=world.project, user=newcomer, role="annotator")
    post(world, "manager", body="Skip the byline")

    response = client_for(newcomer).post(url(world), {"body": "Hello"}, format="json")
    seen = client_for(newcomer).get(url(world)).json()["results"]

    assert response.status_code == 403
    assert response.json()["detail"] == messages.NOT_STARTED
    assert [c["body"] for c in seen] == ["Skip the byline"]


@pytest.mark.parametrize("role", ["outsider", "anonymous"])
def test_non_members_and_anonymous_get_nothing(world, role):
    post(world, "reviewer", body="Private")
    comment_id = Comment.objects.get().pk

    listing = client_for(world.users[role]).get(url(world))
    writing = client_for(world.users[role]).post(url(world), {"body": "x"}, format="json")
    patching = patch(world, role, comment_id, resolved=True)

    expected = 404 if role == "outsider" else 401
    assert (listing.status_code, writing.status_code, patching.status_code) == (expected,) * 3
    assert Comment.objects.count() == 1 and Comment.objects.get().resolved_at is None


def test_a_patch_with_nothing_to_change_is_a_400(world):
    comment_id = post(world, "reviewer", body="x").json()["id"]

    response = patch(world, "reviewer", comment_id)

    assert response.status_code == 400
    assert "body" in response.json()["errors"]


def test_deleting_the_span_keeps_its_comments_on_the_document_thread(world):
    comment_id = post(world, "annotator", body="Doubt", span=world.span.pk).json()["id"]
    delete = client_for(world.users["annotator"]).delete(
        f"/api/annotations/{world.own.pk}/spans/{world.span.pk}/"
    )

    assert delete.status_code == 200, delete.json()
    kept = listed(world, "reviewer")
    assert [(c["id"], c["span"], c["annotation"], c["target_caption"]) for c in kept] == [
        (comment_id, None, world.own.pk, "PER “Bamako”")
    ]


def test_the_list_runs_four_queries_whatever_the_number_of_comments(
    world, django_assert_num_queries
):
    client = client_for(world.users["reviewer"])
    for n in range(3):
        post(world, "reviewer", body=f"Ask @annotator and @manager {n}", span=world.span.pk)
    # The document with the caller's role, the count, the page, its mentions.
    with django_assert_num_queries(4):
        few = client.get(url(world))
    for n in range(20):
        post(world, "annotator", body=f"Note {n} for @reviewer", span=world.span.pk)
    with django_assert_num_queries(4):
        many = client.get(url(world))

    assert (few.json()["count"], many.json()["count"]) == (3, 23)


def test_comments_on_gold_are_for_reviewers_and_on_predictions_for_everyone(world):
    gold = AnnotationFactory(document=world.document, author=None, kind="gold")
    gold_span = SpanFactory(annotation=gold, label=world.entity, start=0, end=5)
    prediction = AnnotationFactory(document=world.document, author=None, kind="prediction")
    predicted = SpanFactory(annotation=prediction, label=world.entity, start=10, end=16)

    refused = post(world, "reviewer", body="@annotator see gold", span=gold_span.pk)
    on_gold = post(world, "reviewer", body="Gold note for @manager", span=gold_span.pk)
    annotator_on_gold = post(world, "annotator", body="x", span=gold_span.pk)
    on_prediction = post(world, "annotator", body="The model missed a name", span=predicted.pk)

    assert refused.status_code == 400
    assert refused.json()["errors"] == {"body": [messages.CANNOT_SEE.format(username="annotator")]}
    assert on_gold.status_code == 201 and on_prediction.status_code == 201
    assert annotator_on_gold.status_code == 400 and "span" in annotator_on_gold.json()["errors"]
    assert [c["body"] for c in listed(world, "annotator")] == ["The model missed a name"]
    assert [c["body"] for c in listed(world, "manager")] == [
        "Gold note for @manager",
        "The model missed a name",
    ]


def test_a_blind_study_hides_the_comments_on_predictions_from_annotators(world):
    prediction = AnnotationFactory(document=world.document, author=None, kind="prediction")
    predicted = SpanFactory(annotation=prediction, label=world.entity, start=10, end=16)
    on_prediction = post(world, "reviewer", body="@annotator the model missed", span=predicted.pk)
    assert on_prediction.status_code == 201, on_prediction.json()
    comment_id = on_prediction.json()["id"]
    world.project.show_suggestions = False
    world.project.save()

    # Not in the thread, not to be resolved, not to be written on, not counted as a mention.
    assert listed(world, "annotator") == []
    assert patch(world, "annotator", comment_id, resolved=True).status_code == 404
    refused = post(world, "annotator", body="Wrong", span=predicted.pk)
    assert refused.status_code == 400 and "span" in refused.json()["errors"]
    assert selectors.comment_mentions_for_user(user=world.users["annotator"]) == (0, [])
    # Reviewers still read it.
    assert [c["id"] for c in listed(world, "reviewer")] == [comment_id]
    assert not Comment.objects.filter(body="Wrong").exists()


def test_writing_and_resolving_take_a_fixed_number_of_queries_whatever_the_mentions(
    world, django_assert_num_queries
):
    client = client_for(world.users["reviewer"])
    few = {"body": "Ask @annotator", "span": world.span.pk}
    many = {"body": "Ask @annotator @manager @reviewer", "span": world.span.pk}
    # The document with the role, the span, the members, savepoint, insert, the mentions'
    # current rows and insert, release, the mentions read back.
    with django_assert_num_queries(WRITE_QUERIES):
        client.post(url(world), few, format="json")
    with django_assert_num_queries(WRITE_QUERIES):
        created = client.post(url(world), many, format="json").json()
    # The comment with its role and people, its mentions, savepoint, update, release.
    with django_assert_num_queries(RESOLVE_QUERIES):
        response = client.patch(f"/api/comments/{created['id']}/", {"resolved": True}, "json")

    assert response.json()["resolved"] is True
    assert created["mentions"] == ["annotator", "manager", "reviewer"]
