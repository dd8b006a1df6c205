"""Browser pages: parse, call a selector or service, render. One module per page family.

Re-exported here, so that annotations.urls (and anyone else) reads ``views.<page>``.
"""

from annotations.views.annotate import (
    document_annotate,
    document_text,
    project_annotate,
    project_labels_css,
)
from annotations.views.dashboard import (
    project_dashboard,
    project_member_add,
    project_member_change,
)
from annotations.views.documents import project_documents, project_documents_assign
from annotations.views.projects import home, project_detail
from annotations.views.releases import (
    project_import,
    project_releases,
    release_compare,
    release_compare_pick,
    release_detail,
)
from annotations.views.review import document_review, project_review
from annotations.views.settings import (
    project_label_add,
    project_label_attributes,
    project_label_change,
    project_new,
    project_settings,
    project_target_add,
    project_target_change,
)

__all__ = [
    "document_annotate",
    "document_review",
    "document_text",
    "home",
    "project_annotate",
    "project_dashboard",
    "project_detail",
    "project_documents",
    "project_documents_assign",
    "project_import",
    "project_label_add",
    "project_label_attributes",
    "project_label_change",
    "project_labels_css",
    "project_member_add",
    "project_member_change",
    "project_new",
    "project_releases",
    "project_review",
    "project_settings",
    "project_target_add",
    "project_target_change",
    "release_compare",
    "release_compare_pick",
    "release_detail",
]
