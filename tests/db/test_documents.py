"""annotations.db.documents answers what the ORM query it stands in for answers."""

import pytest

from annotations.db.documents import stored_ids
from annotations.models import Document
from tests.factories import DocumentFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_stored_ids_answers_the_orm_query_for_the_project_only():
    project, other = ProjectFactory(), ProjectFactory()
    mine = [DocumentFactory(project=project) for _ in range(3)]
    theirs = DocumentFactory(project=other)
    hashes = [mine[0].content_hash, mine[2].content_hash, theirs.content_hash, "0" * 64]

    found = stored_ids(project_id=project.pk, hashes=hashes)

    orm = Document.objects.filter(project=project, content_hash__in=hashes)
    assert sorted(found) == sorted(orm.values_list("content_hash", "id"))
    assert sorted(found) == sorted([(d.content_hash, d.pk) for d in (mine[0], mine[2])])


def test_stored_ids_of_no_hashes_asks_the_database_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert stored_ids(project_id=1, hashes=[]) == []
