"""The annotate pages: the caller's next document, one document, and the labels' colours.

Reading never writes. A GET shows: ``/projects/{p}/annotate/`` sends the caller to their work
in progress, or offers "Start annotating"; ``/documents/{d}/annotate/`` shows the caller's own
annotation, or the text read-only with "Start annotating this document". Only a POST (with
its CSRF token) takes a place on a document: a link followed from another site, a browser
prefetching one, or a reviewer looking at a document never assigns anything.

The annotate page is server-rendered around a JSON payload (``json_script``: data, never
markup) that ``static/annotations/annotator.js`` reads; every write after that goes through
the REST API. The document's text is not in it: the page's head asks for it
(``/documents/{d}/text/``, plain UTF-8) while the HTML is still arriving, so a 2 MB document
is sent once, as it is, and the HTML stays small enough to parse at once.
"""

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from annotations import rules, selectors, sentences, verdicts
from annotations.api.serializers import (
    AnnotationOutput,
    LabelGroupOutput,
    LabelOutput,
    TargetOutput,
)
from annotations.models import (
    Annotation,
    AnnotationKind,
    AnnotationStatus,
    Document,
    LabelKind,
    Project,
)
from annotations.services.queue import OpenLimitReached, document_assign_next, document_start
from annotations.views.base import NOT_FOUND, AuthenticatedHttpRequest, member_project

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def project_annotate(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """GET: open the user's work in progress, or offer to start; POST: assign the next one."""
    project = member_project(request, project_id)
    if request.method == "POST":
        annotation = document_assign_next(project=project, user=request.user)
        if annotation is None:
            return render(request, "annotations/all_done.html", {"project": project})
        return redirect("annotations:document_annotate", document_id=annotation.document_id)
    current = _work_in_progress(request, project)
    if current is not None:
        return redirect("annotations:document_annotate", document_id=current)
    if not selectors.document_queue_for_user(project=project, user=request.user).exists():
        return render(request, "annotations/all_done.html", {"project": project})
    return render(request, "annotations/annotate_start.html", {"project": project})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def document_annotate(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    """GET: the annotate page (read-only until started); POST: start annotating the document."""
    # The page carries no text (its script fetches it from document_text): none is read.
    document = selectors.document_get_for_user(
        user=request.user, document_id=document_id, with_text=False
    )
    if document is None:
        raise Http404(NOT_FOUND)
    if request.method == "POST":
        try:
            document_start(document=document, user=request.user)
        except OpenLimitReached as refused:
            messages.error(request, refused.detail)
        return redirect("annotations:document_annotate", document_id=document.pk)
    annotation = _own_annotation(request, document)
    project = member_project(request, document.project_id)
    labels = list(selectors.label_list(project=project))
    targets = list(selectors.target_list(project=project))
    groups = selectors.label_groups_for_labels(project=project, labels=labels)
    claim_labels = any(label.kind == LabelKind.CLAIM for label in labels)
    payload: dict[str, Any] = {
        "project": {
            "id": project.pk,
            "allow_overlap": project.allow_overlap,
            # The claim record panel's verdicts (docs/fact-checking.md).
            "verdicts": list(
                verdicts.verdict_choices(project.verdict_scale, project.verdict_labels)
            ),
        },
        "document": {
            "id": document.pk,
            "text_url": reverse("annotations:document_text", args=[document.pk]),
        },
        "annotation": (
            {
                **AnnotationOutput(annotation).data,
                **selectors.annotation_content_compact(annotation=annotation),
                "document_labels": (
                    selectors.document_label_ids(annotation=annotation) if groups else []
                ),
                # One query more, and only in a project with claim labels.
                "claim_records": (
                    list(
                        selectors.claim_records_of_annotation(annotation_id=annotation.pk).values()
                    )
                    if claim_labels
                    else []
                ),
            }
            if annotation is not None
            else _not_started(document)
        ),
        "labels": LabelOutput(labels, many=True).data,
        "targets": TargetOutput(targets, many=True).data,
        "label_groups": LabelGroupOutput(groups, many=True).data,
    }
    if project.sentence_units:
        # The sentence units (units.js): each sentence's code-point range; unit n is the n-th.
        ranges = sentences.sentence_ranges(document.text)
        payload["sentence_units"] = [list(pair) for pair in ranges]
    context = {
        "project": project,
        "document": document,
        "annotation": annotation,
        "editable": annotation is not None and annotation.status == AnnotationStatus.IN_PROGRESS,
        "skipped": annotation is not None and annotation.status == AnnotationStatus.SKIPPED,
        "span_labels": [label for label in labels if rules.takes_span_label(label.kind)],
        "sentence_labels": [label for label in labels if rules.goes_on_unit(label.kind)],
        "sentence_units": project.sentence_units,
        "relation_labels": [label for label in labels if label.kind in rules.RELATION_LABEL_KINDS],
        "targets": targets,
        "payload": payload,
        **_guidelines(project, annotation),
    }
    return render(request, "annotations/annotate.html", context)


@login_required
@require_safe
def document_text(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    """The document's text alone, as UTF-8 plain text: what the annotate page draws."""
    text = selectors.document_text_for_user(user=request.user, document_id=document_id)
    if text is None:
        raise Http404(NOT_FOUND)
    # Not cached (NoStoreMiddleware), like the page: the page's preload is what fetch reuses.
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


def _guidelines(project: Project, annotation: Annotation | None) -> dict[str, Any]:
    """The current guidelines version, and the one the annotation started under if older."""
    current = selectors.guidelines_current(project_id=project.pk)
    started = annotation.guidelines_version_id if annotation is not None else None
    changed = current is not None and started is not None and started != current.pk
    return {
        "guidelines_version": current,
        "started_under": annotation.guidelines_version if changed and annotation else None,
    }


def _work_in_progress(request: AuthenticatedHttpRequest, project: Project) -> int | None:
    """The id of the first document the user has in progress (the queue's order), or None."""
    documents = selectors.document_list_for_user(user=request.user, project=project)
    # django-stubs does not know the names a selector annotates (see selectors.base.role_of).
    found: int | None = (
        documents.filter(caller_status=AnnotationStatus.IN_PROGRESS)  # type: ignore[misc]
        .values_list("pk", flat=True)
        .first()
    )
    return found


def _own_annotation(request: AuthenticatedHttpRequest, document: Document) -> Annotation | None:
    """The user's own manual annotation of the document; None if not started."""
    own = (
        selectors.annotation_list_for_user(user=request.user, document=document)
        .filter(author=request.user, kind=AnnotationKind.MANUAL)
        .values_list("pk", flat=True)
        .first()
    )
    if own is None:
        return None
    return selectors.annotation_get_for_user(user=request.user, annotation_id=own)


def _not_started(document: Document) -> dict[str, Any]:
    """What the page's script reads for an annotation that does not exist yet: empty, read-only."""
    return {
        "id": None,
        "document": document.pk,
        "status": selectors.STATUS_NEW,
        "version": 0,
        "spans": [],
        "stances": [],
        "document_labels": [],
    }


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
