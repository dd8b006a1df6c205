"""The admin for releases and import jobs: read-only, scoped, with build-again and resume."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from annotations.models import ImportJob, Release
from tests.factories import (
    ImportJobFactory,
    MembershipFactory,
    ReleaseFactory,
    ReleaseFileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def url(model, view: str, *args) -> str:
    return reverse(f"admin:annotations_{model._meta.model_name}_{view}", args=args)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("model", [Release, ImportJob])
def test_changelist_and_change_page_render_in_constant_queries(admin_client, model):
    factory = ReleaseFactory if model is Release else ImportJobFactory
    first = factory()
    few = queries(admin_client, url(model, "changelist"))
    for _ in range(4):
        factory(project=first.project)

    assert queries(admin_client, url(model, "changelist")) == few
    assert admin_client.get(url(model, "change", first.pk)).status_code == 200


def test_ready_release_is_never_deleted_but_a_failed_one_may_be(admin_client):
    ready = ReleaseFactory()
    ReleaseFileFactory(release=ready, content=b"{}\n")
    failed = ReleaseFactory(project=ready.project, status="failed")

    assert admin_client.get(url(Release, "delete", ready.pk)).status_code == 403
    assert admin_client.post(url(Release, "delete", failed.pk), {"post": "yes"}).status_code == 302
    assert list(Release.objects.all()) == [ready]
    changelist = admin_client.get(url(Release, "changelist"))
    assert "delete_selected" not in changelist.content.decode()


def test_build_again_queues_releases_that_are_not_ready(admin_client):
    ready = ReleaseFactory(name="v1")
    failed = ReleaseFactory(project=ready.project, status="failed")

    response = admin_client.post(
        url(Release, "changelist"),
        {"action": "build_again", "_selected_action": [ready.pk, failed.pk]},
        follow=True,
    )

    assert messages_of(response) == [
        "v1: Release 'v1' is ready; a ready release is never built again.",
        "Queued 1 to run again.",
    ]
    assert DBTaskResult.objects.get().args_kwargs["args"] == [failed.pk]


def test_resume_queues_jobs_that_are_not_done(admin_client):
    failed = ImportJobFactory(status="failed")
    done = ImportJobFactory(project=failed.project, status="done")

    response = admin_client.post(
        url(ImportJob, "changelist"),
        {"action": "resume", "_selected_action": [failed.pk, done.pk]},
        follow=True,
    )

    assert messages_of(response)[-1] == "Queued 1 to run again."
    assert DBTaskResult.objects.get().args_kwargs["args"] == [failed.pk]


def test_staff_manager_sees_only_the_releases_of_projects_they_manage(client):
    mine = ReleaseFactory(name="mine")
    ReleaseFactory(name="theirs")
    staff = UserFactory(is_staff=True)
    MembershipFactory(project=mine.project, user=staff, role="manager")
    staff.user_permissions.add(*Permission.objects.filter(codename="view_release"))
    client.force_login(staff)

    response = client.get(url(Release, "changelist"))

    assert [release.name for release in response.context["cl"].result_list] == ["mine"]
