from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from annotations import demo
from annotations.management.commands import load_demo
from annotations.models import Comment, Document, Label, Membership, Project, StanceTarget
from annotations.services import projects
from tests.factories import LabelFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(autouse=True)
def demo_settings(settings, monkeypatch):
    # The test runner turns DEBUG off; `make run` loads the demo with DEBUG on.
    settings.DEBUG = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.delenv(demo.LOGIN_ENV, raising=False)


def run(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list]:
    """Every row load_demo writes, with every column that could change."""
    return {
        "users": list(User.objects.order_by("pk").values()),
        "projects": list(Project.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "labels": list(Label.objects.order_by("pk").values()),
        "targets": list(StanceTarget.objects.order_by("pk").values()),
        "documents": list(Document.objects.order_by("pk").values()),
    }


def test_load_demo_creates_the_users_with_their_roles():
    run()

    project = Project.objects.get(name="Sahel news demo")
    roles = dict(project.memberships.values_list("user__username", "role"))
    assert roles == {
        "manager": "manager",
        "reviewer": "reviewer",
        "annotator1": "annotator",
        "annotator2": "annotator",
    }
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    for spec in demo.USERS:
        assert User.objects.get(username=spec.username).check_password(f"{spec.username}-demo")
    assert project.created_by.username == "manager"


def test_load_demo_lets_the_manager_into_the_admin_but_nobody_else():
    run()

    staff = set(User.objects.filter(is_staff=True).values_list("username", flat=True))
    assert staff == {"admin", "manager"}
    assert User.objects.get(username="manager").has_perm("annotations.change_label")
    assert not User.objects.get(username="reviewer").has_perm("annotations.view_label")


def test_load_demo_creates_labels_of_all_three_kinds_with_their_shortcuts():
    run()

    labels = set(Label.objects.values_list("name", "kind", "shortcut"))
    assert labels == {
        ("PER", "entity", "p"),
        ("ORG", "entity", "o"),
        ("LOC", "entity", "l"),
        ("CLAIM", "claim", "c"),
        ("FAVOR", "stance", "f"),
        ("AGAINST", "stance", "a"),
        ("NEUTRAL", "stance", "t"),
    }
    assert len(set(Label.objects.values_list("color", flat=True))) == 7


def test_load_demo_creates_two_stance_targets_and_markdown_guidelines():
    run()

    project = Project.objects.get()
    assert project.targets.count() == 2
    assert project.guidelines.startswith("# ")
    assert project.annotators_per_document == 2


def test_load_demo_stores_the_articles_exactly_as_written():
    run()

    stored = dict(Document.objects.values_list("external_id", "text"))
    assert stored == {d["external_id"]: d["text"] for d in demo.DOCUMENTS}
    assert 6 <= len(stored) <= 8
    everything = "".join(stored.values())
    for character in "“”’—éï":
        assert character in everything
    meta = Document.objects.get(external_id="demo-flood-mopti").meta
    assert meta["title"] == "Mopti evacuates riverside districts as the Niger breaks its banks"


def test_demo_articles_are_short_news_stories():
    for document in demo.DOCUMENTS:
        headline, body = document["text"].split("\n\n", 1)
        paragraphs = body.strip().split("\n\n")
        assert 3 <= len(paragraphs) <= 6, document["external_id"]
        assert "\n" not in headline


def test_load_demo_twice_changes_nothing():
    run()
    before = snapshot()

    output = run()

    assert snapshot() == before
    assert "0 new, 7 already there" in output


def test_load_demo_prints_every_account_with_password_and_role_and_the_url():
    output = run()

    assert "http://127.0.0.1:8000/" in output
    lines = output.splitlines()
    for username, password, role in [
        ("admin", "admin-demo", "superuser"),
        ("manager", "manager-demo", "manager"),
        ("reviewer", "reviewer-demo", "reviewer"),
        ("annotator1", "annotator1-demo", "annotator"),
        ("annotator2", "annotator2-demo", "annotator"),
    ]:
        row = next(line.split() for line in lines if line.split()[:1] == [username])
        assert row[1:3] == [password, role]


def test_load_demo_prints_the_credentials_again_on_a_second_run():
    run()

    output = run()

    assert "annotator2-demo" in output


def test_load_demo_uses_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv(demo.LOGIN_ENV, "a-private-passphrase")

    output = run()

    assert User.objects.get(username="reviewer").check_password("a-private-passphrase")
    assert "a-private-passphrase" in output
    assert "reviewer-demo" not in output


def test_load_demo_refuses_published_passwords_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match=load_demo.REFUSED_WITHOUT_DEBUG):
        run()

    assert not User.objects.exists()


def test_load_demo_keeps_a_password_changed_since_and_says_so():
    run()
    manager = User.objects.get(username="manager")
    manager.set_password("chosen-by-the-manager")
    manager.save()

    output = run()

    manager.refresh_from_db()
    assert manager.check_password("chosen-by-the-manager")
    assert load_demo.CHANGED_SINCE in output


def test_load_demo_reset_passwords_sets_the_demo_password_back():
    run()
    manager = User.objects.get(username="manager")
    manager.set_password("chosen-by-the-manager")
    manager.save()

    run("--reset-passwords")

    manager.refresh_from_db()
    assert manager.check_password("manager-demo")


def test_load_demo_completes_a_partial_demo():
    run()
    Label.objects.filter(name="NEUTRAL").delete()
    Membership.objects.filter(user__username="annotator2").delete()
    Document.objects.filter(external_id="demo-solar-kayes").delete()

    output = run()

    assert Label.objects.filter(name="NEUTRAL", shortcut="t").exists()
    assert Membership.objects.filter(user__username="annotator2", role="annotator").exists()
    assert Document.objects.count() == len(demo.DOCUMENTS)
    assert "1 new, 6 already there" in output


def test_load_demo_reports_what_the_services_refuse_as_a_command_error():
    # A demo project changed by hand: its first label's key now belongs to another label.
    run()
    first = demo.LABELS[0]
    project = Project.objects.get(name=demo.PROJECT["name"])
    project.labels.filter(name=first.name).delete()
    LabelFactory(project=project, name="MINE", kind="entity", shortcut=first.shortcut)
    taken = projects.SHORTCUT_TAKEN.format(shortcut=first.shortcut, name="MINE")

    with pytest.raises(CommandError) as refused:
        run()

    assert str(refused.value) == taken


def test_load_demo_leaves_its_notes_on_the_documents_once():
    run()
    run()

    notes = Comment.objects.order_by("pk")
    assert [(note.document.external_id, note.author.username) for note in notes] == [
        (external_id, username) for external_id, username, _body in demo.NOTES
    ]
    assert [user.username for user in notes[0].mentions.all()] == ["reviewer"]
    assert all(note.annotation is None for note in notes)
