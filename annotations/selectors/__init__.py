"""Reads. Every query that leaves here is scoped to what the caller may see.

One module per sub-domain; every name a caller uses is re-exported here, so callers write
``selectors.<name>`` and never the module it lives in:

- ``base``: the caller's role and status subqueries and counting subqueries they share
- ``auth``: the API token; ``projects``: projects, members, labels, targets, progress, users
- ``documents``, ``queue`` (what the queue may hand out), ``annotations`` (visibility, the
  write path's reads, spans, stances, events)
- ``review`` and ``agreement``, ``dashboard``, ``releases``, ``jobs``, ``guidelines`` (versions)
- ``exports``: the reads behind every export (the rows' shape is ``annotations.exports.native``)

Hand-written SQL is not written here: it lives behind the fence in ``annotations.db``.
"""

from annotations.selectors.agreement import (
    DocumentWork,
    Fingerprint,
    agreement_inputs,
    document_agreement_rows,
    document_work,
    project_agreement_totals,
    submitted_fingerprint,
    usernames_present,
)
from annotations.selectors.annotations import (
    SEE_ALL_ROLES,
    SpanCreateFacts,
    annotation_content,
    annotation_get_for_user,
    annotation_list_for_user,
    annotation_lock,
    annotation_visible,
    event_get,
    event_list,
    span_create_facts,
    span_get,
    stance_get,
)
from annotations.selectors.auth import (
    token_expires_at,
    token_get,
    token_get_for_user,
    token_is_expired,
)
from annotations.selectors.base import CHUNKS_PER_FETCH, FINISHED_STATUSES, INT64, STATUS_NEW
from annotations.selectors.dashboard import (
    DOCUMENT_IN_PROGRESS,
    DOCUMENT_IN_REVIEW,
    DOCUMENT_NOT_STARTED,
    DOCUMENT_READY,
    DOCUMENT_REVIEWED,
    DOCUMENT_SKIPPED,
    DOCUMENT_STATES,
    AnnotatorProgress,
    annotator_progress,
    document_state_counts,
    label_usage,
)
from annotations.selectors.documents import (
    document_assigned_to,
    document_disputed,
    document_get_for_user,
    document_list_for_user,
    document_reviewed,
    document_with_annotators,
)
from annotations.selectors.exports import (
    EXPORT_BATCH,
    EXPORT_GOLD,
    EXPORT_INCLUDES,
    EXPORT_SUBMITTED,
    export_batches,
    export_count,
    export_vocabulary,
)
from annotations.selectors.guidelines import (
    gold_guidelines_counts,
    guidelines_current,
    guidelines_versions,
)
from annotations.selectors.jobs import (
    import_job_chunks,
    import_job_get_for_user,
    import_job_list,
    import_job_recent,
)
from annotations.selectors.projects import (
    NO_SUCH_USER,
    OVERLAPPING_SHOWN,
    OverlappingDocuments,
    documents_with_overlaps,
    label_get,
    label_list,
    membership_list,
    project_get_by_ref,
    project_get_for_user,
    project_get_with_progress_for_user,
    project_list_for_user,
    project_list_with_progress_for_user,
    project_progress_for_user,
    target_list,
    user_get_by_username,
)
from annotations.selectors.queue import document_queue_for_user
from annotations.selectors.releases import (
    release_compare_choices,
    release_file_chunks,
    release_file_get,
    release_get_for_user,
    release_list,
)
from annotations.selectors.review import (
    REVIEW_IN_REVIEW,
    REVIEW_NO_GOLD,
    REVIEW_NOT_REVIEWED,
    REVIEW_REVIEWED,
    REVIEW_STATES,
    ReviewRow,
    review_annotations,
    review_queue,
)

__all__ = [
    "CHUNKS_PER_FETCH",
    "DOCUMENT_IN_PROGRESS",
    "DOCUMENT_IN_REVIEW",
    "DOCUMENT_NOT_STARTED",
    "DOCUMENT_READY",
    "DOCUMENT_REVIEWED",
    "DOCUMENT_SKIPPED",
    "DOCUMENT_STATES",
    "EXPORT_BATCH",
    "EXPORT_GOLD",
    "EXPORT_INCLUDES",
    "EXPORT_SUBMITTED",
    "FINISHED_STATUSES",
    "INT64",
    "NO_SUCH_USER",
    "OVERLAPPING_SHOWN",
    "REVIEW_IN_REVIEW",
    "REVIEW_NOT_REVIEWED",
    "REVIEW_NO_GOLD",
    "REVIEW_REVIEWED",
    "REVIEW_STATES",
    "SEE_ALL_ROLES",
    "STATUS_NEW",
    "AnnotatorProgress",
    "DocumentWork",
    "Fingerprint",
    "OverlappingDocuments",
    "ReviewRow",
    "SpanCreateFacts",
    "agreement_inputs",
    "annotation_content",
    "annotation_get_for_user",
    "annotation_list_for_user",
    "annotation_lock",
    "annotation_visible",
    "annotator_progress",
    "document_agreement_rows",
    "document_assigned_to",
    "document_disputed",
    "document_get_for_user",
    "document_list_for_user",
    "document_queue_for_user",
    "document_reviewed",
    "document_state_counts",
    "document_with_annotators",
    "document_work",
    "documents_with_overlaps",
    "event_get",
    "event_list",
    "export_batches",
    "export_count",
    "export_vocabulary",
    "gold_guidelines_counts",
    "guidelines_current",
    "guidelines_versions",
    "import_job_chunks",
    "import_job_get_for_user",
    "import_job_list",
    "import_job_recent",
    "label_get",
    "label_list",
    "label_usage",
    "membership_list",
    "project_agreement_totals",
    "project_get_by_ref",
    "project_get_for_user",
    "project_get_with_progress_for_user",
    "project_list_for_user",
    "project_list_with_progress_for_user",
    "project_progress_for_user",
    "release_compare_choices",
    "release_file_chunks",
    "release_file_get",
    "release_get_for_user",
    "release_list",
    "review_annotations",
    "review_queue",
    "span_create_facts",
    "span_get",
    "stance_get",
    "submitted_fingerprint",
    "target_list",
    "token_expires_at",
    "token_get",
    "token_get_for_user",
    "token_is_expired",
    "user_get_by_username",
    "usernames_present",
]
