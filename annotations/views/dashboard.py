"""Browser pages: parse, call a selector or service, render.

Every page of a project is reached through the caller's membership: a non-member gets 404,
exactly as for an id that does not exist. The annotate page is server-rendered around a JSON
payload (``json_script``: data, never markup) that ``static/annotations/annotator.js`` reads;
every write after that goes through the REST API. The release and import pages are drawn here
too; their scripts post the forms to the API and follow background work.
"""

import re
from statistics import median
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from annotations import access, rules, selectors
from annotations.agreement import project_agreement
from annotations.api.serializers import AnnotationDetailOutput, LabelOutput, TargetOutput
from annotations.charts import AgreementBar, CountBar, agreement_chart, count_chart
from annotations.errors import Conflict, InvalidInput
from annotations.forms import (
    ImportForm,
    LabelForm,
    MemberAddForm,
    MemberRoleForm,
    ReleaseForm,
    ReviewQueueFilter,
)
from annotations.models import (
    AnnotationKind,
    AnnotationStatus,
    Project,
    Release,
    ReleaseStatus,
)
from annotations.services import projects as project_services
from annotations.services.annotating import annotation_get_or_create
from annotations.services.queue import document_assign_next
from annotations.services.releases import release_compare as compare_releases

NOT_FOUND = "Not found."
REVIEWERS_ONLY = "Only reviewers and managers of this project review its documents."
QUEUE_PAGE_SIZE = 25
MANAGERS_ONLY = "Only managers of this project change its members and labels."
MEMBER_ADDED = "{username} is now a {role} of this project."
MEMBER_REMOVED = "{username} is no longer a member of this project."
LABEL_SAVED = "Label {name} saved."
RELEASES_REVIEWERS_ONLY = "Only reviewers and managers of this project read its releases."
IMPORT_MANAGERS_ONLY = "Only managers of this project import documents."
RELEASES_PAGE_SIZE = 25
RECENT_JOBS = 20
# The label chart's groups, in this order, named for people.
KIND_GROUPS = {"entity": "Entities", "claim": "Claims", "stance": "Stances"}
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a ``login_required`` page, whose user is therefore an account.

    Only a type for the views' signatures: Django hands them a plain request.
    """

    user: User


@login_required
@require_safe
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the user's projects with their progress."""
    projects = selectors.project_list_with_progress_for_user(user=request.user)
    return render(request, "annotations/home.html", {"projects": projects})


@login_required
@require_safe
def project_detail(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """Show a project: description, guidelines, labels, targets and "Start annotating"."""
    project = _project(request, project_id)
    context = {
        "project": project,
        "labels": selectors.label_list(project=project),
        "targets": selectors.target_list(project=project),
        "can_review": access.may_review(project.caller_role),
        "can_manage": access.may_manage(project.caller_role),
    }
    return render(request, "annotations/project.html", context)


@login_required
@require_safe
def project_annotate(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """Open the user's next document (their work in progress first), or say all is done."""
    # A GET that may assign: the queue hands back work in progress before anything new, so
    # reloading (or a browser prefetching the link) never takes a second document.
    project = _project(request, project_id)
    annotation = document_assign_next(project=project, user=request.user)
    if annotation is None:
        return render(request, "annotations/all_done.html", {"project": project})
    return redirect("annotations:document_annotate", document_id=annotation.document_id)


@login_required
@require_safe
def document_annotate(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    """The annotate page: the document, the user's own annotation of it, labels and targets."""
    document = selectors.document_get_for_user(user=request.user, document_id=document_id)
    if document is None:
        raise Http404(NOT_FOUND)
    own, _created = annotation_get_or_create(document=document, author=request.user)
    annotation = selectors.annotation_get_for_user(
        user=request.user, annotation_id=own.pk, with_content=True
    )
    assert annotation is not None  # the caller's own, just read or created
    project = _project(request, document.project_id)
    labels = list(selectors.label_list(project=project))
    targets = list(selectors.target_list(project=project))
    payload = {
        "project": {"id": project.pk, "allow_overlap": project.allow_overlap},
        "document": {"id": document.pk, "text": document.text},
        "annotation": AnnotationDetailOutput(annotation).data,
        "labels": LabelOutput(labels, many=True).data,
        "targets": TargetOutput(targets, many=True).data,
    }
    context = {
        "project": project,
        "document": document,
        "annotation": annotation,
        "editable": annotation.status == AnnotationStatus.IN_PROGRESS,
        "span_labels": [label for label in labels if rules.takes_span_label(label.kind)],
        "targets": targets,
        "payload": payload,
    }
    return render(request, "annotations/annotate.html", context)


@login_required
@require_safe
def project_labels_css(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """The project's label colours as CSS classes: colours without inline styles."""
    project = _project(request, project_id)
    rules = []
    for label in selectors.label_list(project=project):
        # The database allows nothing else; checked again because this text becomes CSS.
        if not HEX_COLOUR.fullmatch(label.color):
            continue
        red, green, blue = (int(label.color[i : i + 2], 16) for i in (1, 3, 5))
        # Black or white text, whichever reads better on the full colour.
        ink = "#000" if (299 * red + 587 * green + 114 * blue) / 1000 > 140 else "#fff"
        rules.append(
            f".lbl-{label.pk} {{ --label: {label.color}; --label-ink: {ink}; "
            f"--label-tint: rgb({red} {green} {blue} / 0.22); "
            f"--label-tint-strong: rgb({red} {green} {blue} / 0.4); }}\n"
        )
    response = HttpResponse("".join(rules), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_safe
def document_review(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    """The review page: each submitted annotator's work, the disagreements, and the gold."""
    document = selectors.document_get_for_user(user=request.user, document_id=document_id)
    if document is None:
        raise Http404(NOT_FOUND)
    project = _reviewed_project(request, document.project_id)
    labels = list(selectors.label_list(project=project))
    targets = list(selectors.target_list(project=project))
    annotations = selectors.review_annotations(document=document)
    gold = next((a for a in annotations if a.kind == AnnotationKind.GOLD), None)
    manual = [a for a in annotations if a.kind == AnnotationKind.MANUAL]
    submitted = [a for a in manual if a.status == AnnotationStatus.SUBMITTED]
    payload = {
        "project": {"id": project.pk, "allow_overlap": project.allow_overlap},
        "document": {"id": document.pk, "text": document.text},
        "annotators": AnnotationDetailOutput(submitted, many=True).data,
        "gold": None if gold is None else AnnotationDetailOutput(gold).data,
        "labels": LabelOutput(labels, many=True).data,
        "targets": TargetOutput(targets, many=True).data,
    }
    context = {
        "project": project,
        "document": document,
        "gold": gold,
        "submitted": submitted,
        "unfinished": [a for a in manual if a.status != AnnotationStatus.SUBMITTED],
        "editable": gold is None or gold.status == AnnotationStatus.IN_PROGRESS,
        "span_labels": [label for label in labels if rules.takes_span_label(label.kind)],
        "targets": targets,
        "payload": payload,
    }
    return render(request, "annotations/review.html", context)


@login_required
@require_safe
def project_review(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """The review queue: submitted documents, lowest agreement first, with filters."""
    project = _reviewed_project(request, project_id)
    members = selectors.membership_list(project=project)
    labels = selectors.label_list(project=project)
    form = ReviewQueueFilter(
        request.GET,
        usernames=[member.user.username for member in members],
        labels=[label.name for label in labels],
    )
    rows = selectors.review_queue(project=project, **form.filters())
    page = Paginator(rows, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"project": project, "form": form, "page": page, "query": query.urlencode()}
    return render(request, "annotations/review_queue.html", context)


@login_required
@require_safe
def project_dashboard(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """The dashboard: progress, document states, labels, agreement, time; members and labels."""
    project = _reviewed_project(request, project_id)
    return _render_dashboard(request, project)


@login_required
@require_POST
def project_member_add(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """Add a member by username with a role (or change the role of one already in)."""
    project = _managed_project(request, project_id)
    form = MemberAddForm(request.POST, prefix="member")
    if form.is_valid():
        username, role = form.cleaned_data["username"], form.cleaned_data["role"]
        user = selectors.user_get_by_username(username=username)
        if user is None:
            form.add_error("username", selectors.NO_SUCH_USER.format(username=username))
        elif _saved(form, project_services.membership_set, project=project, user=user, role=role):
            messages.success(request, MEMBER_ADDED.format(username=username, role=role))
            return _back_to(project, "members")
    return _render_dashboard(request, project, member_form=form, status=400)


@login_required
@require_POST
def project_member_change(
    request: AuthenticatedHttpRequest, project_id: int, user_id: int
) -> HttpResponse:
    """Change a member's role, or remove them (the "remove" button)."""
    project = _managed_project(request, project_id)
    membership = _membership(project, user_id)
    form = MemberRoleForm(request.POST, prefix=f"role-{user_id}")
    user = membership.user
    if "remove" in request.POST:
        if _saved(form, project_services.membership_remove, project=project, user=user):
            messages.success(request, MEMBER_REMOVED.format(username=user.username))
            return _back_to(project, "members")
    elif form.is_valid():
        role = form.cleaned_data["role"]
        if _saved(form, project_services.membership_set, project=project, user=user, role=role):
            messages.success(request, MEMBER_ADDED.format(username=user.username, role=role))
            return _back_to(project, "members")
    return _render_dashboard(request, project, role_forms={user_id: form}, status=400)


@login_required
@require_POST
def project_label_add(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """Add a label: name, kind, colour (optional), key and description."""
    project = _managed_project(request, project_id)
    form = LabelForm(request.POST, prefix="label")
    if form.is_valid():
        fields = form.cleaned_data | {"color": form.cleaned_data["color"] or None}
        if _saved(form, project_services.label_create, project=project, **fields):
            messages.success(request, LABEL_SAVED.format(name=fields["name"]))
            return _back_to(project, "labels")
    return _render_dashboard(request, project, label_form=form, status=400)


@login_required
@require_POST
def project_label_change(
    request: AuthenticatedHttpRequest, project_id: int, label_id: int
) -> HttpResponse:
    """Change a label's fields; only those the form changed are sent to the service."""
    project = _managed_project(request, project_id)
    label = selectors.label_list(project=project).filter(pk=label_id).first()
    if label is None:
        raise Http404(NOT_FOUND)
    form = LabelForm(request.POST, prefix=f"label-{label.pk}", initial=_label_initial(label))
    if form.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        if not changed.get("color", True):
            changed.pop("color")  # left empty: keep the colour
        if _saved(form, project_services.label_update, label=label, **changed):
            messages.success(request, LABEL_SAVED.format(name=form.cleaned_data["name"]))
            return _back_to(project, "labels")
    return _render_dashboard(request, project, label_forms={label.pk: form}, status=400)


def _render_dashboard(
    request: AuthenticatedHttpRequest,
    project: Project,
    *,
    member_form: MemberAddForm | None = None,
    role_forms: dict | None = None,
    label_form: LabelForm | None = None,
    label_forms: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    labels = list(selectors.label_usage(project=project))
    agreement = project_agreement(selectors.agreement_inputs(project=project))
    exact, overlap = agreement["spans"]["exact"]["labels"], agreement["spans"]["overlap"]["labels"]
    bars = []
    for label in labels:
        f1_exact = exact.get(label.name, {}).get("f1")
        f1_overlap = overlap.get(label.name, {}).get("f1")
        # Read by the dashboard template beside the label's own fields (as is .form below).
        label.f1_exact, label.f1_overlap = f1_exact, f1_overlap  # type: ignore[attr-defined]
        if rules.takes_span_label(label.kind):
            bars.append(AgreementBar(label.name, label.color, f1_exact, f1_overlap))
    people = selectors.annotator_progress(project=project)
    all_seconds = [second for person in people for second in person.seconds]
    role_forms = role_forms or {}
    label_forms = label_forms or {}
    for person in people:
        # A form per member: a failed change re-renders with its errors where it was made.
        person.role_form = role_forms.get(  # type: ignore[attr-defined]
            person.user_id
        ) or MemberRoleForm(prefix=f"role-{person.user_id}", initial={"role": person.role})
    for label in labels:
        label.form = label_forms.get(  # type: ignore[attr-defined]
            label.pk
        ) or LabelForm(prefix=f"label-{label.pk}", initial=_label_initial(label))
    context = {
        "project": project,
        "can_manage": access.may_manage(project.caller_role),
        "people": people,
        "states": selectors.document_state_counts(project=project),
        "labels": labels,
        "agreement": agreement,
        "chart": agreement_chart(bars, title="Agreement per label: F1 between annotators"),
        "median_seconds": median(all_seconds) if all_seconds else None,
        "timed": len(all_seconds),
        "member_form": member_form or MemberAddForm(prefix="member"),
        "label_form": label_form or LabelForm(prefix="label"),
    }
    return render(request, "annotations/dashboard.html", context, status=status)


@login_required
@require_safe
def project_releases(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """The project's releases, newest first, with their progress; managers create one here."""
    project = _reviewed_project(request, project_id, RELEASES_REVIEWERS_ONLY)
    releases = selectors.release_list(project=project)
    page = Paginator(releases, RELEASES_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "project": project,
        "page": page,
        "can_manage": access.may_manage(project.caller_role),
        "form": ReleaseForm(),
    }
    return render(request, "annotations/releases.html", context)


@login_required
@require_safe
def release_detail(request: AuthenticatedHttpRequest, release_id: int) -> HttpResponse:
    """A release's data card: counts, label distribution, agreement at release time, files."""
    release = _release(request, release_id)
    ready = release.status == ReleaseStatus.READY
    title = f"Label distribution of {release.name}"
    context = {
        "release": release,
        "project": release.project,
        "ready": ready,
        "chart": count_chart(_label_bars(release), title=title) if ready else None,
        "agreement": release.agreement,
        "agreement_labels": _agreement_rows(release.agreement),
        "others": selectors.release_compare_choices(release=release) if ready else [],
    }
    return render(request, "annotations/release.html", context)


@login_required
@require_safe
def release_compare_pick(request: AuthenticatedHttpRequest, release_id: int) -> HttpResponse:
    """Open the comparison the "Compare with" form chose: the older release first."""
    release = _release(request, release_id)
    try:
        other_id = int(request.GET.get("with", ""))
    except ValueError:
        return redirect("annotations:release", release_id=release.pk)
    first, second = sorted((release.pk, other_id))
    return redirect("annotations:release_compare", release_id=first, other_id=second)


@login_required
@require_safe
def release_compare(
    request: AuthenticatedHttpRequest, release_id: int, other_id: int
) -> HttpResponse:
    """What changed from one release to another: documents, and items per label."""
    base, other = _release(request, release_id), _release(request, other_id)
    context: dict[str, Any] = {"base": base, "other": other, "project": base.project}
    try:
        context["changes"] = compare_releases(base=base, other=other)
    except (Conflict, InvalidInput) as error:
        context["error"] = error.detail
        status = 409 if isinstance(error, Conflict) else 400
        return render(request, "annotations/release_compare.html", context, status=status)
    return render(request, "annotations/release_compare.html", context)


@login_required
@require_safe
def project_import(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """The import page: a file and its options, the report, and the recent import jobs."""
    project = _managed_project(request, project_id, IMPORT_MANAGERS_ONLY)
    context = {
        "project": project,
        "form": ImportForm(),
        "jobs": selectors.import_job_recent(project=project, limit=RECENT_JOBS),
        "recent": RECENT_JOBS,
        "threshold": settings.IMPORT_BACKGROUND_THRESHOLD,
        "max_bytes": settings.IMPORT_MAX_BYTES,
    }
    return render(request, "annotations/import.html", context)


def _label_bars(release: Release) -> list[CountBar]:
    """The release's label counts as chart rows: by kind, then the most used first."""
    # Colours are the labels' current ones; a label renamed or deleted since is drawn grey.
    colours = dict(selectors.label_list(project=release.project).values_list("name", "color"))
    kinds = list(KIND_GROUPS)
    counts = sorted(
        release.label_counts.items(),
        key=lambda item: (kinds.index(item[1]["kind"]), -item[1]["count"], item[0]),
    )
    return [
        CountBar(name, colours.get(name, ""), entry["count"], KIND_GROUPS[entry["kind"]])
        for name, entry in counts
    ]


def _agreement_rows(agreement: dict | None) -> list[dict]:
    """Per label: exact precision, recall and F1, and overlap F1, from a stored agreement."""
    if not agreement:
        return []
    exact = agreement["spans"]["exact"]["labels"]
    overlap = agreement["spans"]["overlap"]["labels"]
    return [
        {"name": name, "exact": exact.get(name, {}), "overlap": overlap.get(name, {})}
        for name in sorted(exact.keys() | overlap.keys())
    ]


def _release(request: AuthenticatedHttpRequest, release_id: int) -> Release:
    """Return a release for a reviewer or manager; 404 for a non-member, 403 for others."""
    release = selectors.release_get_for_user(user=request.user, release_id=release_id)
    if release is None:
        raise Http404(NOT_FOUND)
    _check_role(release.caller_role, access.REVIEW_ROLES, RELEASES_REVIEWERS_ONLY)
    return release


def _saved(form, service, **kwargs) -> bool:
    """Call a project service; put its field errors on the form and say whether it worked."""
    try:
        service(**kwargs)
    except InvalidInput as error:
        for name, field_errors in error.errors.items():
            form.add_error(name if name in form.fields else None, field_errors)
        return False
    return True


def _label_initial(label) -> dict:
    return {
        "name": label.name,
        "kind": label.kind,
        "color": label.color,
        "shortcut": label.shortcut,
        "description": label.description,
    }


def _back_to(project: Project, section: str) -> HttpResponse:
    return redirect(reverse("annotations:project_dashboard", args=[project.pk]) + f"#{section}")


def _membership(project: Project, user_id: int):
    membership = selectors.membership_list(project=project).filter(user_id=user_id).first()
    if membership is None:
        raise Http404(NOT_FOUND)
    return membership


def _managed_project(
    request: AuthenticatedHttpRequest, project_id: int, refusal: str = MANAGERS_ONLY
) -> Project:
    """Return the project for a manager; 404 for a non-member, 403 (``refusal``) for others."""
    project = selectors.project_get_for_user(user=request.user, project_id=project_id)
    if project is None:
        raise Http404(NOT_FOUND)
    _check_role(project.caller_role, access.MANAGE_ROLES, refusal)
    return project


def _reviewed_project(
    request: AuthenticatedHttpRequest, project_id: int, refusal: str = REVIEWERS_ONLY
) -> Project:
    """Return the project for a reviewer or manager; 404 for a non-member, 403 for others."""
    project = selectors.project_get_for_user(user=request.user, project_id=project_id)
    if project is None:
        raise Http404(NOT_FOUND)
    _check_role(project.caller_role, access.REVIEW_ROLES, refusal)
    return project


def _check_role(role: str | None, allowed: tuple[str, ...], refusal: str) -> None:
    """Raise 404 for a non-member (no role) and 403 (``refusal``) for a role not in ``allowed``."""
    refused = access.refusal(role, allowed)
    if refused is access.Refusal.NOT_FOUND:
        raise Http404(NOT_FOUND)
    if refused is access.Refusal.FORBIDDEN:
        raise PermissionDenied(refusal)


def _project(request: AuthenticatedHttpRequest, project_id: int) -> Project:
    """Return the user's project with their role and progress, or 404 for a non-member."""
    project = selectors.project_get_with_progress_for_user(user=request.user, project_id=project_id)
    if project is None:
        raise Http404(NOT_FOUND)
    return project
