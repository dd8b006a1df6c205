"""The review pages (reviewers and managers): one document's review, and the review queue.

The review page is drawn like the annotate page, around a JSON payload of the submitted
annotations and the gold; its writes go through the REST API.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from annotations import rules, selectors, sentences, units
from annotations.api.serializers import (
    AnnotationDetailOutput,
    LabelGroupOutput,
    LabelOutput,
    TargetOutput,
)
from annotations.forms import ReviewQueueFilter
from annotations.models import AnnotationKind, AnnotationStatus
from annotations.services import agreement as agreement_services
from annotations.views.base import NOT_FOUND, AuthenticatedHttpRequest, reviewed_project

QUEUE_PAGE_SIZE = 25


@login_required
@require_safe
def document_review(request: AuthenticatedHttpRequest, document_id: int) -> HttpResponse:
    """The review page: each submitted annotator's work, the disagreements, and the gold."""
    document = selectors.document_get_for_user(user=request.user, document_id=document_id)
    if document is None:
        raise Http404(NOT_FOUND)
    project = reviewed_project(request, document.project_id)
    labels = list(selectors.label_list(project=project))
    targets = list(selectors.target_list(project=project))
    annotations = selectors.review_annotations(document=document)
    gold = next((a for a in annotations if a.kind == AnnotationKind.GOLD), None)
    manual = [a for a in annotations if a.kind == AnnotationKind.MANUAL]
    submitted = [a for a in manual if a.status == AnnotationStatus.SUBMITTED]
    payload = {
        "project": {"id": project.pk, "allow_overlap": project.allow_overlap},
        "document": {"id": document.pk, "text": document.text},
        # The side-by-side view's units (annotations/units.py), code-point ranges; in a
        # sentence-units project its sentences, so each unit's labels are one row.
        "units": (
            list(sentences.sentence_ranges(document.text))
            if project.sentence_units
            else units.text_units(document.text)
        ),
        "annotators": AnnotationDetailOutput(submitted, many=True).data,
        "gold": None if gold is None else AnnotationDetailOutput(gold).data,
        "labels": LabelOutput(labels, many=True).data,
        "targets": TargetOutput(targets, many=True).data,
        "label_groups": LabelGroupOutput(
            selectors.label_groups_for_labels(project=project, labels=labels), many=True
        ).data,
    }
    context = {
        "project": project,
        "document": document,
        "gold": gold,
        "submitted": submitted,
        "unfinished": [a for a in manual if a.status != AnnotationStatus.SUBMITTED],
        "editable": gold is None or gold.status == AnnotationStatus.IN_PROGRESS,
        "span_labels": [label for label in labels if rules.takes_span_label(label.kind)],
        "relation_labels": [label for label in labels if label.kind in rules.RELATION_LABEL_KINDS],
        "targets": targets,
        "payload": payload,
        "guidelines_version": selectors.guidelines_current(project_id=project.pk),
    }
    return render(request, "annotations/review.html", context)


@login_required
@require_safe
def project_review(request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
    """The review queue: submitted documents, lowest agreement first, with filters."""
    project = reviewed_project(request, project_id)
    members = selectors.membership_list(project=project)
    labels = selectors.label_list(project=project)
    form = ReviewQueueFilter(
        request.GET,
        usernames=[member.user.username for member in members],
        labels=[label.name for label in labels],
    )
    agreement_services.project_agreement_current(project=project)
    rows = selectors.review_queue(project=project, **form.filters())
    page = Paginator(rows, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"project": project, "form": form, "page": page, "query": query.urlencode()}
    return render(request, "annotations/review_queue.html", context)
