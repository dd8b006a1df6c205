from django.urls import path

from annotations import views
from annotations.views import claims as claim_views
from annotations.views import quality as quality_views
from annotations.views import recommenders as recommender_views
from annotations.views import tokens as token_views

app_name = "annotations"

urlpatterns = [
    path("", views.home, name="home"),
    path("account/token/", token_views.token_detail, name="tokens"),
    path("account/token/revoke/", token_views.token_revoke, name="token_revoke"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<int:project_id>/", views.project_detail, name="project"),
    path("projects/<int:project_id>/settings/", views.project_settings, name="project_settings"),
    path("projects/<int:project_id>/targets/", views.project_target_add, name="project_target_add"),
    path(
        "projects/<int:project_id>/targets/<int:target_id>/",
        views.project_target_change,
        name="project_target_change",
    ),
    path("projects/<int:project_id>/annotate/", views.project_annotate, name="project_annotate"),
    path("projects/<int:project_id>/labels.css", views.project_labels_css, name="labels_css"),
    path("projects/<int:project_id>/documents/", views.project_documents, name="project_documents"),
    path(
        "projects/<int:project_id>/documents/assign/",
        views.project_documents_assign,
        name="project_documents_assign",
    ),
    path("projects/<int:project_id>/review/", views.project_review, name="project_review"),
    path("projects/<int:project_id>/dashboard/", views.project_dashboard, name="project_dashboard"),
    path(
        "projects/<int:project_id>/claims/clusters/",
        claim_views.project_claim_clusters,
        name="project_claim_clusters",
    ),
    path(
        "projects/<int:project_id>/claims/clusters/<int:cluster_id>/",
        claim_views.claim_cluster_detail,
        name="claim_cluster",
    ),
    path(
        "projects/<int:project_id>/quality/", quality_views.project_quality, name="project_quality"
    ),
    path(
        "projects/<int:project_id>/recommenders/",
        recommender_views.project_recommenders,
        name="project_recommenders",
    ),
    path(
        "projects/<int:project_id>/recommenders/add/",
        recommender_views.recommender_add,
        name="recommender_add",
    ),
    path(
        "projects/<int:project_id>/recommenders/<int:recommender_id>/enabled/",
        recommender_views.recommender_enabled,
        name="recommender_enabled",
    ),
    path(
        "projects/<int:project_id>/recommenders/<int:recommender_id>/train/",
        recommender_views.recommender_train_now,
        name="recommender_train",
    ),
    path("projects/<int:project_id>/members/", views.project_member_add, name="project_member_add"),
    path(
        "projects/<int:project_id>/members/<int:user_id>/",
        views.project_member_change,
        name="project_member_change",
    ),
    path("projects/<int:project_id>/labels/", views.project_label_add, name="project_label_add"),
    path(
        "projects/<int:project_id>/label-groups/",
        views.project_label_group_add,
        name="project_label_group_add",
    ),
    path(
        "projects/<int:project_id>/label-groups/<int:group_id>/",
        views.project_label_group_change,
        name="project_label_group_change",
    ),
    path(
        "projects/<int:project_id>/labels/<int:label_id>/",
        views.project_label_change,
        name="project_label_change",
    ),
    path(
        "projects/<int:project_id>/labels/<int:label_id>/attributes/",
        views.project_label_attributes,
        name="project_label_attributes",
    ),
    path(
        "documents/<int:document_id>/annotate/",
        views.document_annotate,
        name="document_annotate",
    ),
    path("documents/<int:document_id>/text/", views.document_text, name="document_text"),
    path("documents/<int:document_id>/review/", views.document_review, name="document_review"),
    path("projects/<int:project_id>/releases/", views.project_releases, name="project_releases"),
    path("projects/<int:project_id>/import/", views.project_import, name="project_import"),
    path("releases/<int:release_id>/", views.release_detail, name="release"),
    path(
        "releases/<int:release_id>/compare/",
        views.release_compare_pick,
        name="release_compare_pick",
    ),
    path(
        "releases/<int:release_id>/compare/<int:other_id>/",
        views.release_compare,
        name="release_compare",
    ),
]
