"""The admin's "mark gold reviewed" actions count towards retraining, as the review page does."""

import pytest
from django.contrib.auth.models import Permission

from annotations.models import Recommender
from tests.factories import UserFactory
from tests.recommending import gold_document, labelled_project, sentence
from tests.test_admin_actions import ANNOTATIONS, DOCUMENTS, act, said

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("changelist", [ANNOTATIONS, DOCUMENTS])
def test_marking_gold_reviewed_in_the_admin_queues_the_due_retraining(client, changelist):
    project = labelled_project(retrain_every=1)
    staff = UserFactory(username="meg-r", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="annotations", codename__startswith="view_"
        )
    )
    project.memberships.create(user=staff, role="manager")
    client.force_login(staff)
    recommender = Recommender.objects.create(project=project, name="D", kind="dictionary")
    document = gold_document(project, *sentence(0), reviewed=False)
    target = document if changelist == DOCUMENTS else document.annotations.get(kind="gold")

    response = act(client, changelist, "mark_gold_reviewed", [target])

    assert "Marked 1 gold annotation(s) reviewed." in said(response)
    [version] = recommender.versions.all()
    assert (version.version, version.status) == (1, "queued")
