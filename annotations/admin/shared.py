"""What several admin modules share: project scoping, read-only bases, form helpers, actions.

Every admin here is scoped to the projects the staff user manages (all of them for a
superuser). Actions go through the services one item at a time, so each item obeys the same
rules as from the API, and the manager is told which items could not be done and why.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, cast
from urllib.parse import quote

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, IntegerField, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.html import format_html

from annotations import access
from annotations.db import rows
from annotations.errors import InvalidInput, ServiceError
from annotations.models import AnnotationEvent, Project, Span, Stance

PREVIEW_CHARS = 80
ACTION_PROBLEM = "{item}: {why}"
GOLD_REVIEWED = "Marked {count} gold annotation(s) reviewed."
QUEUED_AGAIN = "Queued {count} to run again."
NOT_QUEUED = "{name}: {reason}"

T = TypeVar("T")


def managed_projects(user: Any) -> QuerySet[Project]:
    """Return the projects this admin user may manage: all for a superuser."""
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user, memberships__role__in=access.MANAGE_ROLES)


def staff_user(request: HttpRequest) -> User:
    """Return the account making an admin request (the admin site lets in active staff only)."""
    return cast(User, request.user)


def add_service_errors(form: forms.BaseForm, errors: dict[str, list[str]]) -> None:
    """Attach a service's field -> messages to the form, skipping fields already in error."""
    for field, field_errors in errors.items():
        name = field if field in form.fields else None
        if name is None or name not in form.errors:
            form.add_error(name, field_errors)


def adopt(instance: Model, saved: Model) -> None:
    """Make the admin's unsaved instance the row a service just stored."""
    for field in type(saved)._meta.concrete_fields:
        setattr(instance, field.attname, getattr(saved, field.attname))
    # The admin keeps this instance after save_model; unique checks and inlines must see it
    # as stored (db.rows.mark_saved says why that is safe).
    rows.mark_saved(instance, saved._state.db)


def count_of(model: type[Model], field: str = "project") -> Coalesce:
    """Return a per-row count of ``model`` rows pointing at the row by ``field``."""
    # A correlated count per row: joining two reverse relations would multiply the rows.
    rows = (
        model._default_manager.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def color_swatch(color: str) -> str:
    # An SVG data URI rather than a style attribute: the Content-Security-Policy forbids
    # inline styles but allows data: images.
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='14' height='14'>"
        f"<rect width='14' height='14' rx='3' fill='{color}'/></svg>"
    )
    return format_html(
        '<img src="data:image/svg+xml,{}" alt="" width="14" height="14"> {}', quote(svg), color
    )


class TextareaField(forms.CharField):
    """A textarea's value with the browser's CRLF line breaks turned back into LF."""

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


FieldOverrides = Mapping[type[models.Field], Mapping[str, Any]]

TEXT_FIELDS: FieldOverrides = {models.TextField: {"form_class": TextareaField}}
SHORT_TEXT_FIELDS: FieldOverrides = {
    models.TextField: {"form_class": TextareaField, "widget": forms.Textarea(attrs={"rows": 2})}
}


class ScopedAdmin(admin.ModelAdmin):
    """Limit rows to the projects the user manages, and turn service errors into messages."""

    formfield_overrides = TEXT_FIELDS

    # The path from this model to its project ("" for Project itself).
    project_path = "project"
    # Cascaded together with their annotation: not a reason to refuse deleting a parent, even
    # though nobody may delete them on their own.
    owned_by_annotation = frozenset(m._meta.verbose_name for m in (Span, Stance, AnnotationEvent))

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        prefix = f"{self.project_path}__" if self.project_path else ""
        return queryset.filter(
            **{
                f"{prefix}memberships__user": request.user,
                f"{prefix}memberships__role__in": access.MANAGE_ROLES,
            }
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Project:
            kwargs["queryset"] = managed_projects(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, perms_needed - self.owned_by_annotation, protected

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The forms check what the services check, so this only catches a concurrent change
        # between the two (a service's InvalidInput, or a save_model's own ValidationError):
        # the transaction is rolled back and the manager told why.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (InvalidInput, ValidationError) as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyAdmin(ScopedAdmin):
    """Viewable, never added or changed here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Actions for managers: through the services, one item at a time ---------------------


def service_error_text(error: ServiceError) -> str:
    """Return a service error as one line: its field messages, or its detail."""
    if isinstance(error, InvalidInput) and error.messages:
        return " ".join(error.messages)
    return error.detail


def report_action(
    model_admin: admin.ModelAdmin, request: HttpRequest, done: str, problems: list[str]
) -> None:
    """Say what an action did, and each item it could not do and why."""
    model_admin.message_user(request, done, messages.SUCCESS)
    for problem in problems:
        model_admin.message_user(request, problem, messages.ERROR)


def queue_each_again(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    items: Iterable[T],
    *,
    queue: Callable[[T], object],
    name: Callable[[T], object],
) -> None:
    """Queue each item's background work again; warn about each one that cannot be."""
    queued = 0
    for item in items:
        try:
            queue(item)
        except ServiceError as error:
            reason = NOT_QUEUED.format(name=name(item), reason=error.detail)
            model_admin.message_user(request, reason, messages.WARNING)
        else:
            queued += 1
    model_admin.message_user(request, QUEUED_AGAIN.format(count=queued))
