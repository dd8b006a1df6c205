"""Project settings in the browser: a new project, and a project's settings page.

Any signed-in user may create a project and becomes its manager (as ``POST /api/projects/``
allows); only managers open a project's settings. The settings page edits the project
(name, description, guidelines with a preview, annotators per document, the overlap rule),
its stance targets and its labels; each form posts to its own URL. A form that fails
re-renders the page with its errors next to its fields (status 400) and writes nothing; one
that succeeds redirects back to its section. The services judge every value.
"""

from collections.abc import Callable
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from annotations import selectors
from annotations.errors import InvalidInput
from annotations.forms import AttributeForm, LabelForm, LabelGroupForm, ProjectForm, TargetForm
from annotations.models import Label, LabelAttribute, LabelGroup, Project, StanceTarget
from annotations.services import labelgroups as group_services
from annotations.services import projects as project_services
from annotations.views.base import (
    NOT_FOUND,
    AuthenticatedHttpRequest,
    managed_project,
    put_errors,
    saved,
)

SETTINGS_SAVED = "Settings saved."
PROJECT_CREATED = "Project {name} created: you are its manager. Add labels and targets below."
SAVED = "{name} saved."
LABEL_DELETED = "Label {name} deleted."
ATTRIBUTE_SAVED = "Attribute {name} of label {label} saved."
ATTRIBUTE_REMOVED = "Attribute {name} removed from label {label}."
TARGET_DELETED = "Stance target {name} deleted."
GROUP_DELETED = "Label group {name} deleted."
PROJECT_FIELDS = tuple(ProjectForm.base_fields)
# Fields whose initial value is the id the object holds, not the object (read without a query).
FOREIGN_KEYS = ("group", "suggestions_from")
LABEL_FIELDS = tuple(LabelForm.base_fields)
TARGET_FIELDS = tuple(TargetForm.base_fields)
GROUP_FIELDS = tuple(LabelGroupForm.base_fields)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def project_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Create a project; its creator becomes its manager and lands on its settings."""
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = project_services.project_create(creator=request.user, **form.cleaned_data)
        except InvalidInput as error:
            put_errors(form, error)
        else:
            messages.success(request, PROJECT_CREATED.format(name=project.name))
            return _back_to(project, "project")
    status = 400 if form.errors else 200
    return render(request, "annotations/project_new.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def project_settings(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """The settings page; a POST saves the project's fields, or previews its guidelines."""
    project = managed_project(request, project_id)
    if request.method != "POST":
        return _render_settings(request, project)
    form = ProjectForm(
        request.POST,
        initial=_initial(project, PROJECT_FIELDS),
        recommenders=_recommender_choices(project),
    )
    if form.is_valid() and "preview" in request.POST:
        preview = form.cleaned_data["guidelines"]
        return _render_settings(request, project, project_form=form, preview=preview)
    if form.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        if saved(
            form,
            project_services.project_update,
            project=project,
            actor=request.user,
            **changed,
        ):
            messages.success(request, SETTINGS_SAVED)
            return _back_to(project, "project")
    return _render_settings(request, project, project_form=form, status=400)


@login_required
@require_POST
def project_label_add(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """Add a label: name, kind, colour (optional), key and description."""
    project = managed_project(request, project_id)
    form = LabelForm(request.POST, prefix="label", groups=_group_choices(project))
    if form.is_valid():
        fields = form.cleaned_data | {"color": form.cleaned_data["color"] or None}
        if saved(form, project_services.label_create, project=project, **fields):
            messages.success(request, SAVED.format(name=fields["name"]))
            return _back_to(project, "labels")
    return _render_settings(request, project, label_form=form, status=400)


@login_required
@require_POST
def project_label_change(
    request: AuthenticatedHttpRequest, project_id: int, label_id: int
) -> HttpResponse:
    """Change a label's fields (only those the form changed), or delete it ("delete")."""
    project = managed_project(request, project_id)
    label = _own(selectors.label_list(project=project), label_id)
    form = LabelForm(
        request.POST,
        prefix=f"label-{label.pk}",
        initial=_initial(label, LABEL_FIELDS),
        groups=_group_choices(project),
    )
    answer = _change_or_delete(
        request,
        form,
        delete=partial(project_services.label_delete, label=label),
        update=partial(project_services.label_update, label=label),
        deleted=LABEL_DELETED.format(name=label.name),
        keep_if_empty=("color",),  # an empty colour keeps the colour
    )
    if answer:
        return _back_to(project, "labels")
    return _render_settings(request, project, label_forms={label.pk: form}, status=400)


@login_required
@require_POST
def project_label_group_add(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """Add a label group: a name, one or any number of labels, required or not, its order."""
    project = managed_project(request, project_id)
    form = LabelGroupForm(request.POST, prefix="group")
    create = group_services.label_group_create
    if form.is_valid() and saved(form, create, project=project, **form.cleaned_data):
        messages.success(request, SAVED.format(name=form.cleaned_data["name"]))
        return _back_to(project, "label-groups")
    return _render_settings(request, project, group_form=form, status=400)


@login_required
@require_POST
def project_label_group_change(
    request: AuthenticatedHttpRequest, project_id: int, group_id: int
) -> HttpResponse:
    """Change a label group's fields, or delete it ("delete") when no label is in it."""
    project = managed_project(request, project_id)
    group = _own(selectors.label_group_list(project=project), group_id)
    prefix = f"group-{group.pk}"
    form = LabelGroupForm(request.POST, prefix=prefix, initial=_initial(group, GROUP_FIELDS))
    answer = _change_or_delete(
        request,
        form,
        delete=partial(group_services.label_group_delete, group=group),
        update=partial(group_services.label_group_update, group=group),
        deleted=GROUP_DELETED.format(name=group.name),
    )
    if answer:
        return _back_to(project, "label-groups")
    return _render_settings(request, project, group_forms={group.pk: form}, status=400)


@login_required
@require_POST
def project_label_attributes(
    request: AuthenticatedHttpRequest, project_id: int, label_id: int
) -> HttpResponse:
    """Add, change or remove ("remove") one attribute of a label; the list is saved whole.

    ``original`` names the attribute changed or removed; without it the form adds one at
    the end. Values that items still use make the service refuse, saying how many.
    """
    project = managed_project(request, project_id)
    label = _own(selectors.label_list(project=project), label_id)
    current = [_declaration(row) for row in label.attributes.all()]
    names = [item["name"] for item in current]
    original = request.POST.get("original", "")
    known = original in names
    index = names.index(original) if known else len(current)
    key = original if known else ""
    form = AttributeForm(request.POST, prefix=_attribute_prefix(label, key))
    declared: list[dict[str, object]] | None = None
    if "remove" in request.POST and known:
        declared = current[:index] + current[index + 1 :]
        done = ATTRIBUTE_REMOVED.format(name=original, label=label.name)
    elif form.is_valid():
        declared = [*current[:index], form.declaration(), *current[index + 1 :]]
        done = ATTRIBUTE_SAVED.format(name=form.cleaned_data["name"], label=label.name)
    if declared is not None:
        try:
            project_services.label_update(label=label, attributes=declared)
        except InvalidInput as error:
            _put_attribute_errors(form, error, index)
        else:
            messages.success(request, done)
            return _back_to(project, f"label-{label.pk}-attributes")
    forms = {(label.pk, key): form}
    return _render_settings(request, project, attribute_forms=forms, status=400)


def _declaration(row: LabelAttribute) -> dict[str, object]:
    return {
        "name": row.name,
        "type": row.type,
        "required": row.required,
        "choices": list(row.choices),
        "description": row.description,
    }


def _attribute_prefix(label: Label, name: str) -> str:
    return f"attr-{label.pk}-{name or 'new'}"


def _put_attribute_errors(form: AttributeForm, error: InvalidInput, index: int) -> None:
    """Put the service's errors on the attribute's fields (``attributes.<index>.<field>``)."""
    for path, field_errors in error.errors.items():
        parts = path.split(".")
        mine = len(parts) == 3 and parts[1] == str(index) and parts[2] in form.fields
        form.add_error(parts[2] if mine else None, field_errors)


@login_required
@require_POST
def project_target_add(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """Add a stance target: a name and a description."""
    project = managed_project(request, project_id)
    form = TargetForm(request.POST, prefix="target")
    create = project_services.target_create
    if form.is_valid() and saved(form, create, project=project, **form.cleaned_data):
        messages.success(request, SAVED.format(name=form.cleaned_data["name"]))
        return _back_to(project, "targets")
    return _render_settings(request, project, target_form=form, status=400)


@login_required
@require_POST
def project_target_change(
    request: AuthenticatedHttpRequest, project_id: int, target_id: int
) -> HttpResponse:
    """Change a stance target's name or description, or delete it ("delete")."""
    project = managed_project(request, project_id)
    target = _own(selectors.target_list(project=project), target_id)
    prefix = f"target-{target.pk}"
    form = TargetForm(request.POST, prefix=prefix, initial=_initial(target, TARGET_FIELDS))
    answer = _change_or_delete(
        request,
        form,
        delete=partial(project_services.target_delete, target=target),
        update=partial(project_services.target_update, target=target),
        deleted=TARGET_DELETED.format(name=target.name),
    )
    if answer:
        return _back_to(project, "targets")
    return _render_settings(request, project, target_forms={target.pk: form}, status=400)


def _change_or_delete(
    request: AuthenticatedHttpRequest,
    form: LabelForm | TargetForm | LabelGroupForm,
    *,
    delete: Callable[[], None],
    update: Callable[..., object],
    deleted: str,
    keep_if_empty: tuple[str, ...] = (),
) -> bool:
    """Delete (the form's "delete" button) or save the fields the form changed; whether done."""
    if "delete" in request.POST:
        if not saved(form, delete):
            return False
        messages.success(request, deleted)
        return True
    if not form.is_valid():
        return False
    changed = {name: form.cleaned_data[name] for name in form.changed_data}
    for name in keep_if_empty:
        if name in changed and not changed[name]:
            changed.pop(name)
    if not saved(form, update, **changed):
        return False
    messages.success(request, SAVED.format(name=form.cleaned_data["name"]))
    return True


def _render_settings(
    request: AuthenticatedHttpRequest,
    project: Project,
    *,
    project_form: ProjectForm | None = None,
    preview: str | None = None,
    label_form: LabelForm | None = None,
    label_forms: dict[int, LabelForm] | None = None,
    target_form: TargetForm | None = None,
    target_forms: dict[int, TargetForm] | None = None,
    group_form: LabelGroupForm | None = None,
    group_forms: dict[int, LabelGroupForm] | None = None,
    attribute_forms: dict[tuple[int, str], AttributeForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    groups = list(selectors.label_group_list(project=project))
    choices = [(group.pk, group.name) for group in groups]
    for group in groups:
        group.form = (group_forms or {}).get(group.pk) or LabelGroupForm(  # type: ignore[attr-defined]
            prefix=f"group-{group.pk}", initial=_initial(group, GROUP_FIELDS)
        )
    labels = list(selectors.label_list(project=project))
    attribute_forms = attribute_forms or {}
    for label in labels:
        label.form = (label_forms or {}).get(label.pk) or LabelForm(  # type: ignore[attr-defined]
            prefix=f"label-{label.pk}", initial=_initial(label, LABEL_FIELDS), groups=choices
        )
        label.attribute_rows = [  # type: ignore[attr-defined]
            (row, attribute_forms.get((label.pk, row.name)) or _attribute_form(label, row))
            for row in label.attributes.all()
        ]
        label.attribute_new = attribute_forms.get((label.pk, "")) or AttributeForm(  # type: ignore[attr-defined]
            prefix=_attribute_prefix(label, "")
        )
        label.attribute_failed = any(key[0] == label.pk for key in attribute_forms)  # type: ignore[attr-defined]
    targets = list(selectors.target_list(project=project))
    for target in targets:
        target.form = (target_forms or {}).get(target.pk) or TargetForm(  # type: ignore[attr-defined]
            prefix=f"target-{target.pk}", initial=_initial(target, TARGET_FIELDS)
        )
    context = {
        "project": project,
        "project_form": project_form
        or ProjectForm(
            initial=_initial(project, PROJECT_FIELDS), recommenders=_recommender_choices(project)
        ),
        "preview": preview,
        "labels": labels,
        "label_form": label_form or LabelForm(prefix="label", groups=choices),
        "groups": groups,
        "group_form": group_form or LabelGroupForm(prefix="group"),
        "targets": targets,
        "target_form": target_form or TargetForm(prefix="target"),
        "reserved_keys": " ".join(sorted(project_services.RESERVED_SHORTCUTS)),
    }
    return render(request, "annotations/settings.html", context, status=status)


def _attribute_form(label: Label, row: LabelAttribute) -> AttributeForm:
    initial = _declaration(row) | {"choices": "\n".join(row.choices)}
    return AttributeForm(prefix=_attribute_prefix(label, row.name), initial=initial)


def _initial(obj: Project | Label | StanceTarget | LabelGroup, fields: tuple[str, ...]) -> dict:
    initial = {name: getattr(obj, name) for name in fields if name not in FOREIGN_KEYS}
    for name in FOREIGN_KEYS:
        if name in fields:
            initial[name] = getattr(obj, f"{name}_id", None)
    # Yes/no choices, as the forms' TypedChoiceFields show them.
    for name in ("allow_overlap", "multiple", "required"):
        if name in initial:
            initial[name] = "yes" if initial[name] else "no"
    return initial


def _recommender_choices(project: Project) -> list[tuple[int, str]]:
    return [(pk, str(name)) for pk, name in project.recommenders.values_list("pk", "name")]


def _group_choices(project: Project) -> list[tuple[int, str]]:
    return [(group.pk, group.name) for group in selectors.label_group_list(project=project)]


def _own(queryset, pk: int):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def _back_to(project: Project, section: str) -> HttpResponse:
    return redirect(reverse("annotations:project_settings", args=[project.pk]) + f"#{section}")
