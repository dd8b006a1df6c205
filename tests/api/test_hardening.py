"""Hostile input gets a 4xx in the error shape, never a 500; log-in guessing is throttled."""

import json
import logging
import math
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from annotations import auth_views
from annotations.api.base import (
    INTEGER_TOO_LARGE,
    LONE_SURROGATE,
    MAX_JSON_DEPTH,
    NOT_FINITE,
    TOO_DEEP,
)
from annotations.models import Annotation, Document, Label, Project, Span
from tests.api.conftest import client_for
from tests.factories import PASSWORD, DocumentFactory, UserFactory

BEYOND_64_BITS = "99999999999999999999999"
INT64_MAX = 2**63 - 1


def _post_raw(client, url: str, body: str, method: str = "POST"):
    """Send ``body`` exactly as written: JSON escapes such as \\ud800 stay escapes."""
    client.raise_request_exception = False
    return client.generic(method, url, body.encode(), content_type="application/json")


def _spans_url(world) -> str:
    return f"/api/annotations/{world.own.pk}/spans/"


def _counts() -> tuple[int, ...]:
    return (
        Project.objects.count(),
        Document.objects.count(),
        Span.objects.count(),
        Label.objects.count(),
    )


# Lone surrogates


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/projects/", '{"name": "Sahel \\ud800"}', "name"),
        ("/api/projects/", '{"name": "Sahel", "description": "\\udfff end"}', "description"),
        # In a key: the key cannot be echoed back, so its parent (the body) is named.
        ("/api/projects/", '{"name": "Sahel", "\\ud800": 1}', "non_field_errors"),
        ("{documents}", '[{"text": "a \\udc00 b"}]', "0.text"),
        ("{documents}", '[{"text": "fine", "meta": {"k": ["\\ud83d"]}}]', "0.meta.k.0"),
        ("{spans}", '{"label": 1, "start": 0, "end": 5, "claimant_text": "\\ud800"}', None),
    ],
)
def test_lone_surrogates_are_a_400_naming_the_field(world, url, body, field):
    url = url.format(
        documents=f"/api/projects/{world.project.pk}/documents/", spans=_spans_url(world)
    )
    client = client_for(world.users["annotator" if "spans" in url else "manager"])
    before = _counts()
    response = _post_raw(client, url, body)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert LONE_SURROGATE in errors[field or "claimant_text"]
    assert _counts() == before


@pytest.mark.django_db
def test_a_surrogate_pair_is_a_character_not_an_error(world):
    response = _post_raw(
        client_for(world.users["manager"]),
        f"/api/projects/{world.project.pk}/documents/",
        '[{"text": "Rire \\ud83d\\ude00 à Bamako."}]',
    )
    assert response.status_code == 201
    assert Document.objects.filter(text="Rire \U0001f600 à Bamako.").exists()


@pytest.mark.django_db
def test_lone_surrogates_in_an_imported_file_are_a_line_error(world):
    upload = SimpleUploadedFile(
        "docs.jsonl", b'{"text": "x\\ud800y"}\n{"text": "fine"}\n', "application/jsonl"
    )
    response = client_for(world.users["manager"]).post(
        f"/api/projects/{world.project.pk}/documents/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201
    report = response.json()
    assert [error["line"] for error in report["errors"]] == [1]
    assert [created["line"] for created in report["created"]] == [2]


# Integers past 64 bits, and numbers JSON has but the database has not


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("where", "body", "field"),
    [
        ("spans", '{"label": {label}, "start": HUGE, "end": 3}', "start"),
        ("spans", '{"label": HUGE, "start": 0, "end": 5}', "label"),
        ("spans", '{"label": {label}, "start": 0, "end": 5, "claimant": HUGE}', "claimant"),
        ("spans", '{"label": {label}, "start": 0, "end": 5, "version": HUGE}', "version"),
        ("spans", '{"label": {label}, "start": -HUGE, "end": 5}', "start"),
        ("stances", '{"target": HUGE, "label": {favor}}', "target"),
        ("stances", '{"target": {target}, "label": {favor}, "holder": HUGE}', "holder"),
        ("stances", '{"target": {target}, "label": {favor}, "evidence": HUGE}', "evidence"),
        ("bulk", '{"spans": [{"label": "PER", "start": 0, "end": HUGE}], "stances": []}', None),
        ("status", '{"status": "submitted", "version": HUGE}', "version"),
    ],
)
def test_integers_past_64_bits_in_a_body_are_a_400(world, where, body, field):
    urls = {
        "spans": _spans_url(world),
        "stances": f"/api/annotations/{world.own.pk}/stances/",
        "bulk": f"/api/annotations/{world.own.pk}/bulk/",
        "status": f"/api/annotations/{world.own.pk}/",
    }
    body = (
        body.replace("HUGE", BEYOND_64_BITS)
        .replace("{label}", str(world.entity.pk))
        .replace("{favor}", str(world.favor.pk))
        .replace("{target}", str(world.target.pk))
    )
    method = "PATCH" if where == "status" else "POST"
    response = _post_raw(client_for(world.users["annotator"]), urls[where], body, method)
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {field or "spans.0.end": [INTEGER_TOO_LARGE]}
    world.own.refresh_from_db()
    assert world.own.version == 1


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["spans-label", "span-claimant", "stance-holder", "target"])
def test_the_largest_64_bit_id_is_simply_not_found(world, where):
    # Fits the parser's check, so it reaches the database: SQLite must not overflow on it.
    client = client_for(world.users["annotator"])
    if where == "spans-label":
        body = {"label": INT64_MAX, "start": 0, "end": 5}
        response = client.post(_spans_url(world), body, format="json")
    elif where == "span-claimant":
        body = {"label": world.claim.pk, "start": 0, "end": 5, "claimant": INT64_MAX}
        response = client.post(_spans_url(world), body, format="json")
    else:
        body = {"target": world.free_target.pk, "label": world.favor.pk, "holder": INT64_MAX}
        if where == "target":
            body = {"target": INT64_MAX, "label": world.favor.pk}
        response = client.post(f"/api/annotations/{world.own.pk}/stances/", body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) <= {"label", "claimant", "holder", "target"}


@pytest.mark.django_db
def test_integers_past_64_bits_in_document_meta_are_refused_with_their_path(world):
    response = _post_raw(
        client_for(world.users["manager"]),
        f"/api/projects/{world.project.pk}/documents/",
        f'[{{"text": "ok", "meta": {{"n": {BEYOND_64_BITS}}}}}]',
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"0.meta.n": [INTEGER_TOO_LARGE]}
    assert not Document.objects.filter(text="ok").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["1e400", "-1e400"])
def test_numbers_past_double_range_are_refused(world, number):
    response = _post_raw(
        client_for(world.users["manager"]),
        f"/api/projects/{world.project.pk}/documents/",
        f'[{{"text": "ok", "meta": {{"x": {number}}}}}]',
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"0.meta.x": [NOT_FINITE]}


@pytest.mark.django_db
def test_integers_past_64_bits_in_urls_are_not_found(world):
    client = client_for(world.users["annotator"])
    client.raise_request_exception = False
    own = world.own.pk
    for huge in (BEYOND_64_BITS, str(2**63), "9" * 5000):
        for method, url in (
            ("GET", f"/api/projects/{huge}/"),
            ("PATCH", f"/api/projects/{huge}/"),
            ("DELETE", f"/api/projects/{huge}/"),
            ("GET", f"/api/projects/{huge}/members/"),
            ("POST", f"/api/projects/{huge}/labels/"),
            ("GET", f"/api/projects/{huge}/targets/"),
            ("GET", f"/api/projects/{huge}/documents/"),
            ("GET", f"/api/documents/{huge}/"),
            ("POST", f"/api/documents/{huge}/annotations/"),
            ("PATCH", f"/api/annotations/{huge}/"),
            ("POST", f"/api/annotations/{huge}/spans/"),
            ("PATCH", f"/api/annotations/{own}/spans/{huge}/"),
            ("DELETE", f"/api/annotations/{own}/stances/{huge}/"),
            ("POST", f"/api/annotations/{huge}/bulk/"),
        ):
            response = client.generic(method, url, b"{}", content_type="application/json")
            assert response.status_code == 404, (method, url[:80], response.status_code)


@pytest.mark.django_db
def test_integers_past_64_bits_in_query_parameters_are_4xx(world):
    client = client_for(world.users["annotator"])
    response = client.get(f"/api/projects/{world.project.pk}/documents/", {"page": BEYOND_64_BITS})
    assert response.status_code == 404
    response = client.delete(f"{_spans_url(world)}{world.span.pk}/?version={BEYOND_64_BITS}")
    assert response.status_code == 400
    assert response.json()["errors"] == {"version": [INTEGER_TOO_LARGE]}
    assert Span.objects.filter(pk=world.span.pk).exists()


# Size and depth


@pytest.mark.django_db
def test_a_json_body_over_the_upload_limit_is_413(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    client = client_for(world.users["manager"])
    response = client.post("/api/projects/", {"name": "x" * 2_000}, format="json")
    assert response.status_code == 413
    assert set(response.json()) == {"detail", "errors"}
    response = client.post(_spans_url(world), {"label": 1, "start": 0, "end": 1}, format="json")
    assert response.status_code != 413
    assert not Project.objects.filter(name="x" * 2_000).exists()


@pytest.mark.django_db
def test_an_import_body_over_import_max_bytes_is_413_before_parsing(world, settings):
    settings.IMPORT_MAX_BYTES = 1_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = "[" + ",".join(['{"text": "Keita in Bamako."}'] * 100) + "]"
    response = _post_raw(
        client_for(world.users["manager"]), f"/api/projects/{world.project.pk}/documents/", body
    )
    assert response.status_code == 413
    assert Document.objects.filter(project=world.project).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000,
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        '{"name": ' + "[" * 50_000 + "]" * 50_000 + "}",
    ],
)
def test_deeply_nested_json_is_a_400_not_a_recursion_error(world, body):
    response = _post_raw(client_for(world.users["manager"]), "/api/projects/", body)
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}


@pytest.mark.django_db
def test_nesting_is_accepted_up_to_the_limit_and_named_past_it(world):
    url = f"/api/projects/{world.project.pk}/documents/"
    client = client_for(world.users["manager"])

    def meta(depth: int) -> str:
        # The body is a list holding an object holding "label": two levels before its own.
        # Not "meta", which the import limits to far fewer levels (MAX_META_DEPTH): "label"
        # that is not a list of spans stores the document with a warning.
        nested = '{"a": ' * depth + "1" + "}" * depth
        return f'[{{"text": "deep {depth}", "label": {nested}}}]'

    assert _post_raw(client, url, meta(MAX_JSON_DEPTH - 2)).status_code == 201
    response = _post_raw(client, url, meta(MAX_JSON_DEPTH - 1))
    assert response.status_code == 400
    path = "0.label" + ".a" * (MAX_JSON_DEPTH - 2)
    assert response.json()["errors"] == {path: [TOO_DEEP.format(limit=MAX_JSON_DEPTH)]}


# Unknown fields and mass assignment


# OTHER stands for the id of a project, annotation or user the caller must not reach.
OTHER = object()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("where", "body", "refused"),
    [
        (
            "annotation",
            {"status": "submitted", "version": 1, "author": OTHER, "kind": "gold"},
            {"author", "kind"},
        ),
        ("annotation", {"status": "submitted", "version": 1, "document": OTHER}, {"document"}),
        (
            "spans",
            {"label": "PER", "start": 0, "end": 5, "annotation": OTHER, "id": 1},
            {"annotation", "id"},
        ),
        ("span", {"end": 4, "annotation": OTHER, "label_name": "X"}, {"annotation", "label_name"}),
        ("stance", {"holder": None, "annotation": OTHER}, {"annotation"}),
        (
            "project",
            {"name": "Mine now", "id": OTHER, "created_at": "2020-01-01", "role": "x"},
            {"id", "created_at", "role"},
        ),
        ("project", {"name": "Mine now", "version": 2}, {"version"}),
        ("projects", {"name": "New", "role": "annotator", "members": []}, {"role", "members"}),
        (
            "labels",
            {"name": "LOC", "kind": "entity", "project": OTHER, "version": 3},
            {"project", "version"},
        ),
        ("targets", {"name": "t", "project": OTHER}, {"project"}),
        (
            "members",
            {"username": "annotator", "role": "manager", "project": OTHER},
            {"project"},
        ),
        ("bulk", {"spans": [], "stances": [], "author": OTHER}, {"author"}),
        (
            "bulk",
            {"spans": [{"label": "PER", "start": 0, "end": 5, "annotation": OTHER}], "stances": []},
            {"spans.0.annotation"},
        ),
    ],
)
def test_unknown_and_read_only_fields_are_refused_by_name(world, where, body, refused):
    own, project = world.own.pk, world.project.pk
    method, url, role = {
        "annotation": ("PATCH", f"/api/annotations/{own}/", "annotator"),
        "spans": ("POST", f"/api/annotations/{own}/spans/", "annotator"),
        "span": ("PATCH", f"/api/annotations/{own}/spans/{world.span.pk}/", "annotator"),
        "stance": ("PATCH", f"/api/annotations/{own}/stances/{world.stance.pk}/", "annotator"),
        "project": ("PATCH", f"/api/projects/{project}/", "manager"),
        "projects": ("POST", "/api/projects/", "manager"),
        "labels": ("POST", f"/api/projects/{project}/labels/", "manager"),
        "targets": ("POST", f"/api/projects/{project}/targets/", "manager"),
        "members": ("POST", f"/api/projects/{project}/members/", "manager"),
        "bulk": ("POST", f"/api/annotations/{own}/bulk/", "annotator"),
    }[where]
    if body.get("label") == "PER" and where != "bulk":
        body = {**body, "label": world.entity.pk}
    body = {key: world.other_project.pk if value is OTHER else value for key, value in body.items()}
    if where == "bulk" and body["spans"]:
        body["spans"][0]["annotation"] = world.reviewers.pk
    before = (_counts(), Annotation.objects.get(pk=own).version, world.project.name)
    response = client_for(world.users[role]).generic(
        method, url, json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert refused <= set(errors), errors
    for field in refused:
        assert errors[field][0].startswith("Unknown field; expected one of:"), errors[field]
    world.project.refresh_from_db()
    after = (_counts(), Annotation.objects.get(pk=own).version, world.project.name)
    assert after == before


def test_the_schema_says_write_bodies_take_no_other_fields():
    # Found by fuzzing: the schema allowed extra keys that the API refuses with 400.
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]
    inputs = {name: c for name, c in components["schemas"].items() if name.endswith("Input")}
    assert {"SpanListInput", "PatchedSpanDetailInput", "ProjectListInput"} <= set(inputs)
    assert all(c.get("additionalProperties") is False for c in inputs.values()), sorted(
        name for name, c in inputs.items() if c.get("additionalProperties") is not False
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"ordering": "author__password"},
        {"ordering": "-project__memberships__user__password"},
        {"project__name": "Elsewhere"},
        {"annotations__author__username": "reviewer"},
        {"text__regex": ".*"},
        {"project": "1"},
    ],
)
def test_document_list_refuses_relational_ordering_and_filters(world, params):
    response = client_for(world.users["annotator"]).get(
        f"/api/projects/{world.project.pk}/documents/", params
    )
    assert response.status_code == 400
    assert set(params) <= set(response.json()["errors"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ordering", "field", "descending"),
    [
        (",", "id", False),
        (",,", "id", False),
        ("status", "status", False),
        ("-status", "status", True),
        ("external_id", "external_id", False),
        ("-external_id", "external_id", True),
    ],
)
def test_document_list_order_is_total_so_pages_never_repeat_a_document(
    world, ordering, field, descending
):
    # Found by fuzzing: an empty ordering cleared the order; ties had no tiebreaker.
    for n in range(6):
        DocumentFactory(project=world.project, external_id=f"same-{n % 2}")
    response = client_for(world.users["annotator"]).get(
        f"/api/projects/{world.project.pk}/documents/", {"ordering": ordering}
    )
    assert response.status_code == 200
    results = response.json()["results"]
    # Sorted by id first, then (stably) by the key asked for: ties stay in id order.
    expected = sorted(sorted(results, key=lambda doc: doc["id"]), key=lambda doc: doc[field])
    if descending:
        expected = sorted(
            sorted(results, key=lambda doc: doc["id"]), key=lambda doc: doc[field], reverse=True
        )
    assert [doc["id"] for doc in results] == [doc["id"] for doc in expected]


@pytest.mark.django_db
def test_import_refused_as_a_whole_answers_the_error_shape_its_schema_allows(world):
    # Found by fuzzing: the schema promised an import report for every 400.
    schema = SchemaGenerator().get_schema(request=None, public=True)
    import_400 = schema["paths"]["/api/projects/{project_id}/documents/"]["post"]["responses"]
    refusal = import_400["400"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    shapes = {
        ref["$ref"].split("/")[-1] for ref in schema["components"]["schemas"][refusal]["oneOf"]
    }
    assert shapes == {"ImportReportOutput", "ErrorOutput"}
    response = _post_raw(
        client_for(world.users["manager"]), f"/api/projects/{world.project.pk}/documents/", "\xa7"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}


# No self-registration


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/auth/register/",
        "/api/auth/signup/",
        "/api/auth/users/",
        "/api/auth/",
        "/api/users/",
        "/api/auth/token/refresh/",
        "/accounts/signup/",
        "/accounts/register/",
    ],
)
def test_there_is_no_signup_route(url):
    body = {"username": "eve", "password": "a-long-enough-password-1"}
    api_response = Client().post(url, body, content_type="application/json")
    assert api_response.status_code in (404, 405)
    assert not UserFactory._meta.model.objects.filter(username="eve").exists()


@pytest.mark.django_db
# DELETE revokes the caller's token (tests/security/test_tokens.py): 401 without one.
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH"])
def test_the_token_route_only_takes_post_and_delete(method):
    response = Client().generic(method, "/api/auth/token/")
    assert response.status_code == 405


# Browser log-in


def _log_in(client: Client, password: str, address: str = "203.0.113.7", **extra):
    return client.post(
        "/accounts/login/",
        {"username": "ada", "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


@pytest.mark.django_db
def test_browser_log_in_is_throttled_after_repeated_failures(caplog):
    UserFactory(username="ada")
    client = Client()
    started = time.time()
    with caplog.at_level(logging.WARNING, logger="annotations.auth"):
        codes = [_log_in(client, f"guess-{n}").status_code for n in range(10)]
        throttled = _log_in(client, PASSWORD)
    elapsed = time.time() - started
    assert codes == [200] * 10
    assert throttled.status_code == 429
    # The window left since the first failure: all of it unless the attempts took seconds
    # (a busy machine).
    window = auth_views.WINDOW_SECONDS
    assert window - math.floor(elapsed) <= int(throttled["Retry-After"]) <= window
    assert auth_views.TOO_MANY_ATTEMPTS in throttled.content.decode()
    # The right password did not sign in while throttled.
    assert "_auth_user_id" not in client.session
    refusals = [r for r in caplog.records if r.name == "annotations.auth"]
    assert len(refusals) == 11
    assert all("'ada'" in r.getMessage() and "203.0.113.7" in r.getMessage() for r in refusals)


@pytest.mark.django_db
def test_throttling_is_per_address_and_ends_with_the_window(monkeypatch):
    UserFactory(username="ada")
    for n in range(auth_views.MAX_FAILURES):
        _log_in(Client(), f"guess-{n}")
    assert _log_in(Client(), PASSWORD).status_code == 429
    # Another address is not held back by the first one's failures.
    other = _log_in(Client(), PASSWORD, address="198.51.100.9")
    assert other.status_code == 302
    # Once the window is over (here: its counts gone; tests/security lets the minute pass),
    # the right password works again.
    from django.core.cache import cache

    cache.clear()
    assert _log_in(Client(), PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_successful_log_in_does_not_reset_the_failure_count():
    UserFactory(username="ada")
    for n in range(auth_views.MAX_FAILURES - 1):
        _log_in(Client(), f"guess-{n}")
    assert _log_in(Client(), PASSWORD).status_code == 302
    assert _log_in(Client(), "guess-last").status_code == 200
    assert _log_in(Client(), PASSWORD).status_code == 429


@pytest.mark.django_db
def test_admin_log_in_shares_the_throttle(caplog):
    UserFactory(username="ada", is_staff=True)
    with caplog.at_level(logging.WARNING, logger="annotations.auth"):
        for n in range(auth_views.MAX_FAILURES):
            Client().post(
                "/admin/login/", {"username": "ada", "password": f"g{n}"}, REMOTE_ADDR="192.0.2.1"
            )
    response = Client().post(
        "/admin/login/", {"username": "ada", "password": PASSWORD}, REMOTE_ADDR="192.0.2.1"
    )
    assert response.status_code == 200
    assert auth_views.TOO_MANY_ATTEMPTS in response.content.decode()
    assert "192.0.2.1" in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "https:/evil.example/", "/\\evil.example/"],
)
def test_log_in_redirects_only_to_this_host(next_url):
    UserFactory(username="ada")
    response = _log_in(Client(), PASSWORD, QUERY_STRING=f"next={next_url}")
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_log_in_follows_a_next_on_this_host():
    UserFactory(username="ada")
    response = Client().post(
        "/accounts/login/?next=/projects/7/", {"username": "ada", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/projects/7/"
