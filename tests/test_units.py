"""annotations.units: the side-by-side review's units, paragraphs and long ones' sentences."""

import itertools
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations import units
from annotations.units import LONG_PARAGRAPH, LONGEST_UNIT, text_units
from tests.factories import (
    AnnotationFactory,
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    SpanFactory,
    UserFactory,
)


def pieces(text: str) -> list[str]:
    return [text[start:end] for start, end in text_units(text)]


def test_paragraphs_are_units_trimmed_of_whitespace():
    text = "  Headline here\n\nFirst paragraph.  \r\n\n\n  Second one.\nA line of its own.\n"
    assert pieces(text) == [
        "Headline here",
        "First paragraph.",
        "Second one.",
        "A line of its own.",
    ]


def test_a_long_paragraph_is_cut_after_each_sentence_end():
    sentences = [f"Sentence {n} says “something” quite long, as news does!" for n in range(20)]
    paragraph = " ".join(sentences[:-1]) + " Is it over? " + "Yes… (it is.) Done"
    assert len(paragraph) > LONG_PARAGRAPH
    found = pieces(f"Short one. Two.\n\n{paragraph}")
    # A short paragraph stays whole, sentence ends or not.
    assert found[0] == "Short one. Two."
    assert found[1 : len(sentences)] == sentences[:-1]
    assert found[len(sentences) :] == ["Is it over?", "Yes…", "(it is.)", "Done"]


def test_a_text_without_punctuation_is_cut_at_whitespace_below_the_limit():
    words = " ".join(["word"] * 1000)  # 4,999 characters, no sentence end
    found = text_units(words)
    assert all(end - start <= LONGEST_UNIT for start, end in found)
    assert " ".join(words[start:end] for start, end in found) == words
    unbroken = "x" * (LONGEST_UNIT * 2 + 5)
    assert text_units(unbroken) == [
        (0, LONGEST_UNIT),
        (LONGEST_UNIT, 2 * LONGEST_UNIT),
        (2 * LONGEST_UNIT, 2 * LONGEST_UNIT + 5),
    ]


def test_units_are_code_point_ranges_in_order_that_never_overlap():
    # Astral characters (one code point, two UTF-16 units), combining marks, right-to-left.
    text = "😀 Keïta 🇲🇱 met them.\n\nالسلام عليكم. " + "Ça va? 😀 " * 120 + "\n\n한국어 문장."
    found = text_units(text)
    assert found == sorted(found)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(found))
    assert pieces(text)[0] == "😀 Keïta 🇲🇱 met them."
    assert pieces(text)[-1] == "한국어 문장."
    # Only whitespace is left out.
    covered = set().union(*(range(start, end) for start, end in found))
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)


def test_blank_text_has_no_units():
    assert text_units("") == []
    assert text_units(" \n\n\t ") == []


@pytest.mark.django_db
def test_review_page_sends_the_units_with_no_extra_query(client):
    text = "Keita met Macron.\n\n😀 In Bamako. Then Gao."
    project = ProjectFactory()
    reviewer = UserFactory(username="rev")
    MembershipFactory(project=project, user=reviewer, role="reviewer")
    label = LabelFactory(project=project, name="PER")
    client.force_login(reviewer)

    def review(document) -> tuple[dict, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/documents/{document.pk}/review/")
        html = response.content.decode()
        match = re.search(r'<script id="review-data" type="application/json">(.*?)</script>', html)
        assert match and 'id="curation"' in html and 'id="view-side"' in html
        return json.loads(match.group(1)), len(queries)

    document = DocumentFactory(project=project, text=text)
    for _ in range(2):
        annotation = AnnotationFactory(document=document, status="submitted")
        SpanFactory(annotation=annotation, label=label, start=0, end=5)
    payload, queries = review(document)
    assert payload["units"] == [list(unit) for unit in units.text_units(text)]
    assert [text[start:end] for start, end in payload["units"]] == [
        "Keita met Macron.",
        "😀 In Bamako. Then Gao.",
    ]
    # A document of 200 paragraphs costs the same queries as one of two.
    long = DocumentFactory(project=project, text="\n\n".join(["A paragraph."] * 200))
    AnnotationFactory(document=long, status="submitted")
    payload, long_queries = review(long)
    assert len(payload["units"]) == 200
    assert long_queries == queries
