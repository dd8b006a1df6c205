"""Django admin for project managers: configure projects, look into documents and annotations.

Projects, members, labels and stance targets are saved through annotations.services.projects,
so the admin obeys the same rules (and shows the same messages) as the API. Annotations, spans,
stances and events are read-only here: a write to them must bump the annotation's version and
append to the event log, which only the annotating services do. A staff user who is not a
superuser sees only the projects they manage.
"""

from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, IntegerField, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.text import Truncator

from annotations import repair, tasks
from annotations.errors import ServiceError
from annotations.models import (
    Annotation,
    AnnotationEvent,
    AnnotationKind,
    AnnotationStatus,
    Document,
    ImportJob,
    Label,
    Membership,
    Project,
    Release,
    ReleaseFile,
    ReleaseStatus,
    Role,
    Span,
    Stance,
    StanceTarget,
)
from annotations.services import projects as services
from annotations.services.annotating import annotation_set_status
from annotations.services.assignment import annotation_reassign
from annotations.services.review import gold_set_reviewed

KEEP_A_MANAGER = "A project needs at least one manager: keep one or make someone else manager."
DUPLICATE_IN_FORM = "Two rows here use the {field} '{value}'."
TEXT_FROZEN = (
    "This document has been annotated; its text can no longer change (offsets point into it)."
)
TEXT_DUPLICATE = "Document {other} of this project already has exactly this text."
MEMBERS_REMOVED = "Removed {count} member(s)."
PREVIEW_CHARS = 80


# --- Shared pieces ------------------------------------------------------------------------


def managed_projects(user: Any) -> QuerySet[Project]:
    """Return the projects this admin user may manage: all for a superuser."""
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user, memberships__role=Role.MANAGER)


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
    instance._state.adding = False
    instance._state.db = saved._state.db


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


TEXT_FIELDS = {models.TextField: {"form_class": TextareaField}}
SHORT_TEXT_FIELDS = {
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
                f"{prefix}memberships__role": Role.MANAGER,
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
        # between the two: the transaction is rolled back and the manager told why.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
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


# --- Forms that ask the services first ----------------------------------------------------


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ("name", "description", "guidelines", "allow_overlap", "annotators_per_document")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        candidate = Project(**{field: cleaned.get(field) for field in self.Meta.fields})
        add_service_errors(self, services.project_errors(candidate))
        return cleaned


class LabelForm(forms.ModelForm):
    color = forms.CharField(
        required=False,
        max_length=7,
        help_text="#rrggbb. Leave empty to get a colour no other label of the project uses.",
    )

    class Meta:
        model = Label
        fields = ("project", "name", "kind", "color", "shortcut", "description")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("color"):
            # Empty keeps an existing label's colour; a new label gets one from the service
            # (None on the instance, whether or not the browser sent the field at all).
            cleaned["color"] = self.instance.color if self.instance.pk else None
            if not self.instance.pk:
                self.instance.color = None
        project = cleaned.get("project") or (
            self.instance.project if self.instance.project_id else None
        )
        candidate = Label(
            pk=self.instance.pk,
            project_id=getattr(project, "pk", None),
            name=cleaned.get("name", ""),
            kind=cleaned.get("kind", ""),
            color=cleaned["color"] or services.PALETTE[0],
            shortcut=cleaned.get("shortcut", ""),
        )
        add_service_errors(self, services.label_errors(candidate))
        return cleaned


class StanceTargetForm(forms.ModelForm):
    class Meta:
        model = StanceTarget
        fields = ("project", "name", "description")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        project = cleaned.get("project") or (
            self.instance.project if self.instance.project_id else None
        )
        candidate = StanceTarget(
            pk=self.instance.pk,
            project_id=getattr(project, "pk", None),
            name=cleaned.get("name", ""),
        )
        add_service_errors(self, services.target_errors(candidate))
        return cleaned


class MembershipInlineForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "role")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A membership belongs to one person: to replace someone, remove them and add the other.
        if self.instance.pk and "user" in self.fields:
            self.fields["user"].disabled = True


class MembershipForm(MembershipInlineForm):
    """One membership on its own page; a project's inline checks its rows together instead."""

    class Meta:
        model = Membership
        fields = ("project", "user", "role")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        project = cleaned.get("project") or (
            self.instance.project if self.instance.project_id else None
        )
        user = cleaned.get("user") or (self.instance.user if self.instance.user_id else None)
        if project is not None and user is not None and "role" in cleaned:
            errors = services.membership_errors(project=project, user=user, role=cleaned["role"])
            add_service_errors(self, errors)
        return cleaned


# --- Projects and what configures them ----------------------------------------------------


class UniqueAcrossRowsFormSet(BaseInlineFormSet):
    """Refuse two new or changed rows that would share a unique value (the database would)."""

    distinct_fields: tuple[str, ...] = ()

    def clean(self) -> None:
        super().clean()
        for field in self.distinct_fields:
            seen: set[Any] = set()
            for form in self.forms:
                if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                    continue
                value = form.cleaned_data.get(field)
                if value in (None, ""):
                    continue
                if value in seen:
                    form.add_error(field, DUPLICATE_IN_FORM.format(field=field, value=value))
                seen.add(value)


class LabelFormSet(UniqueAcrossRowsFormSet):
    distinct_fields = ("name", "shortcut")


class StanceTargetFormSet(UniqueAcrossRowsFormSet):
    distinct_fields = ("name",)


class MembershipFormSet(UniqueAcrossRowsFormSet):
    distinct_fields = ("user",)

    def clean(self) -> None:
        super().clean()
        if any(self.errors) or self.instance.pk is None:
            return
        roles = dict(
            Membership.objects.filter(project=self.instance).values_list("user_id", "role")
        )
        # A project that already lacks a manager can still be edited (and given one).
        had_manager = Role.MANAGER in roles.values()
        for form in self.forms:
            if form.instance.pk is None and not form.has_changed():
                continue
            if form.instance.pk is not None:
                roles.pop(form.instance.user_id, None)
            if not self._should_delete_form(form):
                roles[form.cleaned_data["user"].pk] = form.cleaned_data["role"]
        if had_manager and Role.MANAGER not in roles.values():
            raise ValidationError(KEEP_A_MANAGER)


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipInlineForm
    formset = MembershipFormSet
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("user")


class LabelInline(admin.TabularInline):
    formfield_overrides = SHORT_TEXT_FIELDS
    model = Label
    form = LabelForm
    formset = LabelFormSet
    fields = ("name", "kind", "color", "shortcut", "description")
    extra = 0


class StanceTargetInline(admin.TabularInline):
    formfield_overrides = SHORT_TEXT_FIELDS
    model = StanceTarget
    form = StanceTargetForm
    formset = StanceTargetFormSet
    fields = ("name", "description")
    extra = 0


def _count_of(model: type[Model], field: str = "project") -> Coalesce:
    # A correlated count per row: joining two reverse relations would multiply the rows.
    rows = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


@admin.register(Project)
class ProjectAdmin(ScopedAdmin):
    form = ProjectForm
    project_path = ""
    list_display = (
        "name",
        "created_by",
        "member_count",
        "document_count",
        "annotators_per_document",
        "allow_overlap",
        "created_at",
    )
    list_select_related = ("created_by",)
    search_fields = ("name", "description")
    list_filter = ("allow_overlap", "created_at")
    readonly_fields = ("created_by", "created_at")
    fieldsets = (
        (None, {"fields": ("name", "description", "guidelines")}),
        ("Annotation", {"fields": ("annotators_per_document", "allow_overlap")}),
        ("History", {"fields": ("created_by", "created_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Project]:
        return (
            super()
            .get_queryset(request)
            .annotate(member_count=_count_of(Membership), document_count=_count_of(Document))
        )

    def get_inlines(self, request: HttpRequest, obj: Project | None) -> list:
        # The creator becomes the manager when the project is created; members come after.
        if obj is None:
            return [LabelInline, StanceTargetInline]
        return [MembershipInline, LabelInline, StanceTargetInline]

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj: Project) -> int:
        return obj.member_count

    @admin.display(description="documents", ordering="document_count")
    def document_count(self, obj: Project) -> int:
        return obj.document_count

    def save_model(self, request: HttpRequest, obj: Project, form, change: bool) -> None:
        values = {field: form.cleaned_data[field] for field in ProjectForm.Meta.fields}
        if change:
            changed = {field: values[field] for field in form.changed_data if field in values}
            adopt(obj, services.project_update(project=obj, **changed))
        else:
            adopt(obj, services.project_create(creator=request.user, **values))

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        formset.save(commit=False)
        project = formset.instance
        if formset.model is Membership:
            save_memberships(project, formset)
        elif formset.model is Label:
            save_labels(project, formset)
        elif formset.model is StanceTarget:
            save_targets(project, formset)
        else:
            formset.save()


def save_memberships(project: Project, formset: BaseInlineFormSet) -> None:
    """Apply a membership inline through the services, never leaving the project managerless."""
    # Additions and promotions first, removals and demotions last: at no step between them
    # does the project lack a manager.
    for obj in formset.new_objects:
        adopt(obj, services.membership_set(project=project, user=obj.user, role=obj.role))
    changed = sorted(formset.changed_objects, key=lambda pair: pair[0].role != Role.MANAGER)
    for obj, _fields in changed:
        services.membership_set(project=project, user=obj.user, role=obj.role)
    for obj in formset.deleted_objects:
        services.membership_remove(project=project, user=obj.user)


def save_labels(project: Project, formset: BaseInlineFormSet) -> None:
    """Apply a label inline through the services."""
    for obj in formset.deleted_objects:
        obj.delete()
    for obj, fields in formset.changed_objects:
        changed = {field: getattr(obj, field) for field in fields if field in services.LABEL_FIELDS}
        adopt(obj, services.label_update(label=obj, **changed))
    for obj in formset.new_objects:
        created = services.label_create(
            project=project,
            name=obj.name,
            kind=obj.kind,
            color=obj.color or None,
            shortcut=obj.shortcut,
            description=obj.description,
        )
        adopt(obj, created)


def save_targets(project: Project, formset: BaseInlineFormSet) -> None:
    """Apply a stance-target inline through the services."""
    for obj in formset.deleted_objects:
        obj.delete()
    for obj, fields in formset.changed_objects:
        changed = {
            field: getattr(obj, field) for field in fields if field in services.TARGET_FIELDS
        }
        adopt(obj, services.target_update(target=obj, **changed))
    for obj in formset.new_objects:
        created = services.target_create(
            project=project, name=obj.name, description=obj.description
        )
        adopt(obj, created)


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    form = MembershipForm
    list_display = ("user", "project", "role", "created_at")
    list_select_related = ("user", "project")
    list_filter = ("role", ("project", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "user__email", "project__name")
    autocomplete_fields = ("project", "user")
    actions = ("remove_members",)

    def get_readonly_fields(self, request: HttpRequest, obj: Membership | None = None):
        return ("project", "user", "created_at") if obj else ("created_at",)

    def get_actions(self, request: HttpRequest) -> dict:
        # Django's bulk delete bypasses the last-manager rule; remove_members goes through it.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        if obj is not None and obj.role == Role.MANAGER:
            others = Membership.objects.filter(project_id=obj.project_id, role=Role.MANAGER)
            if not others.exclude(pk=obj.pk).exists():
                return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Membership, form, change: bool) -> None:
        saved = services.membership_set(project=obj.project, user=obj.user, role=obj.role)
        adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.membership_remove(project=obj.project, user=obj.user)

    @admin.action(permissions=["delete"], description="Remove the selected members")
    def remove_members(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        # Managers last, so a selection that keeps one manager per project is accepted.
        memberships = sorted(
            queryset.select_related("project", "user"), key=lambda m: m.role == Role.MANAGER
        )
        try:
            with transaction.atomic():
                for membership in memberships:
                    services.membership_remove(project=membership.project, user=membership.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        self.message_user(request, MEMBERS_REMOVED.format(count=len(memberships)))


@admin.register(Label)
class LabelAdmin(ScopedAdmin):
    form = LabelForm
    list_display = ("name", "kind", "swatch", "shortcut", "project")
    list_select_related = ("project",)
    list_filter = ("kind", ("project", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "description", "project__name")
    autocomplete_fields = ("project",)

    def get_readonly_fields(self, request: HttpRequest, obj: Label | None = None):
        # Spans of one project cannot point at another project's label.
        return ("project",) if obj else ()

    @admin.display(description="colour", ordering="color")
    def swatch(self, obj: Label) -> str:
        return color_swatch(obj.color)

    def save_model(self, request: HttpRequest, obj: Label, form, change: bool) -> None:
        if change:
            changed = {f: getattr(obj, f) for f in form.changed_data if f in services.LABEL_FIELDS}
            adopt(obj, services.label_update(label=obj, **changed))
        else:
            created = services.label_create(
                project=obj.project,
                name=obj.name,
                kind=obj.kind,
                color=obj.color or None,
                shortcut=obj.shortcut,
                description=obj.description,
            )
            adopt(obj, created)


@admin.register(StanceTarget)
class StanceTargetAdmin(ScopedAdmin):
    form = StanceTargetForm
    list_display = ("name", "project", "short_description")
    list_select_related = ("project",)
    list_filter = (("project", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "description", "project__name")
    autocomplete_fields = ("project",)

    def get_readonly_fields(self, request: HttpRequest, obj: StanceTarget | None = None):
        return ("project",) if obj else ()

    @admin.display(description="description")
    def short_description(self, obj: StanceTarget) -> str:
        return Truncator(obj.description).chars(PREVIEW_CHARS)

    def save_model(self, request: HttpRequest, obj: StanceTarget, form, change: bool) -> None:
        if change:
            changed = {f: getattr(obj, f) for f in form.changed_data if f in services.TARGET_FIELDS}
            adopt(obj, services.target_update(target=obj, **changed))
        else:
            created = services.target_create(
                project=obj.project, name=obj.name, description=obj.description
            )
            adopt(obj, created)


# --- Documents ----------------------------------------------------------------------------


class DocumentForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ("text", "external_id", "meta")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "text" in self.fields:
            # Offsets count every character: leading and trailing whitespace stay.
            self.fields["text"].strip = False

    def clean_text(self) -> str:
        # Browsers submit a textarea with CRLF line breaks; stored text has LF only.
        text, _ = repair.fix_line_breaks(self.cleaned_data["text"])
        if text == self.instance.text:
            return text
        if self.instance.annotations.exists():
            raise ValidationError(TEXT_FROZEN)
        other = (
            Document.objects.filter(
                project_id=self.instance.project_id, content_hash=repair.content_hash(text)
            )
            .exclude(pk=self.instance.pk)
            .values_list("pk", flat=True)
            .first()
        )
        if other is not None:
            raise ValidationError(TEXT_DUPLICATE.format(other=other))
        return text


class DocumentAnnotationInline(ReadOnlyInline):
    model = Annotation
    fields = ("kind", "author", "status", "version", "updated_at")
    readonly_fields = fields
    verbose_name_plural = "annotations"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Annotation]:
        return super().get_queryset(request).select_related("author")


@admin.register(Document)
class DocumentAdmin(ScopedAdmin):
    form = DocumentForm
    list_display = ("id", "external_id", "preview", "project", "annotation_count", "created_at")
    list_display_links = ("id", "external_id")
    list_select_related = ("project",)
    list_filter = (("project", admin.RelatedOnlyFieldListFilter), "created_at")
    search_fields = ("=id", "external_id", "text")
    inlines = (DocumentAnnotationInline,)
    actions = ("mark_gold_reviewed",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Document]:
        queryset = super().get_queryset(request)
        return queryset.annotate(annotation_count=_count_of(Annotation, "document"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Documents come in through an import, which repairs text and skips duplicates.
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Document | None = None):
        fields = ("project", "content_hash", "ingestion_report", "created_at")
        if obj is not None and obj.annotations.exists():
            return ("text", *fields)
        return fields

    @admin.display(description="text")
    def preview(self, obj: Document) -> str:
        return Truncator(obj.text).chars(PREVIEW_CHARS)

    @admin.display(description="annotations", ordering="annotation_count")
    def annotation_count(self, obj: Document) -> int:
        return obj.annotation_count

    @admin.action(description="Mark the selected documents' gold reviewed")
    def mark_gold_reviewed(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        done, problems = 0, []
        for document in queryset.order_by("pk"):
            try:
                gold_set_reviewed(document=document, reviewed=True, actor=request.user)
            except ServiceError as error:
                problems.append(
                    ACTION_PROBLEM.format(item=f"Document {document.pk}", why=_why(error))
                )
            else:
                done += 1
        _report(self, request, GOLD_REVIEWED.format(count=done), problems)

    def save_model(self, request: HttpRequest, obj: Document, form, change: bool) -> None:
        if "text" in form.changed_data:
            # Checked again under the row lock: an annotation may have started meanwhile.
            Document.objects.select_for_update().filter(pk=obj.pk).values_list("pk").first()
            if Annotation.objects.filter(document_id=obj.pk).exists():
                raise ValidationError(TEXT_FROZEN)
            obj.content_hash = repair.content_hash(obj.text)
        super().save_model(request, obj, form, change)


# --- Actions for managers: through the services, one item at a time ---------------------

ACTION_PROBLEM = "{item}: {why}"
GOLD_REVIEWED = "Marked {count} gold annotation(s) reviewed."
REOPENED = "Reopened {count} annotation(s)."
REASSIGNED = "Handed {count} annotation(s) to {username}."
NOT_GOLD = "Left {count} annotation(s) alone: only gold is marked reviewed."


class ReassignForm(forms.Form):
    """Whom to hand the selected annotations to: a member of their project."""

    author = forms.ModelChoiceField(queryset=None, label="Hand them to")

    def __init__(self, *args: Any, users: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["author"].queryset = users


def _why(error: ServiceError) -> str:
    """A service error as one line: its field messages, or its detail."""
    errors = getattr(error, "errors", None)
    if errors:
        return " ".join(message for messages_ in errors.values() for message in messages_)
    return error.detail


def _report(model_admin: admin.ModelAdmin, request: HttpRequest, done: str, problems: list[str]):
    """Say what an action did, and each item it could not do and why."""
    model_admin.message_user(request, done, messages.SUCCESS)
    for problem in problems:
        model_admin.message_user(request, problem, messages.ERROR)


# --- Annotations: read-only ---------------------------------------------------------------


class SpanInline(ReadOnlyInline):
    model = Span
    fields = ("label", "start", "end", "text", "claimant", "claimant_text", "checkworthy")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Span]:
        return super().get_queryset(request).select_related("label", "claimant")


class StanceInline(ReadOnlyInline):
    model = Stance
    fields = ("target", "label", "holder", "evidence")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Stance]:
        return super().get_queryset(request).select_related("target", "label", "holder", "evidence")


@admin.register(Annotation)
class AnnotationAdmin(ReadOnlyAdmin):
    project_path = "document__project"
    list_display = (
        "id",
        "document",
        "project",
        "author",
        "kind",
        "status",
        "version",
        "updated_at",
    )
    list_select_related = ("document__project", "author")
    list_filter = (
        "kind",
        "status",
        ("document__project", admin.RelatedOnlyFieldListFilter),
        "updated_at",
    )
    search_fields = ("=id", "author__username", "document__external_id")
    inlines = (SpanInline, StanceInline)
    actions = ("reassign_annotations", "reopen_annotations", "mark_gold_reviewed")

    @admin.action(description="Hand the selected work in progress to another member…")
    def reassign_annotations(self, request: HttpRequest, queryset: QuerySet[Annotation]):
        annotations = list(queryset.select_related("document__project", "author").order_by("pk"))
        projects = {annotation.document.project_id for annotation in annotations}
        members = (
            get_user_model()
            .objects.filter(memberships__project__in=projects)
            .distinct()
            .order_by("username")
        )
        form = ReassignForm(request.POST if "apply" in request.POST else None, users=members)
        if form.is_valid():
            author, done, problems = form.cleaned_data["author"], 0, []
            for annotation in annotations:
                try:
                    annotation_reassign(annotation=annotation, author=author, actor=request.user)
                except ServiceError as error:
                    item = f"Annotation {annotation.pk}"
                    problems.append(ACTION_PROBLEM.format(item=item, why=_why(error)))
                else:
                    done += 1
            message = REASSIGNED.format(count=done, username=author.get_username())
            _report(self, request, message, problems)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Hand work in progress to another member",
            "opts": self.model._meta,
            "annotations": annotations,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/annotations/annotation/reassign.html", context)

    @admin.action(description="Reopen the selected annotations (back to in progress)")
    def reopen_annotations(self, request: HttpRequest, queryset: QuerySet[Annotation]) -> None:
        self._set_status(request, queryset, AnnotationStatus.IN_PROGRESS, REOPENED)

    @admin.action(description="Mark the selected gold annotations reviewed")
    def mark_gold_reviewed(self, request: HttpRequest, queryset: QuerySet[Annotation]) -> None:
        gold = queryset.filter(kind=AnnotationKind.GOLD)
        self._set_status(request, gold, AnnotationStatus.SUBMITTED, GOLD_REVIEWED)
        skipped = queryset.exclude(kind=AnnotationKind.GOLD).count()
        if skipped:
            self.message_user(request, NOT_GOLD.format(count=skipped), messages.WARNING)

    def _set_status(self, request, queryset, status: str, done_message: str) -> None:
        # One by one through the annotating service: each change checks its own rules
        # (who may reopen what) and is logged, as from the API.
        done, problems = 0, []
        for annotation in queryset.order_by("pk"):
            try:
                annotation_set_status(
                    annotation=annotation,
                    status=status,
                    version=annotation.version,
                    actor=request.user,
                )
            except ServiceError as error:
                item = f"Annotation {annotation.pk}"
                problems.append(ACTION_PROBLEM.format(item=item, why=_why(error)))
            else:
                done += 1
        _report(self, request, done_message.format(count=done), problems)

    @admin.display(description="project", ordering="document__project__name")
    def project(self, obj: Annotation) -> Project:
        return obj.document.project

    def get_queryset(self, request: HttpRequest) -> QuerySet[Annotation]:
        return super().get_queryset(request).select_related("document__project", "author")


@admin.register(Span)
class SpanAdmin(ReadOnlyAdmin):
    project_path = "annotation__document__project"
    list_display = ("id", "annotation", "label", "start", "end", "preview", "checkworthy")
    list_select_related = ("annotation", "label")
    list_filter = (
        "label__kind",
        "annotation__kind",
        ("annotation__document__project", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("=id", "text", "label__name")

    @admin.display(description="text")
    def preview(self, obj: Span) -> str:
        return Truncator(obj.text).chars(PREVIEW_CHARS)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Span]:
        return super().get_queryset(request).select_related("annotation", "label", "claimant")


@admin.register(Stance)
class StanceAdmin(ReadOnlyAdmin):
    project_path = "annotation__document__project"
    list_display = ("id", "annotation", "target", "label", "holder", "evidence")
    list_select_related = ("annotation", "target", "label", "holder", "evidence")
    list_filter = (
        "annotation__kind",
        ("annotation__document__project", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("=id", "target__name", "label__name")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Stance]:
        return (
            super()
            .get_queryset(request)
            .select_related("annotation", "target", "label", "holder", "evidence")
        )


@admin.register(AnnotationEvent)
class AnnotationEventAdmin(ReadOnlyAdmin):
    """The audit trail: append-only, so nobody adds, changes or deletes an event here."""

    project_path = "annotation__document__project"
    list_display = ("created_at", "action", "annotation", "actor", "object_id", "version")
    list_select_related = ("annotation", "actor")
    list_filter = (
        "action",
        ("annotation__document__project", admin.RelatedOnlyFieldListFilter),
        "created_at",
    )
    search_fields = ("actor__username", "=annotation__id", "=object_id")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[AnnotationEvent]:
        return super().get_queryset(request).select_related("annotation", "actor")


# --- Releases and import jobs -------------------------------------------------------------

QUEUED_AGAIN = "Queued {count} to run again."
NOT_QUEUED = "{name}: {reason}"


class ReleaseFileInline(ReadOnlyInline):
    model = ReleaseFile
    fields = ("format", "size", "sha256", "warning_count")
    show_change_link = False


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    """Releases are created over the API and never change once ready; a broken build can be
    queued again, and a release that never became ready can be deleted (freeing its name)."""

    list_display = ("name", "project", "status", "document_count", "created_by", "created_at")
    list_select_related = ("project", "created_by")
    list_filter = ("status", ("project", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "project__name")
    inlines = (ReleaseFileInline,)
    actions = ("build_again",)

    def get_actions(self, request: HttpRequest) -> dict:
        # The bulk delete would not ask has_delete_permission about each release.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request: HttpRequest, obj: Release | None = None) -> bool:
        if obj is not None and obj.status == ReleaseStatus.READY:
            return False
        return super().has_delete_permission(request, obj)

    def has_build_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    @admin.action(permissions=["build"], description="Build the selected releases again")
    def build_again(self, request: HttpRequest, queryset: QuerySet[Release]) -> None:
        queued = 0
        for release in queryset:
            try:
                tasks.release_rebuild(release=release)
            except ServiceError as error:
                reason = NOT_QUEUED.format(name=release.name, reason=error.detail)
                self.message_user(request, reason, messages.WARNING)
            else:
                queued += 1
        self.message_user(request, QUEUED_AGAIN.format(count=queued))


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """Background imports; one that failed or whose worker died can be resumed from here."""

    list_display = (
        "id",
        "project",
        "name",
        "status",
        "records_done",
        "records_total",
        "created_by",
        "created_at",
    )
    list_select_related = ("project", "created_by")
    list_filter = ("status", ("project", admin.RelatedOnlyFieldListFilter))
    search_fields = ("=id", "name", "project__name")
    actions = ("resume",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportJob]:
        return super().get_queryset(request).defer("report")

    def has_resume_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    @admin.action(permissions=["resume"], description="Resume the selected import jobs")
    def resume(self, request: HttpRequest, queryset: QuerySet[ImportJob]) -> None:
        queued = 0
        for job in queryset:
            try:
                tasks.import_job_resume(job=job)
            except ServiceError as error:
                reason = NOT_QUEUED.format(name=job, reason=error.detail)
                self.message_user(request, reason, messages.WARNING)
            else:
                queued += 1
        self.message_user(request, QUEUED_AGAIN.format(count=queued))
