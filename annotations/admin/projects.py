"""Projects and what configures them: members, labels and stance targets.

Everything here is saved through annotations.services.projects, so the admin obeys the same
rules (and shows the same messages) as the API. The forms ask the services first, so a
manager sees a field error rather than a failed save; a project never loses its last manager.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypedDict

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.text import Truncator

from annotations.admin.shared import (
    PREVIEW_CHARS,
    SHORT_TEXT_FIELDS,
    ReadOnlyInline,
    ScopedAdmin,
    add_service_errors,
    adopt,
    color_swatch,
    count_of,
    service_error_text,
    staff_user,
)
from annotations.errors import InvalidInput
from annotations.models import (
    Document,
    GuidelinesVersion,
    Label,
    LabelGroup,
    Membership,
    Project,
    Recommender,
    Role,
    StanceTarget,
)
from annotations.services import projects as services

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _Counted(TypedDict):
    """What ProjectAdmin.get_queryset annotates."""

    member_count: int
    document_count: int


KEEP_A_MANAGER = "A project needs at least one manager: keep one or make someone else manager."
DUPLICATE_IN_FORM = "Two rows here use the {field} '{value}'."
MEMBERS_REMOVED = "Removed {count} member(s)."


# --- Forms that ask the services first ----------------------------------------------------


def _row_project(form: forms.ModelForm) -> Project | None:
    """Return the project of a form's row: the one chosen, else the stored row's.

    None while the project itself is being created (a row of one of its inlines).
    """
    return form.cleaned_data.get("project") or (
        form.instance.project if form.instance.project_id else None
    )


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = services.PROJECT_SETTINGS

    # The queue's settings: left empty (as by a form written before they existed), the default.
    DEFAULTED = ("max_open_per_annotator", "release_after_hours", "queue_order")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.DEFAULTED:
            self.fields[field].required = False
        # Suggestions come from one of the project's own recommenders (none while it is new).
        source = self.fields.get("suggestions_from")
        if isinstance(source, forms.ModelChoiceField):
            source.queryset = Recommender.objects.filter(project_id=self.instance.pk)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for field in self.DEFAULTED:
            if field in cleaned and cleaned[field] in (None, ""):
                cleaned[field] = self._meta.model._meta.get_field(field).default
        candidate = Project(
            pk=self.instance.pk, **{field: cleaned.get(field) for field in self.Meta.fields}
        )
        add_service_errors(self, services.project_errors(candidate))
        return cleaned


def _limit_groups(form: forms.BaseForm, project_id: int | None) -> None:
    """Offer a document label only its own project's groups (none while unknown)."""
    group_field = form.fields.get("group")
    if isinstance(group_field, forms.ModelChoiceField):
        groups = LabelGroup.objects.all()
        group_field.queryset = (
            groups.filter(project_id=project_id) if project_id is not None else groups.none()
        )


class LabelForm(forms.ModelForm):
    color = forms.CharField(
        required=False,
        max_length=7,
        help_text="#rrggbb. Leave empty to get a colour no other label of the project uses.",
    )

    class Meta:
        model = Label
        fields = (
            "project",
            "name",
            "kind",
            "group",
            "source_kind",
            "target_kind",
            "color",
            "shortcut",
            "description",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A document label's group is one of its own project's: no other project's names.
        _limit_groups(self, self.instance.project_id)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("color"):
            # Empty keeps an existing label's colour; a new label gets one from the service
            # (None on the instance, whether or not the browser sent the field at all).
            cleaned["color"] = self.instance.color if self.instance.pk else None
            if not self.instance.pk:
                self.instance.color = None
        project = _row_project(self)
        candidate = Label(
            pk=self.instance.pk,
            project_id=getattr(project, "pk", None),  # type: ignore[misc]  # None while the project is created: Django takes it, the stubs not
            name=cleaned.get("name", ""),
            kind=cleaned.get("kind", ""),
            color=cleaned["color"] or services.PALETTE[0],
            shortcut=cleaned.get("shortcut", ""),
            group=cleaned.get("group"),
            source_kind=cleaned.get("source_kind", ""),
            target_kind=cleaned.get("target_kind", ""),
        )
        add_service_errors(self, services.label_errors(candidate))
        return cleaned


class StanceTargetForm(forms.ModelForm):
    class Meta:
        model = StanceTarget
        fields = ("project", "name", "description")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        project = _row_project(self)
        candidate = StanceTarget(
            pk=self.instance.pk,
            project_id=getattr(project, "pk", None),  # type: ignore[misc]  # None while the project is created: Django takes it, the stubs not
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
        super().clean()
        cleaned = self.cleaned_data
        project = _row_project(self)
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
                # BaseFormSet's own deletion test (private; the stubs leave it out).
                if not hasattr(form, "cleaned_data") or self._should_delete_form(form):  # type: ignore[attr-defined]
                    continue
                value = form.cleaned_data.get(field)
                if value in (None, ""):
                    continue
                if value in seen:
                    form.add_error(field, DUPLICATE_IN_FORM.format(field=field, value=value))
                seen.add(value)


class LabelFormSet(UniqueAcrossRowsFormSet):
    distinct_fields = ("name", "shortcut")

    def _construct_form(self, i: int, **kwargs: Any) -> forms.Form:
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]  # Django's, unstubbed
        # The row's project is set only now (after the form's __init__): its groups, no other.
        _limit_groups(form, self.instance.pk)
        return form


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
            if not self._should_delete_form(form):  # type: ignore[attr-defined]  # see above
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


class GuidelinesVersionInline(ReadOnlyInline):
    """The guidelines' history, read-only: editing the guidelines above makes the next one."""

    model = GuidelinesVersion
    verbose_name_plural = "guidelines versions (saving changed guidelines makes the next)"
    fields = ("number", "text", "created_by", "created_at")
    readonly_fields = fields
    show_change_link = False  # a version has no page of its own
    ordering = ("-number",)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Whoever may open the project's page may read its guidelines' history.
        return True

    def get_queryset(self, request: HttpRequest) -> QuerySet[GuidelinesVersion]:
        return super().get_queryset(request).select_related("created_by")


class LabelInline(admin.TabularInline):
    formfield_overrides = SHORT_TEXT_FIELDS
    model = Label
    form = LabelForm
    formset = LabelFormSet
    fields = (
        "name",
        "kind",
        "group",
        "source_kind",
        "target_kind",
        "color",
        "shortcut",
        "description",
    )
    extra = 0


class StanceTargetInline(admin.TabularInline):
    formfield_overrides = SHORT_TEXT_FIELDS
    model = StanceTarget
    form = StanceTargetForm
    formset = StanceTargetFormSet
    fields = ("name", "description")
    extra = 0


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
        (
            "Annotation",
            {
                "fields": (
                    "annotators_per_document",
                    "allow_overlap",
                    "sentence_units",
                    "max_open_per_annotator",
                    "release_after_hours",
                    "queue_order",
                )
            },
        ),
        ("Suggestions", {"fields": ("show_suggestions", "suggestions_from")}),
        ("Releases", {"fields": ("licence", "citation")}),
        ("History", {"fields": ("created_by", "created_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Project]:
        return (
            super()
            .get_queryset(request)
            .annotate(member_count=count_of(Membership), document_count=count_of(Document))
        )

    def get_inlines(self, request: HttpRequest, obj: Project | None) -> list:
        # The creator becomes the manager when the project is created; members come after.
        if obj is None:
            return [LabelInline, StanceTargetInline]
        return [MembershipInline, LabelInline, StanceTargetInline, GuidelinesVersionInline]

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj: "WithAnnotations[Project, _Counted]") -> int:
        return obj.member_count

    @admin.display(description="documents", ordering="document_count")
    def document_count(self, obj: "WithAnnotations[Project, _Counted]") -> int:
        return obj.document_count

    def save_model(self, request: HttpRequest, obj: Project, form, change: bool) -> None:
        values = {field: form.cleaned_data[field] for field in ProjectForm.Meta.fields}
        if change:
            changed = {field: values[field] for field in form.changed_data if field in values}
            updated = services.project_update(project=obj, actor=staff_user(request), **changed)
            adopt(obj, updated)
        else:
            # A new project has no recommender to take suggestions from yet.
            values.pop("suggestions_from", None)
            adopt(obj, services.project_create(creator=staff_user(request), **values))

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
        _save_label(obj, project=project, changed=fields)
    for obj in formset.new_objects:
        _save_label(obj, project=project, changed=None)


def save_targets(project: Project, formset: BaseInlineFormSet) -> None:
    """Apply a stance-target inline through the services."""
    for obj in formset.deleted_objects:
        obj.delete()
    for obj, fields in formset.changed_objects:
        _save_target(obj, project=project, changed=fields)
    for obj in formset.new_objects:
        _save_target(obj, project=project, changed=None)


def _save_label(obj: Label, *, project: Project, changed: Iterable[str] | None) -> None:
    """Store the admin's label through the services: a new one, or its changed fields."""
    if changed is not None:
        fields = {field: getattr(obj, field) for field in changed if field in services.LABEL_FIELDS}
        adopt(obj, services.label_update(label=obj, **fields))
        return
    created = services.label_create(
        project=project,
        name=obj.name,
        kind=obj.kind,
        color=obj.color or None,
        shortcut=obj.shortcut,
        description=obj.description,
        group=obj.group,
        source_kind=obj.source_kind,
        target_kind=obj.target_kind,
    )
    adopt(obj, created)


def _save_target(obj: StanceTarget, *, project: Project, changed: Iterable[str] | None) -> None:
    """Store the admin's stance target through the services: a new one, or its changed fields."""
    if changed is not None:
        fields = {
            field: getattr(obj, field) for field in changed if field in services.TARGET_FIELDS
        }
        adopt(obj, services.target_update(target=obj, **fields))
        return
    created = services.target_create(project=project, name=obj.name, description=obj.description)
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
        except InvalidInput as error:
            self.message_user(request, service_error_text(error), messages.ERROR)
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
        _save_label(obj, project=obj.project, changed=form.changed_data if change else None)


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
        _save_target(obj, project=obj.project, changed=form.changed_data if change else None)
