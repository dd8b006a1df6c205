"""Load the demo: users, the "Sahel news demo" project and its documents. Safe to run again."""

import os
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission, User
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from annotations import demo
from annotations.errors import InvalidInput
from annotations.models import Comment, Membership, Project
from annotations.services.comments import comment_create
from annotations.services.ingest import ImportOptions, documents_import_records
from annotations.services.projects import (
    label_create,
    membership_set,
    project_create,
    target_create,
)

REFUSED_WITHOUT_DEBUG = (
    "Refusing to create demo accounts with published passwords while DEBUG=0. "
    f"Set {demo.LOGIN_ENV} to a password of your own to load the demo anyway."
)
CHANGED_SINCE = "(changed since the demo was loaded; --reset-passwords sets it back)"
IMPORT_FAILED = "The demo documents did not import: {errors}"


class Command(BaseCommand):
    help = (
        "Create the demo users (admin, manager, reviewer, annotator1, annotator2), the "
        f"'{demo.PROJECT['name']}' project with its labels, targets and documents, and print "
        f"the credentials. Passwords are '<username>-demo', or ${demo.LOGIN_ENV} when "
        "set. Running it again changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Set the demo users' passwords back to the demo passwords.",
        )

    def handle(self, *args: Any, reset_passwords: bool = False, **options: Any) -> None:
        shared_password = os.environ.get(demo.LOGIN_ENV, "")
        if not settings.DEBUG and not shared_password:
            raise CommandError(REFUSED_WITHOUT_DEBUG)
        # No transaction around the whole load: each service call is atomic, and a run that
        # stopped half-way is completed by the next one, which skips what already exists.
        try:
            users = {
                spec.username: ensure_user(spec, shared_password or spec.default_password)
                for spec in demo.USERS
            }
            if reset_passwords:
                for spec in demo.USERS:
                    users[spec.username].set_password(shared_password or spec.default_password)
                    users[spec.username].save(update_fields=["password"])
            project = ensure_project(users)
        except InvalidInput as error:
            raise CommandError(" ".join(error.messages)) from error
        report = documents_import_records(
            project=project,
            records=demo.DOCUMENTS,
            options=ImportOptions(),
            actor=users[demo.PROJECT_OWNER],
        )
        if report["errors"]:
            raise CommandError(IMPORT_FAILED.format(errors=report["errors"]))
        ensure_notes(project, users)
        self.print_summary(project, report)
        self.print_credentials(project, users, shared_password)

    def print_summary(self, project: Project, report: dict) -> None:
        self.stdout.write(
            f"Demo project “{project.name}” (id {project.pk}): "
            f"{project.documents.count()} documents "
            f"({len(report['created'])} new, {len(report['duplicates'])} already there), "
            f"{project.labels.count()} labels, {project.targets.count()} stance targets."
        )

    def print_credentials(
        self, project: Project, users: dict[str, User], shared_password: str
    ) -> None:
        roles = dict(
            Membership.objects.filter(project=project).values_list("user__username", "role")
        )
        self.stdout.write(f"\nOpen {demo.URL} and sign in with one of these accounts:\n")
        self.stdout.write(f"  {'username':<12} {'password':<18} role")
        for spec in demo.USERS:
            user = users[spec.username]
            password = shared_password or spec.default_password
            if not user.check_password(password):
                password = CHANGED_SINCE
            if spec.superuser:
                role = f"superuser (Django admin at {demo.ADMIN_URL})"
            else:
                role = roles.get(spec.username, "not a member")
            self.stdout.write(f"  {spec.username:<12} {password:<18} {role}")
        self.stdout.write("")


def ensure_user(spec: demo.DemoUser, password: str) -> User:
    """Return the demo user, creating it with this password when it does not exist yet."""
    User = get_user_model()
    user = User.objects.filter(username=spec.username).first()
    if user is not None:
        return user
    email = f"{spec.username}@example.com"
    if spec.superuser:
        return User.objects.create_superuser(spec.username, email, password)
    user = User.objects.create_user(spec.username, email, password)
    if spec.role == "manager":
        # The manager may use the Django admin, which shows only the projects they manage.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.user_permissions.set(
            Permission.objects.filter(
                Q(content_type__app_label="annotations")
                | Q(content_type__app_label="auth", codename="view_user")
            )
        )
    return user


def ensure_project(users: dict[str, User]) -> Project:
    """Return the demo project with its labels, targets and members, adding what is missing."""
    owner = users[demo.PROJECT_OWNER]
    project = Project.objects.filter(name=demo.PROJECT["name"]).order_by("pk").first()
    if project is None:
        project = project_create(creator=owner, **demo.PROJECT)
    existing_labels = set(project.labels.values_list("name", flat=True))
    for label in demo.LABELS:
        if label.name not in existing_labels:
            label_create(
                project=project,
                name=label.name,
                kind=label.kind,
                color=label.color,
                shortcut=label.shortcut,
                description=label.description,
            )
    existing_targets = set(project.targets.values_list("name", flat=True))
    for name, description in demo.TARGETS:
        if name not in existing_targets:
            target_create(project=project, name=name, description=description)
    members = set(project.memberships.values_list("user__username", flat=True))
    for spec in demo.USERS:
        if not spec.superuser and spec.username not in members:
            membership_set(project=project, user=users[spec.username], role=spec.role)
    return project


def ensure_notes(project: Project, users: dict[str, User]) -> None:
    """Write the demo's notes on their documents, each once."""
    for external_id, username, body in demo.NOTES:
        document = project.documents.filter(external_id=external_id).first()
        author = users[username]
        if document is None or Comment.objects.filter(document=document, body=body).exists():
            continue
        role = Membership.objects.get(project=project, user=author).role
        comment_create(document=document, actor=author, role=role, body=body)
