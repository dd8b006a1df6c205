"""Agreement between a project's annotators, for its reviewers and managers."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from annotations import access
from annotations.agreement_sums import counts_from_json, figures
from annotations.api import permissions
from annotations.api.base import ApiView, AuthenticatedRequest
from annotations.api.serializers import ErrorOutput
from annotations.services import agreement as agreement_services


class AgreementApi(ApiView):
    """Agreement between the project's annotators (reviewers, managers).

    Over documents with two or more submitted manual annotations: span precision, recall
    and F1 per label, overall and per pair of annotators (exact and overlap matching);
    token-level alpha on entity tags; per stance target and for check-worthiness,
    Krippendorff's alpha and Cohen's kappa per pair. An undefined figure is null.
    """

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 403: ErrorOutput, 404: ErrorOutput})
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = permissions.project_for(request, project_id, access.REVIEW_ROLES)
        totals = agreement_services.project_agreement_current(project=project)
        return Response(figures(counts_from_json(totals.counts)))
