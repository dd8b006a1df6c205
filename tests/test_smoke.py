import pytest
from django.core.management import call_command

from tests.factories import SpanFactory


@pytest.mark.django_db
def test_migrations_are_committed():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_factories_build_a_consistent_span():
    span = SpanFactory()
    assert span.text == span.annotation.document.text[span.start : span.end]
