"""Agreement between a project's annotators, for its reviewers and managers."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from annotations import access, selectors
from annotations.agreement_sums import counts_from_json, figures
from annotations.api import permissions
from annotations.api.base import ApiView, AuthenticatedRequest, ListApiView
from annotations.api.serializers import ErrorOutput
from annotations.claim_agreement import claim_agreement
from annotations.models import DocumentAgreement
from annotations.selectors.quality import DOCUMENT_ORDERINGS, document_agreement_list
from annotations.services import agreement as agreement_services

ORDERING_UNKNOWN = "Unknown ordering {value!r}; expected one of: {choices}."


class AgreementApi(ApiView):
    """Agreement between the project's annotators (reviewers, managers).

    Over documents with two or more submitted manual annotations: span precision, recall
    and F1 per label, overall and per pair of annotators (exact and overlap matching);
    token-level alpha on entity tags; per stance target and for check-worthiness,
    Krippendorff's alpha and Cohen's kappa per pair; per entity and claim label
    (``label_tokens``), alpha and kappa per pair on the label's presence per token; per label
    attribute (``attributes``), over the items annotators marked alike: alpha for a choice,
    alpha per choice for a multi-choice (``choices``), the exact-match rate over pairs of
    annotators for a text or a number (``exact_match``, ``pairs``). In a sentence-units
    project, ``sentences``: alpha and kappa per pair over the units (each sentence judged by
    its sentence label). ``claim_records``: over claims annotators marked alike, verdict
    alpha and kappa per pair, and the Jaccard overlap of their evidence (docs/fact-checking.md).
    An undefined figure is null.
    """

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 403: ErrorOutput, 404: ErrorOutput})
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = permissions.project_for(request, project_id, access.REVIEW_ROLES)
        totals = agreement_services.project_agreement_current(project=project)
        shown = figures(counts_from_json(totals.counts))
        shown["attributes"] = selectors.attribute_agreement(project=project)
        shown["claim_records"] = claim_agreement(selectors.claim_judgements(project_id=project.pk))
        if project.sentence_units:
            shown["sentences"] = agreement_services.sentence_agreement_current(project=project)
        return Response(shown)


class DocumentAgreementListApi(ListApiView):
    """Each document's agreement (reviewers, managers), least agreement first.

    Every document with a submitted manual annotation: the mean pairwise F1 of the
    annotators' items (null with one annotation), how many items not every annotator has,
    the annotators, span F1 (exact, overlap) and entity-token alpha between them. Stored when
    work is submitted; stale rows are computed again before the list is read.
    ``?ordering=`` one of agreement, -agreement, disagreements, -disagreements, document.
    """

    @extend_schema(
        parameters=[OpenApiParameter("ordering", str, enum=list(DOCUMENT_ORDERINGS))],
        responses={200: OpenApiTypes.OBJECT, 400: ErrorOutput, 403: ErrorOutput, 404: ErrorOutput},
    )
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = permissions.project_for(request, project_id, access.REVIEW_ROLES)
        ordering = request.query_params.get("ordering", "agreement")
        if ordering not in DOCUMENT_ORDERINGS:
            message = ORDERING_UNKNOWN.format(value=ordering, choices=", ".join(DOCUMENT_ORDERINGS))
            raise ValidationError({"ordering": [message]})
        agreement_services.project_agreement_current(project=project)
        rows = document_agreement_list(project=project, ordering=ordering)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(
            [
                # external_id: annotated by the selector.
                {"external_id": row.external_id, **document_agreement_output(row)}  # type: ignore[attr-defined]
                for row in page or []
            ]
        )


def document_agreement_output(row: DocumentAgreement) -> dict[str, Any]:
    """One document's stored agreement as the API shows it (the list and the document)."""
    shown = figures(counts_from_json(row.counts))
    return {
        "document": row.document_id,
        "agreement": row.agreement,
        "disagreements": row.disagreements,
        "annotations": len(row.computed_from),
        "annotators": shown["annotators"],
        "span_f1_exact": shown["spans"]["exact"]["overall"]["f1"],
        "span_f1_overlap": shown["spans"]["overlap"]["overall"]["f1"],
        "entity_tokens_alpha": shown["entity_tokens_alpha"],
        "computed_at": row.computed_at,
        "review_url": f"/documents/{row.document_id}/review/",
    }
