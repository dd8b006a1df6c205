from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from annotations.api import (
    agreement,
    annotating,
    assignments,
    claims,
    comments,
    docs,
    documents,
    exports,
    gold,
    gold_accept,
    history,
    jobs,
    matching,
    occurrences,
    projects,
    queue,
    recommenders,
    relations,
    releases,
    suggestions,
    tokens,
    units,
)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", docs.SwaggerUiView.as_view(url_name="api-schema"), name="api-docs"),
    path("auth/token/", tokens.TokenApi.as_view(), name="api-token"),
    path("projects/", projects.ProjectListApi.as_view(), name="api-projects"),
    path("projects/<int:project_id>/", projects.ProjectDetailApi.as_view(), name="api-project"),
    path(
        "projects/<int:project_id>/members/",
        projects.MemberListApi.as_view(),
        name="api-members",
    ),
    path("projects/<int:project_id>/labels/", projects.LabelListApi.as_view(), name="api-labels"),
    path(
        "projects/<int:project_id>/label-groups/",
        projects.LabelGroupListApi.as_view(),
        name="api-label-groups",
    ),
    path(
        "projects/<int:project_id>/label-groups/<int:group_id>/",
        projects.LabelGroupDetailApi.as_view(),
        name="api-label-group",
    ),
    path(
        "projects/<int:project_id>/labels/<int:label_id>/",
        projects.LabelDetailApi.as_view(),
        name="api-label",
    ),
    path(
        "projects/<int:project_id>/guidelines/",
        projects.GuidelinesVersionListApi.as_view(),
        name="api-guidelines",
    ),
    path(
        "projects/<int:project_id>/targets/",
        projects.TargetListApi.as_view(),
        name="api-targets",
    ),
    path(
        "projects/<int:project_id>/documents/",
        documents.DocumentListApi.as_view(),
        name="api-documents",
    ),
    path(
        "projects/<int:project_id>/assignments/",
        assignments.AssignmentApi.as_view(),
        name="api-assignments",
    ),
    path("projects/<int:project_id>/next/", queue.QueueNextApi.as_view(), name="api-queue-next"),
    path(
        "projects/<int:project_id>/agreement/",
        agreement.AgreementApi.as_view(),
        name="api-agreement",
    ),
    path(
        "projects/<int:project_id>/agreement/documents/",
        agreement.DocumentAgreementListApi.as_view(),
        name="api-agreement-documents",
    ),
    path("projects/<int:project_id>/export/", exports.ExportApi.as_view(), name="api-export"),
    path(
        "projects/<int:project_id>/export/warnings/",
        exports.ExportWarningsApi.as_view(),
        name="api-export-warnings",
    ),
    path(
        "documents/<int:document_id>/", documents.DocumentDetailApi.as_view(), name="api-document"
    ),
    path(
        "spans/<int:span_id>/claim-record/",
        claims.ClaimRecordApi.as_view(),
        name="api-claim-record",
    ),
    path(
        "documents/<int:document_id>/comments/",
        comments.DocumentCommentListApi.as_view(),
        name="api-document-comments",
    ),
    path("comments/<int:comment_id>/", comments.CommentDetailApi.as_view(), name="api-comment"),
    path("documents/<int:document_id>/gold/", gold.GoldApi.as_view(), name="api-gold"),
    path(
        "documents/<int:document_id>/gold/accept/",
        gold_accept.GoldAcceptApi.as_view(),
        name="api-gold-accept",
    ),
    path(
        "documents/<int:document_id>/gold/agreed/",
        gold_accept.GoldAgreedApi.as_view(),
        name="api-gold-agreed",
    ),
    path(
        "documents/<int:document_id>/annotations/",
        annotating.DocumentAnnotationListApi.as_view(),
        name="api-document-annotations",
    ),
    path(
        "annotations/<int:annotation_id>/",
        annotating.AnnotationDetailApi.as_view(),
        name="api-annotation",
    ),
    path(
        "documents/<int:document_id>/sentences/",
        units.DocumentSentencesApi.as_view(),
        name="api-document-sentences",
    ),
    path(
        "annotations/<int:annotation_id>/units/<int:unit>/",
        units.UnitLabelApi.as_view(),
        name="api-unit-label",
    ),
    # Suggestions (docs/suggestions.md): what the annotation is shown, accepting, rejecting.
    path(
        "annotations/<int:annotation_id>/suggestions/",
        suggestions.SuggestionListApi.as_view(),
        name="api-suggestions",
    ),
    path(
        "annotations/<int:annotation_id>/suggestions/accept/",
        suggestions.SuggestionAcceptApi.as_view(),
        name="api-suggestions-accept",
    ),
    path(
        "annotations/<int:annotation_id>/suggestions/reject/",
        suggestions.SuggestionRejectApi.as_view(),
        name="api-suggestions-reject",
    ),
    path(
        "projects/<int:project_id>/suggestions/quality/",
        suggestions.SuggestionQualityApi.as_view(),
        name="api-suggestion-quality",
    ),
    path(
        "annotations/<int:annotation_id>/spans/",
        annotating.SpanListApi.as_view(),
        name="api-spans",
    ),
    path(
        "annotations/<int:annotation_id>/spans/occurrences/",
        occurrences.SpanOccurrencesApi.as_view(),
        name="api-span-occurrences",
    ),
    path(
        "annotations/<int:annotation_id>/spans/<int:span_id>/",
        annotating.SpanDetailApi.as_view(),
        name="api-span",
    ),
    path(
        "annotations/<int:annotation_id>/stances/",
        annotating.StanceListApi.as_view(),
        name="api-stances",
    ),
    path(
        "annotations/<int:annotation_id>/stances/<int:stance_id>/",
        annotating.StanceDetailApi.as_view(),
        name="api-stance",
    ),
    path(
        "annotations/<int:annotation_id>/relations/",
        relations.RelationListApi.as_view(),
        name="api-relations",
    ),
    path(
        "annotations/<int:annotation_id>/relations/<int:relation_id>/",
        relations.RelationDetailApi.as_view(),
        name="api-relation",
    ),
    path("annotations/<int:annotation_id>/bulk/", annotating.BulkApi.as_view(), name="api-bulk"),
    path(
        "annotations/<int:annotation_id>/document-labels/",
        annotating.DocumentLabelsApi.as_view(),
        name="api-document-labels",
    ),
    path(
        "annotations/<int:annotation_id>/events/",
        history.AnnotationEventListApi.as_view(),
        name="api-events",
    ),
    path("events/<int:event_id>/revert/", history.EventRevertApi.as_view(), name="api-revert"),
    path(
        "projects/<int:project_id>/releases/",
        releases.ReleaseListApi.as_view(),
        name="api-releases",
    ),
    path(
        "projects/<int:project_id>/recommenders/",
        recommenders.RecommenderListApi.as_view(),
        name="api-recommenders",
    ),
    path(
        "projects/<int:project_id>/recommenders/<int:recommender_id>/",
        recommenders.RecommenderDetailApi.as_view(),
        name="api-recommender",
    ),
    path(
        "projects/<int:project_id>/recommenders/<int:recommender_id>/versions/",
        recommenders.ModelVersionListApi.as_view(),
        name="api-recommender-versions",
    ),
    path(
        "projects/<int:project_id>/recommenders/<int:recommender_id>/train/",
        recommenders.RecommenderTrainApi.as_view(),
        name="api-recommender-train",
    ),
    path("spans/<int:span_id>/matches/", matching.SpanMatchesApi.as_view(), name="api-matches"),
    path(
        "projects/<int:project_id>/claim-links/",
        matching.ClaimLinkListApi.as_view(),
        name="api-claim-links",
    ),
    path(
        "claim-links/<int:link_id>/", matching.ClaimLinkDetailApi.as_view(), name="api-claim-link"
    ),
    path(
        "projects/<int:project_id>/claim-clusters/",
        matching.ClaimClusterListApi.as_view(),
        name="api-claim-clusters",
    ),
    path(
        "claim-clusters/<int:cluster_id>/",
        matching.ClaimClusterDetailApi.as_view(),
        name="api-claim-cluster",
    ),
    path("releases/<int:release_id>/", releases.ReleaseDetailApi.as_view(), name="api-release"),
    path(
        "releases/<int:release_id>/download/",
        releases.ReleaseDownloadApi.as_view(),
        name="api-release-download",
    ),
    path(
        "releases/<int:release_id>/compare/<int:other_id>/",
        releases.ReleaseCompareApi.as_view(),
        name="api-release-compare",
    ),
    path("projects/<int:project_id>/jobs/", jobs.ImportJobListApi.as_view(), name="api-jobs"),
    path("jobs/<int:job_id>/", jobs.ImportJobDetailApi.as_view(), name="api-job"),
    path("jobs/<int:job_id>/resume/", jobs.ImportJobResumeApi.as_view(), name="api-job-resume"),
]
