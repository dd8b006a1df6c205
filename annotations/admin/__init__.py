"""Django admin for project managers: configure projects, look into documents and annotations.

One module per aggregate, each registering its ModelAdmins on import:
- projects: projects with their members, labels and stance targets (saved through
  annotations.services.projects, so the admin obeys the same rules and messages as the API);
- documents: text correctable until the first annotation;
- annotating: annotations with their spans and stances, read-only but for actions;
- events: the event log (the audit trail), read-only;
- releases and jobs: read-only, with "build again" and "resume";
- shared: project scoping, read-only bases and the helpers the actions share.
Annotations, spans, stances and events are read-only here: a write to them must bump the
annotation's version and append to the event log, which only the annotating services do. A
staff user who is not a superuser sees only the projects they manage.
"""

from annotations.admin.annotating import (
    NOT_GOLD,
    REASSIGNED,
    REOPENED,
    AnnotationAdmin,
    ReassignForm,
    SpanAdmin,
    SpanInline,
    StanceAdmin,
    StanceInline,
)
from annotations.admin.documents import (
    TEXT_DUPLICATE,
    TEXT_FROZEN,
    DocumentAdmin,
    DocumentAnnotationInline,
    DocumentForm,
)
from annotations.admin.events import AnnotationEventAdmin
from annotations.admin.jobs import ImportJobAdmin
from annotations.admin.projects import (
    DUPLICATE_IN_FORM,
    KEEP_A_MANAGER,
    MEMBERS_REMOVED,
    LabelAdmin,
    LabelForm,
    LabelFormSet,
    LabelInline,
    MembershipAdmin,
    MembershipForm,
    MembershipFormSet,
    MembershipInline,
    MembershipInlineForm,
    ProjectAdmin,
    ProjectForm,
    StanceTargetAdmin,
    StanceTargetForm,
    StanceTargetFormSet,
    StanceTargetInline,
    UniqueAcrossRowsFormSet,
    save_labels,
    save_memberships,
    save_targets,
)
from annotations.admin.releases import ReleaseAdmin, ReleaseFileInline
from annotations.admin.shared import (
    ACTION_PROBLEM,
    GOLD_REVIEWED,
    NOT_QUEUED,
    PREVIEW_CHARS,
    QUEUED_AGAIN,
    SHORT_TEXT_FIELDS,
    TEXT_FIELDS,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ScopedAdmin,
    TextareaField,
    add_service_errors,
    adopt,
    color_swatch,
    managed_projects,
)

__all__ = [
    "ACTION_PROBLEM",
    "DUPLICATE_IN_FORM",
    "GOLD_REVIEWED",
    "KEEP_A_MANAGER",
    "MEMBERS_REMOVED",
    "NOT_GOLD",
    "NOT_QUEUED",
    "PREVIEW_CHARS",
    "QUEUED_AGAIN",
    "REASSIGNED",
    "REOPENED",
    "SHORT_TEXT_FIELDS",
    "TEXT_DUPLICATE",
    "TEXT_FIELDS",
    "TEXT_FROZEN",
    "AnnotationAdmin",
    "AnnotationEventAdmin",
    "DocumentAdmin",
    "DocumentAnnotationInline",
    "DocumentForm",
    "ImportJobAdmin",
    "LabelAdmin",
    "LabelForm",
    "LabelFormSet",
    "LabelInline",
    "MembershipAdmin",
    "MembershipForm",
    "MembershipFormSet",
    "MembershipInline",
    "MembershipInlineForm",
    "ProjectAdmin",
    "ProjectForm",
    "ReadOnlyAdmin",
    "ReadOnlyInline",
    "ReassignForm",
    "ReleaseAdmin",
    "ReleaseFileInline",
    "ScopedAdmin",
    "SpanAdmin",
    "SpanInline",
    "StanceAdmin",
    "StanceInline",
    "StanceTargetAdmin",
    "StanceTargetForm",
    "StanceTargetFormSet",
    "StanceTargetInline",
    "TextareaField",
    "UniqueAcrossRowsFormSet",
    "add_service_errors",
    "adopt",
    "color_swatch",
    "managed_projects",
    "save_labels",
    "save_memberships",
    "save_targets",
]
