from django.urls import path

from annotations import views

app_name = "annotations"

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<int:project_id>/", views.project_detail, name="project"),
    path("projects/<int:project_id>/annotate/", views.project_annotate, name="project_annotate"),
    path("projects/<int:project_id>/labels.css", views.project_labels_css, name="labels_css"),
    path(
        "documents/<int:document_id>/annotate/",
        views.document_annotate,
        name="document_annotate",
    ),
]
