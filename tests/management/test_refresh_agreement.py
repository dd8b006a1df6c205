"""manage.py refresh_agreement: stored agreement computed ahead of the first view."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from annotations.models import DocumentAgreement, ProjectAgreement
from tests.factories import AnnotationFactory, DocumentFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_refresh_agreement_stores_the_rows_a_bulk_load_left_out():
    project = ProjectFactory()
    document = DocumentFactory(project=project)
    for name in ("ana", "ben"):
        AnnotationFactory(document=document, author=UserFactory(username=name), status="submitted")
    untouched = ProjectFactory()
    out = StringIO()

    call_command("refresh_agreement", "--project", str(project.pk), stdout=out)

    assert f"project {project.pk}: 2 submitted annotations, current" in out.getvalue()
    row = DocumentAgreement.objects.get(document=document)
    assert row.agreement == 1.0 and len(row.computed_from) == 2
    assert not ProjectAgreement.objects.filter(project=untouched).exists()


def test_refresh_agreement_names_a_project_that_does_not_exist():
    with pytest.raises(CommandError, match="No project with id 999999"):
        call_command("refresh_agreement", "--project", "999999")
