"""Every endpoint x every role: the exact status code each caller gets."""

import pytest

from annotations import access
from annotations.models import Role
from tests.api.conftest import client_for
from tests.factories import (
    AnnotationFactory,
    ImportJobFactory,
    ReleaseFactory,
    ReleaseFileFactory,
)

ROLES = ("anonymous", "outsider", "annotator", "reviewer", "manager")


def _codes(anonymous, outsider, annotator, reviewer, manager):
    return dict(zip(ROLES, (anonymous, outsider, annotator, reviewer, manager), strict=True))


MEMBERS_READ = _codes(401, 404, 200, 200, 200)
MANAGER_ONLY = _codes(401, 404, 403, 403, 201)
AUTHOR_ONLY = _codes(401, 404, 200, 403, 403)
REVIEWERS_READ = _codes(401, 404, 403, 200, 200)

# (name, request builder, expected codes): the builder gets the world and answers
# (method, url, json body).
CASES = [
    ("list projects", lambda w: ("get", "/api/projects/", None), _codes(401, 200, 200, 200, 200)),
    (
        "create project",
        lambda w: ("post", "/api/projects/", {"name": "New"}),
        _codes(401, 201, 201, 201, 201),
    ),
    ("read project", lambda w: ("get", f"/api/projects/{w.project.pk}/", None), MEMBERS_READ),
    (
        "change project",
        lambda w: ("patch", f"/api/projects/{w.project.pk}/", {"name": "Renamed"}),
        _codes(401, 404, 403, 403, 200),
    ),
    (
        "delete project",
        lambda w: ("delete", f"/api/projects/{w.project.pk}/", None),
        _codes(401, 404, 403, 403, 204),
    ),
    (
        "list members",
        lambda w: ("get", f"/api/projects/{w.project.pk}/members/", None),
        MEMBERS_READ,
    ),
    (
        "add member",
        lambda w: (
            "post",
            f"/api/projects/{w.project.pk}/members/",
            {"username": "outsider", "role": "annotator"},
        ),
        MANAGER_ONLY,
    ),
    ("list labels", lambda w: ("get", f"/api/projects/{w.project.pk}/labels/", None), MEMBERS_READ),
    (
        "add label",
        lambda w: (
            "post",
            f"/api/projects/{w.project.pk}/labels/",
            {"name": "ORG", "kind": "entity"},
        ),
        MANAGER_ONLY,
    ),
    (
        "list targets",
        lambda w: ("get", f"/api/projects/{w.project.pk}/targets/", None),
        MEMBERS_READ,
    ),
    (
        "add target",
        lambda w: ("post", f"/api/projects/{w.project.pk}/targets/", {"name": "the junta"}),
        MANAGER_ONLY,
    ),
    (
        "list documents",
        lambda w: ("get", f"/api/projects/{w.project.pk}/documents/", None),
        MEMBERS_READ,
    ),
    (
        "import documents",
        lambda w: ("post", f"/api/projects/{w.project.pk}/documents/", [{"text": "A new text."}]),
        MANAGER_ONLY,
    ),
    (
        # Every role annotates. The annotator and the reviewer get their work in progress back;
        # the only document already has its one annotator, so the manager's queue is empty.
        "next document",
        lambda w: ("post", f"/api/projects/{w.project.pk}/next/", None),
        _codes(401, 404, 200, 200, 204),
    ),
    ("read document", lambda w: ("get", f"/api/documents/{w.document.pk}/", None), MEMBERS_READ),
    (
        "list document annotations",
        lambda w: ("get", f"/api/documents/{w.document.pk}/annotations/", None),
        MEMBERS_READ,
    ),
    (
        # The annotator and the reviewer already have theirs (200); the manager starts one.
        "open own annotation",
        lambda w: ("post", f"/api/documents/{w.document.pk}/annotations/", None),
        _codes(401, 404, 200, 200, 201),
    ),
    (
        "read the annotator's annotation",
        lambda w: ("get", f"/api/annotations/{w.own.pk}/", None),
        MEMBERS_READ,
    ),
    (
        # Blind annotation: an annotator cannot even learn that it exists.
        "read the reviewer's annotation",
        lambda w: ("get", f"/api/annotations/{w.reviewers.pk}/", None),
        _codes(401, 404, 404, 200, 200),
    ),
    (
        "submit the annotator's annotation",
        lambda w: ("patch", f"/api/annotations/{w.own.pk}/", {"status": "submitted", "version": 1}),
        AUTHOR_ONLY,
    ),
    (
        "add span",
        lambda w: (
            "post",
            f"/api/annotations/{w.own.pk}/spans/",
            {"label": w.entity.pk, "start": 10, "end": 16},
        ),
        _codes(401, 404, 201, 403, 403),
    ),
    (
        "change span",
        lambda w: ("patch", f"/api/annotations/{w.own.pk}/spans/{w.span.pk}/", {"start": 21}),
        AUTHOR_ONLY,
    ),
    (
        "delete span",
        lambda w: ("delete", f"/api/annotations/{w.own.pk}/spans/{w.span.pk}/", None),
        AUTHOR_ONLY,
    ),
    (
        "add stance",
        lambda w: (
            "post",
            f"/api/annotations/{w.own.pk}/stances/",
            {"target": w.free_target.pk, "label": w.favor.pk},
        ),
        _codes(401, 404, 201, 403, 403),
    ),
    (
        "change stance",
        lambda w: (
            "patch",
            f"/api/annotations/{w.own.pk}/stances/{w.stance.pk}/",
            {"holder": None},
        ),
        AUTHOR_ONLY,
    ),
    (
        "delete stance",
        lambda w: ("delete", f"/api/annotations/{w.own.pk}/stances/{w.stance.pk}/", None),
        AUTHOR_ONLY,
    ),
    (
        "bulk replace",
        lambda w: ("post", f"/api/annotations/{w.own.pk}/bulk/", {"spans": [], "stances": []}),
        AUTHOR_ONLY,
    ),
    (
        "build gold",
        lambda w: ("post", f"/api/documents/{w.document.pk}/gold/", {"annotations": [w.own.pk]}),
        _codes(401, 404, 403, 201, 201),
    ),
    (
        "read agreement",
        lambda w: ("get", f"/api/projects/{w.project.pk}/agreement/", None),
        _codes(401, 404, 403, 200, 200),
    ),
    (
        "list releases",
        lambda w: ("get", f"/api/projects/{w.project.pk}/releases/", None),
        REVIEWERS_READ,
    ),
    (
        "create release",
        lambda w: ("post", f"/api/projects/{_with_gold(w).pk}/releases/", {"name": "v1"}),
        _codes(401, 404, 403, 403, 202),
    ),
    ("read release", lambda w: ("get", f"/api/releases/{_release(w).pk}/", None), REVIEWERS_READ),
    (
        "download release",
        lambda w: ("get", f"/api/releases/{_release(w).pk}/download/", None),
        REVIEWERS_READ,
    ),
    (
        "compare releases",
        lambda w: ("get", f"/api/releases/{_release(w).pk}/compare/{_release(w).pk}/", None),
        REVIEWERS_READ,
    ),
    (
        "list import jobs",
        lambda w: ("get", f"/api/projects/{w.project.pk}/jobs/", None),
        _codes(401, 404, 403, 403, 200),
    ),
    (
        "read import job",
        lambda w: ("get", f"/api/jobs/{ImportJobFactory(project=w.project).pk}/", None),
        _codes(401, 404, 403, 403, 200),
    ),
    (
        "resume import job",
        lambda w: ("post", f"/api/jobs/{ImportJobFactory(project=w.project).pk}/resume/", None),
        _codes(401, 404, 403, 403, 202),
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("build", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_role_gets_exactly_its_status_code(world, role, build, expected):
    method, url, body = build(world)
    client = client_for(world.users[role])
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert set(response.json()) >= {"detail", "errors"}


# The role gate of annotations.access that each case goes through. The other cases are not
# role gates: anyone signed in lists and creates projects, and writes to an annotation are
# its author's.
GATES = {
    "read project": access.READ_ROLES,
    "change project": access.MANAGE_ROLES,
    "delete project": access.MANAGE_ROLES,
    "list members": access.READ_ROLES,
    "add member": access.MANAGE_ROLES,
    "list labels": access.READ_ROLES,
    "add label": access.MANAGE_ROLES,
    "list targets": access.READ_ROLES,
    "add target": access.MANAGE_ROLES,
    "list documents": access.READ_ROLES,
    "import documents": access.MANAGE_ROLES,
    "next document": access.READ_ROLES,
    "read document": access.READ_ROLES,
    "list document annotations": access.READ_ROLES,
    "open own annotation": access.READ_ROLES,
    "build gold": access.REVIEW_ROLES,
    "read agreement": access.REVIEW_ROLES,
    "list releases": access.REVIEW_ROLES,
    "create release": access.MANAGE_ROLES,
    "read release": access.REVIEW_ROLES,
    "download release": access.REVIEW_ROLES,
    "compare releases": access.REVIEW_ROLES,
    "list import jobs": access.MANAGE_ROLES,
    "read import job": access.MANAGE_ROLES,
    "resume import job": access.MANAGE_ROLES,
}
# Each signed-in caller's role in the world's project (the outsider is no member of it).
ROLE_OF = {
    "outsider": None,
    "annotator": Role.ANNOTATOR,
    "reviewer": Role.REVIEWER,
    "manager": Role.MANAGER,
}
EXPECTED = {name: expected for name, _build, expected in CASES}


@pytest.mark.parametrize(("name", "allowed"), GATES.items(), ids=list(GATES))
def test_each_role_gate_of_the_matrix_refuses_exactly_as_access_does(name, allowed):
    # With the matrix test above, this holds the API's answers to annotations.access.
    for caller, role in ROLE_OF.items():
        refused = access.refusal(role, allowed)
        answer = EXPECTED[name][caller]
        if refused is None:
            assert answer < 400, (caller, answer)
        else:
            assert answer == refused.value, (caller, answer)


def test_reading_someone_elses_annotation_in_the_matrix_is_access_sees_others_work():
    # Blind annotation: a member who may not see it is told it does not exist, never 403.
    for caller, role in ROLE_OF.items():
        answer = EXPECTED["read the reviewer's annotation"][caller]
        mine = caller == "reviewer"
        assert answer == (200 if role and (mine or access.sees_others_work(role)) else 404)


@pytest.mark.django_db
def test_anonymous_caller_is_told_to_authenticate(world, api):
    response = api.get("/api/projects/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_reviewer_reopens_someone_elses_submitted_annotation(world):
    client_for(world.users["annotator"]).patch(
        f"/api/annotations/{world.own.pk}/", {"status": "submitted", "version": 1}, format="json"
    )
    response = client_for(world.users["reviewer"]).patch(
        f"/api/annotations/{world.own.pk}/", {"status": "in_progress", "version": 2}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"


@pytest.mark.django_db
def test_annotator_cannot_reopen_own_submitted_annotation(world):
    client = client_for(world.users["annotator"])
    client.patch(
        f"/api/annotations/{world.own.pk}/", {"status": "submitted", "version": 1}, format="json"
    )
    response = client.patch(
        f"/api/annotations/{world.own.pk}/", {"status": "in_progress", "version": 2}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_annotator_list_shows_own_annotation_and_predictions_only(world):
    from tests.factories import AnnotationFactory

    prediction = AnnotationFactory(document=world.document, author=None, kind="prediction")
    response = client_for(world.users["annotator"]).get(
        f"/api/documents/{world.document.pk}/annotations/"
    )
    ids = {item["id"] for item in response.json()["results"]}
    assert ids == {world.own.pk, prediction.pk}
    response = client_for(world.users["reviewer"]).get(
        f"/api/documents/{world.document.pk}/annotations/"
    )
    assert {item["id"] for item in response.json()["results"]} == {
        world.own.pk,
        world.reviewers.pk,
        prediction.pk,
    }


@pytest.mark.django_db
def test_predictions_are_read_only(world):
    from tests.factories import AnnotationFactory

    prediction = AnnotationFactory(document=world.document, author=None, kind="prediction")
    response = client_for(world.users["manager"]).post(
        f"/api/annotations/{prediction.pk}/spans/",
        {"label": world.entity.pk, "start": 0, "end": 5},
        format="json",
    )
    assert response.status_code == 403


def _with_gold(w):
    """The world's project, once its document has gold (a release needs some)."""
    AnnotationFactory(document=w.document, author=None, kind="gold")
    return w.project


def _release(w):
    """A ready release of the world's project with its jsonl file."""
    release = ReleaseFactory(project=w.project)
    row = b'{"id": 1, "entities": [], "claims": [], "stances": []}\n'
    ReleaseFileFactory(release=release, format="jsonl", content=row)
    return release
