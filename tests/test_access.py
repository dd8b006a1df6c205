"""The role table of DESIGN.md, asserted row by row against annotations.access, and every
layer that checks a role held to it."""

from types import SimpleNamespace

import pytest

from annotations import access, admin, selectors
from annotations.errors import Forbidden
from annotations.models import Role
from annotations.services.annotating import annotation_set_status
from annotations.services.assignment import annotation_reassign
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    MembershipFactory,
    ProjectFactory,
    ReleaseFactory,
    ReleaseFileFactory,
    UserFactory,
)

NON_MEMBER = None
ALL = [NON_MEMBER, Role.ANNOTATOR, Role.REVIEWER, Role.MANAGER]


@pytest.mark.parametrize(
    ("rule", "allowed"),
    [
        (access.may_read, {Role.ANNOTATOR, Role.REVIEWER, Role.MANAGER}),
        (access.may_review, {Role.REVIEWER, Role.MANAGER}),
        (access.sees_others_work, {Role.REVIEWER, Role.MANAGER}),
        (access.may_reopen, {Role.REVIEWER, Role.MANAGER}),
        (access.may_manage, {Role.MANAGER}),
        (access.may_reassign, {Role.MANAGER}),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_each_rule_allows_exactly_the_roles_of_the_design_table(rule, allowed):
    assert {role for role in ALL if rule(role)} == allowed


@pytest.mark.parametrize(
    "rule",
    [
        access.may_read,
        access.may_review,
        access.sees_others_work,
        access.may_reopen,
        access.may_manage,
        access.may_reassign,
    ],
    ids=lambda rule: rule.__name__,
)
def test_roles_where_lists_exactly_the_roles_a_rule_allows(rule):
    assert set(access.roles_where(rule)) == {role for role in ALL if rule(role)}


def test_every_role_of_the_model_is_a_reading_role():
    assert set(access.READ_ROLES) == set(Role.values)


def test_a_non_member_is_refused_as_not_found_whatever_is_asked():
    for allowed in (access.READ_ROLES, access.REVIEW_ROLES, access.MANAGE_ROLES):
        assert access.refusal(NON_MEMBER, allowed) is access.Refusal.NOT_FOUND


def test_a_member_without_the_role_is_refused_as_forbidden():
    assert access.refusal(Role.ANNOTATOR, access.REVIEW_ROLES) is access.Refusal.FORBIDDEN
    assert access.refusal(Role.REVIEWER, access.MANAGE_ROLES) is access.Refusal.FORBIDDEN


def test_a_member_with_the_role_is_not_refused():
    assert access.refusal(Role.MANAGER, access.MANAGE_ROLES) is None
    assert access.refusal(Role.ANNOTATOR, access.READ_ROLES) is None


# --- Every layer decides as this table ----------------------------------------------------
# The API's gates are held to it in tests/api/test_permissions.py (through its matrix); here
# the pages, the selectors, the admin's scoping and the services that check a role.


@pytest.fixture
def team():
    """A project with one member of each role, an outsider, and another annotator's work."""
    project = ProjectFactory()
    people = {role: UserFactory(username=f"the-{role}") for role in Role.values}
    for role, user in people.items():
        MembershipFactory(project=project, user=user, role=role)
    people[NON_MEMBER] = UserFactory(username="outsider")
    MembershipFactory(user=people[NON_MEMBER], role=Role.MANAGER)  # of another project
    document = DocumentFactory(project=project, text="Keita met Macron in Bamako.")
    other = UserFactory(username="other-annotator")
    MembershipFactory(project=project, user=other, role=Role.ANNOTATOR)
    submitted = AnnotationFactory(document=document, author=other, status="submitted")
    started = AnnotationFactory(document=DocumentFactory(project=project), author=other)
    release = ReleaseFactory(project=project)
    ReleaseFileFactory(release=release, format="jsonl", content=b"{}\n")
    return SimpleNamespace(
        project=project,
        people=people,
        document=document,
        other=other,
        submitted=submitted,
        started=started,
        release=release,
    )


# (page, the role gate it goes through, what it answers past the gate)
PAGES = [
    ("/projects/{project}/", access.READ_ROLES, 200),
    ("/projects/{project}/labels.css", access.READ_ROLES, 200),
    ("/documents/{document}/review/", access.REVIEW_ROLES, 200),
    ("/projects/{project}/review/", access.REVIEW_ROLES, 200),
    ("/projects/{project}/dashboard/", access.REVIEW_ROLES, 200),
    ("/projects/{project}/releases/", access.REVIEW_ROLES, 200),
    ("/releases/{release}/", access.REVIEW_ROLES, 200),
    ("/projects/{project}/import/", access.MANAGE_ROLES, 200),
]
# Posted empty: a manager gets past the gate to the form's errors (400).
POSTS = [
    ("/projects/{project}/members/", access.MANAGE_ROLES, 400),
    ("/projects/{project}/labels/", access.MANAGE_ROLES, 400),
]


def _url(template: str, team) -> str:
    return template.format(
        project=team.project.pk, document=team.document.pk, release=team.release.pk
    )


def _expected(role, allowed, passed):
    refused = access.refusal(role, allowed)
    return passed if refused is None else refused.value


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL)
def test_each_page_refuses_exactly_as_access_does(client, team, role):
    client.force_login(team.people[role])
    for template, allowed, passed in PAGES:
        response = client.get(_url(template, team))
        assert response.status_code == _expected(role, allowed, passed), template
    for template, allowed, passed in POSTS:
        response = client.post(_url(template, team), {})
        assert response.status_code == _expected(role, allowed, passed), template


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.REVIEWER, Role.MANAGER])
def test_the_pages_offer_what_access_allows(client, team, role):
    client.force_login(team.people[role])
    base = f"/projects/{team.project.pk}"
    html = client.get(f"{base}/").content.decode()
    assert (f'href="{base}/review/"' in html) is access.may_review(role)
    assert (f'href="{base}/import/"' in html) is access.may_manage(role)
    if access.may_review(role):
        dashboard = client.get(f"{base}/dashboard/")
        assert dashboard.context["can_manage"] is access.may_manage(role)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL)
def test_the_selectors_show_others_work_exactly_as_access_does(team, role):
    user = team.people[role]
    found = selectors.annotation_get_for_user(user=user, annotation_id=team.submitted.pk)
    listed = selectors.annotation_list_for_user(user=user, document=team.document)
    sees = access.sees_others_work(role)
    assert (found is not None) is sees
    assert (team.submitted in listed) is sees
    assert selectors.annotation_visible(team.submitted, user, role) is sees


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL)
def test_the_admin_scopes_to_the_projects_access_lets_manage(team, role):
    user = team.people[role]
    assert (team.project in admin.managed_projects(user)) is access.may_manage(role)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL)
def test_reopening_someone_elses_work_is_refused_exactly_as_access_says(team, role):
    version = team.submitted.version
    try:
        annotation_set_status(
            annotation=team.submitted,
            status="in_progress",
            version=version,
            actor=team.people[role],
        )
    except Forbidden:
        reopened = False
    else:
        reopened = True
    assert reopened is access.may_reopen(role)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL)
def test_handing_work_over_is_refused_exactly_as_access_says(team, role):
    to = team.people[Role.REVIEWER] if role != Role.REVIEWER else team.people[Role.MANAGER]
    try:
        annotation_reassign(annotation=team.started, author=to, actor=team.people[role])
    except Forbidden:
        handed = False
    else:
        handed = True
    assert handed is access.may_reassign(role)
