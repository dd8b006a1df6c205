"""Writes to annotations: status, spans, stances and the bulk replace. The only code that does.

Every write runs in one transaction and starts with ``annotation_lock_for_write`` (lock the
row, read it again, refuse a stale version or a closed annotation), so concurrent writers to
one annotation queue instead of losing updates. Each write ends with
``changelog.annotation_change_record``: ``Annotation.version`` goes up by exactly one and one
``AnnotationEvent`` whose ``before``/``after`` are plain JSON is appended. ``actor=None``
means the system (imports, scripts): it skips the role checks that the API's users go through.

References (labels, targets, claimants, holders, evidence) are accepted as model instances or
as ids, and are always looked up again within the annotation's project or the annotation
itself: an id of another project is a field error, never a silent cross-project link.

Modules: ``status`` (get-or-create, submit/skip/reopen), ``spans``, ``stances``,
``relations``, ``content``
(the bulk replace and its checks); shared by them: ``locking`` (the preamble), ``rules``
(annotations.rules read off models and worded as field errors), ``lookups`` (references
within scope), ``snapshots`` (what events record), ``messages``. Callers import from this
package, not from the modules.
"""

from annotations.services.annotating.content import (
    RELATION_FIELDS,
    SPAN_FIELDS,
    STANCE_FIELDS,
    AnnotationContent,
    RelationItem,
    SpanItem,
    StanceItem,
    annotation_replace_content,
)
from annotations.services.annotating.locking import Replay, annotation_lock_for_write, sync
from annotations.services.annotating.lookups import UNSET, Unset
from annotations.services.annotating.messages import (
    ANNOTATION_GONE,
    AUTHOR_AS_HOLDER,
    CHECKWORTHY_INVALID,
    CLAIM_ONLY,
    CLAIMANT_AND_TEXT,
    CLAIMANT_NOT_ENTITY,
    CLAIMANT_SELF,
    CLAIMANT_TEXT_TOO_LONG,
    CLIENT_ID_DUPLICATE,
    CLIENT_ID_INVALID,
    CLIENT_ID_REUSED,
    HOLDER_NOT_ENTITY,
    INDEX_INVALID,
    LABEL_NAME_NOT_IN_PROJECT,
    LABEL_NOT_IN_PROJECT,
    NOT_A_LIST,
    NOT_A_NAME,
    NOT_A_STRING,
    NOT_AN_ID,
    NOT_AN_OBJECT,
    NOT_WRITABLE,
    RELATION_CLIENT_ID_REUSED,
    RELATION_DUPLICATE,
    RELATION_GONE,
    RELATION_LABEL_KIND,
    RELATION_SOURCE_KIND,
    RELATION_TARGET_KIND,
    RELATION_TO_ITSELF,
    REOPEN_FORBIDDEN,
    REOPEN_SKIPPED_FORBIDDEN,
    REQUIRED,
    SPAN_GONE,
    SPAN_HOLDS_STANCES,
    SPAN_IDENTICAL,
    SPAN_IS_CLAIMANT,
    SPAN_IS_EVIDENCE,
    SPAN_LABEL_KIND,
    SPAN_NOT_IN_ANNOTATION,
    SPAN_OVERLAP,
    STALE_VERSION,
    STANCE_DUPLICATE,
    STANCE_GONE,
    STANCE_LABEL_KIND,
    STATUS_TRANSITION,
    STATUS_UNCHANGED,
    STATUS_UNKNOWN,
    TARGET_NAME_NOT_IN_PROJECT,
    TARGET_NOT_IN_PROJECT,
    UNKNOWN_FIELD,
    VERSION_INVALID,
    Errors,
)
from annotations.services.annotating.relations import (
    relation_create,
    relation_delete,
    relation_update,
)
from annotations.services.annotating.rules import CLAIMANT_TEXT_LIMIT, SPAN_LABEL_KINDS
from annotations.services.annotating.spans import span_create, span_delete, span_update
from annotations.services.annotating.stances import stance_create, stance_delete, stance_update
from annotations.services.annotating.status import (
    REOPENERS,
    TRANSITIONS,
    _manual_annotation,
    annotation_get_or_create,
    annotation_set_status,
)

__all__ = [
    "ANNOTATION_GONE",
    "AUTHOR_AS_HOLDER",
    "CHECKWORTHY_INVALID",
    "CLAIMANT_AND_TEXT",
    "CLAIMANT_NOT_ENTITY",
    "CLAIMANT_SELF",
    "CLAIMANT_TEXT_LIMIT",
    "CLAIMANT_TEXT_TOO_LONG",
    "CLAIM_ONLY",
    "CLIENT_ID_DUPLICATE",
    "CLIENT_ID_INVALID",
    "CLIENT_ID_REUSED",
    "HOLDER_NOT_ENTITY",
    "INDEX_INVALID",
    "LABEL_NAME_NOT_IN_PROJECT",
    "LABEL_NOT_IN_PROJECT",
    "NOT_AN_ID",
    "NOT_AN_OBJECT",
    "NOT_A_LIST",
    "NOT_A_NAME",
    "NOT_A_STRING",
    "NOT_WRITABLE",
    "RELATION_CLIENT_ID_REUSED",
    "RELATION_DUPLICATE",
    "RELATION_FIELDS",
    "RELATION_GONE",
    "RELATION_LABEL_KIND",
    "RELATION_SOURCE_KIND",
    "RELATION_TARGET_KIND",
    "RELATION_TO_ITSELF",
    "REOPENERS",
    "REOPEN_FORBIDDEN",
    "REOPEN_SKIPPED_FORBIDDEN",
    "REQUIRED",
    "SPAN_FIELDS",
    "SPAN_GONE",
    "SPAN_HOLDS_STANCES",
    "SPAN_IDENTICAL",
    "SPAN_IS_CLAIMANT",
    "SPAN_IS_EVIDENCE",
    "SPAN_LABEL_KIND",
    "SPAN_LABEL_KINDS",
    "SPAN_NOT_IN_ANNOTATION",
    "SPAN_OVERLAP",
    "STALE_VERSION",
    "STANCE_DUPLICATE",
    "STANCE_FIELDS",
    "STANCE_GONE",
    "STANCE_LABEL_KIND",
    "STATUS_TRANSITION",
    "STATUS_UNCHANGED",
    "STATUS_UNKNOWN",
    "TARGET_NAME_NOT_IN_PROJECT",
    "TARGET_NOT_IN_PROJECT",
    "TRANSITIONS",
    "UNKNOWN_FIELD",
    "UNSET",
    "VERSION_INVALID",
    "AnnotationContent",
    "Errors",
    "RelationItem",
    "Replay",
    "SpanItem",
    "StanceItem",
    "Unset",
    "_manual_annotation",
    "annotation_get_or_create",
    "annotation_lock_for_write",
    "annotation_replace_content",
    "annotation_set_status",
    "relation_create",
    "relation_delete",
    "relation_update",
    "span_create",
    "span_delete",
    "span_update",
    "stance_create",
    "stance_delete",
    "stance_update",
    "sync",
]
