"""The indefinite article every message takes before a kind or a role."""

import pytest

from annotations.models import LabelKind, Role
from annotations.wording import with_article

CASES = [
    ("entity", "an entity"),
    ("claim", "a claim"),
    ("stance", "a stance"),
    ("relation", "a relation"),
    ("document", "a document"),
    ("sentence", "a sentence"),
    ("annotator", "an annotator"),
    ("reviewer", "a reviewer"),
    ("manager", "a manager"),
    ("unknown", "an unknown"),
    ("user", "a user"),
    ("unique", "a unique"),
    ("UTF-8", "a UTF-8"),
    ("UTF-16", "a UTF-16"),
    ("HTML", "an HTML"),
    ("SQL", "an SQL"),
    ("Ouagadougou", "an Ouagadougou"),
]


@pytest.mark.parametrize(("word", "phrase"), CASES)
def test_with_article_reads_as_spoken(word, phrase):
    assert with_article(word) == phrase


def test_every_label_kind_and_role_is_among_the_cases():
    """A new kind or role gets its case above, so its messages are read once by a person."""
    assert {*LabelKind.values, *Role.values} <= {word for word, _ in CASES}
