from dataclasses import dataclass

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from annotations.models import Annotation, Document, Label, Project, Span, Stance, StanceTarget
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    SpanFactory,
    StanceFactory,
    StanceTargetFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _fresh_throttles(request):
    """Each test with a database starts with no throttle counts (they live in the database
    cache, which a transactional test's data outlives)."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & {"db", "transactional_db"}:
        yield
        return
    transactional = "transactional_db" in names or bool(marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def client_for(user) -> APIClient:
    """An API client signed in as ``user`` (anonymous for None)."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@dataclass
class World:
    """One project with a member of each role, content to act on, and an outsider."""

    project: Project
    other_project: Project
    users: dict
    document: Document
    entity: Label
    claim: Label
    favor: Label
    target: StanceTarget
    free_target: StanceTarget
    own: Annotation  # the annotator's
    span: Span  # of ``own``, used by nothing
    holder: Span  # of ``own``, holds ``stance``
    stance: Stance
    reviewers: Annotation  # the reviewer's own annotation


@pytest.fixture
def world() -> World:
    project = ProjectFactory(name="Sahel")
    other = ProjectFactory(name="Elsewhere")
    users = {role: UserFactory(username=role) for role in ("annotator", "reviewer", "manager")}
    for role, user in users.items():
        MembershipFactory(project=project, user=user, role=role)
    users["outsider"] = UserFactory(username="outsider")
    MembershipFactory(project=other, user=users["outsider"], role="manager")
    users["anonymous"] = None
    document = DocumentFactory(project=project, text="Keita met Macron in Bamako on Monday.")
    entity = LabelFactory(project=project, name="PER", kind="entity")
    claim = LabelFactory(project=project, name="CLAIM", kind="claim")
    favor = LabelFactory(project=project, name="FAVOR", kind="stance")
    target = StanceTargetFactory(project=project, name="the intervention")
    free_target = StanceTargetFactory(project=project, name="the elections")
    own = AnnotationFactory(document=document, author=users["annotator"])
    span = SpanFactory(annotation=own, label=entity, start=20, end=26)
    holder = SpanFactory(annotation=own, label=entity, start=0, end=5)
    stance = StanceFactory(annotation=own, target=target, label=favor, holder=holder)
    reviewers = AnnotationFactory(document=document, author=users["reviewer"])
    return World(
        project=project,
        other_project=other,
        users=users,
        document=document,
        entity=entity,
        claim=claim,
        favor=favor,
        target=target,
        free_target=free_target,
        own=own,
        span=span,
        holder=holder,
        stance=stance,
        reviewers=reviewers,
    )
