"""The external model server contract (docs/recommenders.md), client side.

Request: ``POST <url>`` with ``{"texts": [...], "labels": [...]}`` (JSON, UTF-8). Answer:
``{"results": [{"spans": [{"start", "end", "label", "score"?, "text"?}]}], "model_version"?}``,
one result per text in order, offsets in code points of the text as sent. The model's version
comes from the ``model_version`` field, else the ``X-Model-Version`` header.

Checked strictly, span by span: offsets must be integers with ``0 <= start < end <= len(text)``,
the label one of those sent, the score (optional) a number from 0 to 1, and a ``text`` (optional)
equal to ``text[start:end]``. A span that fails is reported (``Answer.rejected``), never stored.
An answer that is not that shape at all (not JSON, a result count that differs from the texts'),
an HTTP error, a refused connection or a timeout raises ``ServerError``.

Only addresses from the environment reach this module (``settings.RECOMMENDER_SERVERS``); it
follows no redirect and uses no proxy, so no answer can send the worker to another address.
The timeout applies to connecting and to each read of the socket.
"""

import math
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import orjson

from annotations.learning.types import Predicted

VERSION_HEADER = "X-Model-Version"
MAX_VERSION_LENGTH = 200

NOT_JSON = "The answer is not JSON: {error}."
NOT_OBJECT = 'The answer must be a JSON object with "results".'
RESULT_COUNT = "The answer has {got} results for {expected} texts."
RESULT_SHAPE = 'Result {index} must be an object with a "spans" list.'
HTTP_ERROR = "The server answered HTTP {status}."
TIMEOUT = "No answer within {seconds} s."
UNREACHABLE = "The server could not be reached: {reason}."
TOO_LARGE = "The answer is larger than {limit} bytes."
REDIRECTED = "The server answered with a redirect ({status}); redirects are not followed."

SPAN_SHAPE = "a span must be an object with start, end and label"
SPAN_OFFSETS = "offsets [{start}, {end}) are not within the text (0 to {length} code points)"
SPAN_LABEL = "label {label!r} is not one of the labels sent"
SPAN_SCORE = "score {score!r} is not a number from 0 to 1"
SPAN_TEXT = "text {got!r} is not the text at [{start}, {end}): {expected!r}"


class ServerError(Exception):
    """The server failed to answer, or answered something that is not the contract."""


@dataclass
class Rejected:
    """A span of the answer that was not stored, and why."""

    text_index: int
    span_index: int
    reason: str


@dataclass
class Answer:
    results: list[list[Predicted]]
    rejected: list[Rejected] = field(default_factory=list)
    model_version: str = ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        """Refuse every redirect: only the configured address is ever asked."""
        raise ServerError(REDIRECTED.format(status=code))


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def predict(
    url: str, texts: list[str], labels: list[str], *, timeout: float, max_bytes: int
) -> Answer:
    """Send the texts to the server; return its checked spans and what it got wrong."""
    body = orjson.dumps({"texts": texts, "labels": labels})
    request = urllib.request.Request(  # noqa: S310 - the URL comes from the environment only
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            raw = response.read(max_bytes + 1)
            header_version = response.headers.get(VERSION_HEADER, "")
    except urllib.error.HTTPError as error:
        raise ServerError(HTTP_ERROR.format(status=error.code)) from error
    except TimeoutError as error:
        raise ServerError(TIMEOUT.format(seconds=timeout)) from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError | socket.timeout):
            raise ServerError(TIMEOUT.format(seconds=timeout)) from error
        raise ServerError(UNREACHABLE.format(reason=error.reason)) from error
    except (ConnectionError, OSError) as error:
        raise ServerError(UNREACHABLE.format(reason=error)) from error
    if len(raw) > max_bytes:
        raise ServerError(TOO_LARGE.format(limit=max_bytes))
    return check_answer(raw, texts, labels, header_version=header_version)


def check_answer(
    raw: bytes, texts: list[str], labels: list[str], *, header_version: str = ""
) -> Answer:
    """Check an answer against the contract: raise ServerError, or return it with its rejects."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ServerError(NOT_JSON.format(error=error)) from error
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ServerError(NOT_OBJECT)
    results = data["results"]
    if len(results) != len(texts):
        raise ServerError(RESULT_COUNT.format(got=len(results), expected=len(texts)))
    answer = Answer(results=[])
    known = set(labels)
    for index, (result, text) in enumerate(zip(results, texts, strict=True)):
        if not isinstance(result, dict) or not isinstance(result.get("spans"), list):
            raise ServerError(RESULT_SHAPE.format(index=index))
        kept: list[Predicted] = []
        for span_index, span in enumerate(result["spans"]):
            reason = _span_problem(span, text, known)
            if reason:
                answer.rejected.append(Rejected(index, span_index, reason))
            else:
                score = span.get("score")
                kept.append(
                    (span["start"], span["end"], span["label"], None if score is None else score)
                )
        answer.results.append(sorted(set(kept), key=lambda s: (s[0], s[1], s[2])))
    version = data.get("model_version", header_version)
    answer.model_version = str(version or "")[:MAX_VERSION_LENGTH]
    return answer


def _is_int(value: Any) -> bool:
    return type(value) is int


def _span_problem(span: Any, text: str, known: set[str]) -> str:
    if not isinstance(span, dict) or not {"start", "end", "label"} <= span.keys():
        return SPAN_SHAPE
    start, end, label = span["start"], span["end"], span["label"]
    if not (_is_int(start) and _is_int(end) and 0 <= start < end <= len(text)):
        return SPAN_OFFSETS.format(start=start, end=end, length=len(text))
    if not isinstance(label, str) or label not in known:
        return SPAN_LABEL.format(label=label)
    score = span.get("score")
    if score is not None and not (
        type(score) in (int, float) and math.isfinite(score) and 0 <= score <= 1
    ):
        return SPAN_SCORE.format(score=score)
    if "text" in span and span["text"] != text[start:end]:
        return SPAN_TEXT.format(got=span["text"], start=start, end=end, expected=text[start:end])
    return ""
