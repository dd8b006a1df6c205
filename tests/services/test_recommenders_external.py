"""External model servers: the documented contract against a real HTTP server on loopback,
its timeout, its bad answers, and server names that are not configured."""

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from annotations import tasks
from annotations.errors import InvalidInput
from annotations.learning import external
from annotations.models import Annotation, Recommender
from annotations.services import recommenders
from tests.api.conftest import client_for
from tests.factories import MembershipFactory, UserFactory
from tests.recommending import document, labelled_project, predictions
from tests.worker import run_worker

pytestmark = pytest.mark.django_db

Answer = Callable[[dict], tuple[int, dict, object]]  # request body -> (status, headers, body)


class ModelServer:
    """A model server on loopback whose answer each test chooses; it records what it was sent."""

    def __init__(self) -> None:
        self.answer: Answer = lambda body: (200, {}, {"results": []})
        self.received: list[dict] = []
        self.delay = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                server.received.append(body)
                time.sleep(server.delay)
                status, headers, payload = server.answer(body)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # The client may have given up (the timeout test).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A handler still sleeping (the timeout test) does not hold up the test's end.
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/predict"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "ModelServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(settings) -> Iterator[ModelServer]:
    with ModelServer() as running:
        settings.RECOMMENDER_SERVERS = {"house-ner": running.url}
        settings.RECOMMENDER_TIMEOUT_SECONDS = 1.0
        yield running


def find_names(body: dict) -> dict:
    """A model that marks every "Kidal" as LOC, with the offsets Python gives (code points)."""
    results = []
    for text in body["texts"]:
        spans = []
        start = text.find("Kidal")
        while start >= 0:
            spans.append({"start": start, "end": start + 5, "label": "LOC", "score": 0.9})
            start = text.find("Kidal", start + 1)
        results.append({"spans": spans})
    return {"results": results, "model_version": "house-ner 2.1"}


def external_recommender(project) -> Recommender:
    return recommenders.recommender_create(
        project=project, actor=None, name="House NER", kind="external", server="house-ner"
    )


def run(recommender):
    version = tasks.recommender_train(recommender=recommender)
    run_worker()
    version.refresh_from_db()
    return version


def test_external_server_predictions_are_stored_with_exact_offsets(server):
    server.answer = lambda body: (200, {}, find_names(body))
    project = labelled_project()
    text = "😀 Kidal is calm; 𝒳 Kidal again."
    doc = document(project, text)

    version = run(external_recommender(project))

    assert version.status == "ready", version.error
    assert server.received == [{"texts": [text], "labels": ["LOC", "PER"]}]
    assert predictions(doc, version) == [(2, 7, "LOC", "Kidal"), (19, 24, "LOC", "Kidal")]
    assert text[19:24] == "Kidal"
    assert set(
        Annotation.objects.get(model_version=version).spans.values_list("score", flat=True)
    ) == {0.9}
    assert version.metrics["model_version"] == "house-ner 2.1"
    assert version.metrics["rejected"] == 0


def test_model_version_may_come_in_a_header(server):
    server.answer = lambda body: (
        200,
        {"X-Model-Version": "h-7"},
        {"results": [{"spans": []} for _ in body["texts"]]},
    )
    project = labelled_project()
    document(project, "Nothing here.")
    assert run(external_recommender(project)).metrics["model_version"] == "h-7"


def test_a_server_that_does_not_answer_in_time_fails_the_version_not_annotation(server):
    # Far longer than the timeout, so the test tells a timeout from a slow machine.
    server.delay = 8.0
    server.answer = lambda body: (200, {}, find_names(body))
    project = labelled_project()
    doc = document(project, "Kidal.")

    started = time.monotonic()
    version = run(external_recommender(project))

    assert time.monotonic() - started < 7.0
    assert version.status == "failed"
    assert version.error == external.TIMEOUT.format(seconds=1.0)
    assert predictions(doc, version) == []


def test_annotating_goes_on_while_the_server_hangs(server):
    server.delay = 8.0
    server.answer = lambda body: (200, {}, find_names(body))
    project = labelled_project()
    doc = document(project, "Kidal is calm.")
    document(project, "Gao and Kidal.")  # nobody starts this one: the run is for it
    manager, annotator = UserFactory(), UserFactory()
    MembershipFactory(project=project, user=manager, role="manager")
    MembershipFactory(project=project, user=annotator, role="annotator")
    recommender = external_recommender(project)

    started = time.monotonic()
    queued = client_for(manager).post(
        f"/api/projects/{project.pk}/recommenders/{recommender.pk}/train/"
    )
    client = client_for(annotator)
    own = client.post(f"/api/documents/{doc.pk}/annotations/").json()
    label = project.labels.get(name="LOC").pk
    span = client.post(
        f"/api/annotations/{own['id']}/spans/", {"label": label, "start": 0, "end": 5}, "json"
    )

    # Asking for a run queues it: the request neither calls the server nor waits for it, and
    # the annotator's work is saved meanwhile.
    assert queued.status_code == 202, queued.content
    assert span.status_code == 201, span.content
    assert time.monotonic() - started < 4.0
    assert server.received == []
    # The worker then asks, gives up after the timeout, and says so on the version.
    assert run_worker() == 1
    version = recommender.versions.get()
    assert (version.status, version.error) == ("failed", external.TIMEOUT.format(seconds=1.0))
    assert len(server.received) == 1


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, {"detail": "boom"}, external.HTTP_ERROR.format(status=500)),
        (200, b"<html>not json</html>", "The answer is not JSON"),
        (200, {"spans": []}, external.NOT_OBJECT),
        (200, {"results": []}, external.RESULT_COUNT.format(got=0, expected=1)),
        (200, {"results": [{"entities": []}]}, external.RESULT_SHAPE.format(index=0)),
    ],
)
def test_an_answer_outside_the_contract_fails_the_version(server, status, body, error):
    server.answer = lambda _: (status, {}, body)
    project = labelled_project()
    doc = document(project, "Kidal.")

    version = run(external_recommender(project))

    assert version.status == "failed"
    assert version.error.startswith(error)
    assert predictions(doc, version) == []


def test_bad_spans_are_reported_and_not_stored(server):
    text = "😀 Kidal and Gao."

    def answer(body):
        return (
            200,
            {},
            {
                "results": [
                    {
                        "spans": [
                            {"start": 2, "end": 7, "label": "LOC", "text": "Kidal"},
                            # UTF-16 offsets: past the text's code points.
                            {"start": 13, "end": 18, "label": "LOC"},
                            {"start": 12, "end": 15, "label": "CITY"},
                            {"start": 12, "end": 15, "label": "LOC", "text": "Gao."},
                            {"start": 12, "end": 15, "label": "LOC", "score": 7},
                            {"start": 5, "end": 2, "label": "LOC"},
                            {"start": True, "end": 2, "label": "LOC"},
                            "Gao",
                        ]
                    }
                ]
            },
        )

    server.answer = answer
    project = labelled_project()
    doc = document(project, text)

    version = run(external_recommender(project))

    assert version.status == "ready", version.error
    assert predictions(doc, version) == [(2, 7, "LOC", "Kidal")]
    assert version.metrics["rejected"] == 7
    reasons = [item["reason"] for item in version.metrics["rejected_examples"]]
    assert reasons == [
        external.SPAN_OFFSETS.format(start=13, end=18, length=len(text)),
        external.SPAN_LABEL.format(label="CITY"),
        external.SPAN_TEXT.format(got="Gao.", start=12, end=15, expected="Gao"),
        external.SPAN_SCORE.format(score=7),
        external.SPAN_OFFSETS.format(start=5, end=2, length=len(text)),
        external.SPAN_OFFSETS.format(start=True, end=2, length=len(text)),
        external.SPAN_SHAPE,
    ]
    assert {item["document"] for item in version.metrics["rejected_examples"]} == {doc.pk}
    assert [item["span"] for item in version.metrics["rejected_examples"]] == [1, 2, 3, 4, 5, 6, 7]


def test_redirects_are_not_followed(server):
    server.answer = lambda _: (302, {"Location": "http://127.0.0.1:9/elsewhere"}, b"")
    project = labelled_project()
    document(project, "Kidal.")
    version = run(external_recommender(project))
    assert version.status == "failed"
    assert version.error == external.REDIRECTED.format(status=302)


def test_unknown_server_names_are_refused(server):
    project = labelled_project()
    with pytest.raises(InvalidInput) as caught:
        recommenders.recommender_create(
            project=project, actor=None, name="Mine", kind="external", server="http://10.0.0.1/"
        )
    assert caught.value.errors == {
        "server": [recommenders.SERVER_UNKNOWN.format(name="http://10.0.0.1/", names="house-ner")]
    }
    assert not Recommender.objects.exists()


def test_a_server_removed_from_the_settings_is_refused_at_run_time(server, settings):
    project = labelled_project()
    recommender = external_recommender(project)
    settings.RECOMMENDER_SERVERS = {}
    with pytest.raises(InvalidInput) as caught:
        tasks.recommender_train(recommender=recommender)
    assert caught.value.errors == {
        "server": [recommenders.SERVER_UNKNOWN.format(name="house-ner", names="none")]
    }
    assert server.received == []


def test_an_unreachable_server_fails_the_version(settings):
    settings.RECOMMENDER_SERVERS = {"gone": "http://127.0.0.1:9/predict"}
    project = labelled_project()
    document(project, "Kidal.")
    recommender = recommenders.recommender_create(
        project=project, actor=None, name="Gone", kind="external", server="gone"
    )
    version = run(recommender)
    assert version.status == "failed"
    assert version.error.startswith("The server could not be reached")
