"""annotations.db.claimindex answers what the ORM answers, on SQLite and PostgreSQL."""

import pytest

from annotations.db import claimindex
from annotations.models import ClaimIndexEntry
from annotations.services import matching
from tests.factories import LabelFactory, ProjectFactory
from tests.services.matching_fixtures import claim_in_new_document

pytestmark = pytest.mark.django_db


def test_span_ids_are_the_projects_entries_in_ascending_order():
    project, other = ProjectFactory(), ProjectFactory()
    for owner, texts in ((project, ["Gao fell.", "Kidal fell.", "Mopti held."]), (other, ["x"])):
        label = LabelFactory(project=owner, kind="claim")
        for text in texts:
            claim_in_new_document(owner, label, text)
        matching.claim_index_sync(project_id=owner.pk)

    found = claimindex.span_ids(project_id=project.pk)

    expected = list(
        ClaimIndexEntry.objects.filter(project=project)
        .order_by("span_id")
        .values_list("span_id", flat=True)
    )
    assert found.tolist() == expected
    assert len(expected) == 3
    assert claimindex.span_ids(project_id=0).tolist() == []
