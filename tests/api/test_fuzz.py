"""Fuzz every operation of the OpenAPI schema in-process: no 5xx, responses match the schema.

Schemathesis generates valid and invalid requests from ``/api/schema/`` and sends them to the
WSGI application, signed in as the manager of a small project. Path parameters point at real
rows of that project (a throwaway project for the DELETE), so the requests reach the views'
logic instead of stopping at 404. ``make fuzz`` runs the same checks, with more cases,
against a live server.
"""

from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

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

EXAMPLES_PER_OPERATION = 25
# No 5xx; every response, error or not, in the shape and content type the schema declares.
# (Status codes are not checked: the schema lists each operation's main answers, not every
# 401/404 that the permission rules give.)
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _fuzz_project() -> tuple[dict[str, int], str]:
    """A project with labels, targets, documents and the manager's annotation; its ids."""
    manager = UserFactory(username="fuzz-manager")
    UserFactory(username="fuzz-annotator")
    # Overlaps allowed: the one short text would otherwise fill up after a few spans.
    project = ProjectFactory(name="Fuzz", allow_overlap=True)
    MembershipFactory(project=project, user=manager, role="manager")
    entity = LabelFactory(project=project, name="PER", kind="entity", shortcut="p")
    claim = LabelFactory(project=project, name="CLAIM", kind="claim", shortcut="c")
    favor = LabelFactory(project=project, name="FAVOR", kind="stance", shortcut="f")
    target = StanceTargetFactory(project=project, name="the intervention")
    documents = [
        DocumentFactory(project=project, text=text, external_id=f"d{n}", meta={"n": n})
        for n, text in enumerate(
            [
                "Keita met Macron in Bamako on Monday.",
                "Le ministre a déclaré que l’armée resterait à Gao.",
                "Emoji 🇲🇱 and combining e\u0301 in one sentence.",
            ]
        )
    ]
    annotation = AnnotationFactory(document=documents[0], author=manager)
    holder = SpanFactory(annotation=annotation, label=entity, start=0, end=5)
    span = SpanFactory(annotation=annotation, label=entity, start=10, end=16)
    stance = StanceFactory(annotation=annotation, target=target, label=favor, holder=holder)
    throwaway = ProjectFactory(name="Fuzz throwaway")
    MembershipFactory(project=throwaway, user=manager, role="manager")
    ids = {
        "project_id": project.pk,
        "document_id": documents[0].pk,
        "annotation_id": annotation.pk,
        "span_id": span.pk,
        "stance_id": stance.pk,
        "throwaway_project_id": throwaway.pk,
        "entity": entity.pk,
        "claim": claim.pk,
        "favor": favor.pk,
        "target": target.pk,
        "holder": holder.pk,
        "text_length": len(documents[0].text),
    }
    return ids, Token.objects.create(user=manager).key


@pytest.fixture
def _connection_kept_across_requests():
    # The WSGI handler closes the database connection after each request; the test's data
    # lives in a transaction on that connection. Django's test client does the same as this.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("_connection_kept_across_requests")
def test_every_operation_answers_without_5xx_and_as_its_schema_says():
    ids, token = _fuzz_project()
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    headers = {"Authorization": f"Token {token}"}
    cases: dict[str, int] = {}
    failures: dict[str, str] = {}
    statuses: Counter = Counter()

    for result in schema.get_all_operations():
        operation = result.ok()
        cases[operation.label] = 0
        try:
            _fuzz(operation, ids, _path_parameters(operation, ids), headers, cases, statuses)
        except (Exception, BaseExceptionGroup) as error:
            failures[operation.label] = f"{type(error).__name__}: {error}"[:3_000]

    total = sum(cases.values())
    print(
        f"\nfuzz: {total} cases over {len(cases)} operations; statuses {sorted(statuses.items())}"
    )
    assert len(cases) >= 20
    assert not failures, "\n\n".join(f"{label}\n{message}" for label, message in failures.items())


def _path_parameters(operation, ids: dict[str, int]) -> dict[str, int]:
    """Real ids for the operation's path; a project is only ever deleted if it is the throwaway."""
    names = {parameter.name for parameter in operation.path_parameters}
    # A parameter with no row here (a new route's) is left to the generator.
    chosen = {name: ids[name] for name in names if name in ids}
    if operation.method.upper() == "DELETE" and operation.path == "/api/projects/{project_id}/":
        chosen["project_id"] = ids["throwaway_project_id"]
    return chosen


def _fuzz(
    operation,
    ids: dict[str, int],
    path_parameters: dict[str, int],
    headers: dict[str, str],
    cases: dict[str, int],
    statuses: Counter,
) -> None:
    """Send valid and invalid generated cases to one operation; raise on the first failure."""
    positive = st.tuples(
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=path_parameters),
        st.booleans(),
        st.integers(0, ids["text_length"] - 1),
        st.integers(1, 12),
    ).map(lambda drawn: _with_real_references(*drawn, ids=ids))
    strategy = st.one_of(
        positive,
        operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=path_parameters),
    )

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers=headers)
        cases[operation.label] += 1
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    run()


def _with_real_references(case, real: bool, start: int, length: int, *, ids: dict[str, int]):
    """Half the valid cases refer to the project's own labels, targets, spans and offsets.

    Random ids almost never name a row of the project, so without this nearly every write
    would stop at "not a label of this project" and the success paths would go unfuzzed.
    """
    body = case.body
    if not real or not isinstance(body, dict) or "/bulk/" in case.operation.path:
        return case
    stance = "/stances/" in case.operation.path
    claim_fields = any(body.get(name) for name in ("claimant", "claimant_text", "checkworthy"))
    if "label" in body:
        body["label"] = ids["favor"] if stance else ids["claim" if claim_fields else "entity"]
    if "target" in body:
        body["target"] = ids["target"]
    for name in ("holder", "claimant", "evidence"):
        if body.get(name) is not None:
            body[name] = ids["holder"]
    if "claimant" in body and body.get("claimant_text"):
        body["claimant_text"] = ""
    if "start" in body or "end" in body:
        body["start"], body["end"] = start, min(start + length, ids["text_length"])
    for name in ("text", "version"):
        body.pop(name, None)
    return case
