"""The annotate pages: the caller's next document, one document, and the labels' colours.

The annotate page is server-rendered around a JSON payload (``json_script``: data, never
markup) that ``static/annotations/annotator.js`` reads; every write after that goes through
the REST API.
"""

import re

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from annotations import rules, selectors
from annotations.api.serializers import AnnotationDetailOutput, LabelOutput, TargetOutput
from annotations.models import AnnotationStatus
from annotations.services.annotating import annotation_get_or_create
from annotations.services.queue import document_assign_next
from annotations.views.base import NOT_FOUND, AuthenticatedHttpRequest, member_project

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@login_required
@require_safe
def project_annotate(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """Open the user's next document (their work in progress first), or say all is done."""
    # A GET that may assign: the queue hands back work in progress before anything new, so
    # reloading (or a browser prefetching the link) never takes a second document.
    project = member_project(request, project_id)
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
    project = member_project(request, document.project_id)
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
    project = member_project(request, project_id)
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
