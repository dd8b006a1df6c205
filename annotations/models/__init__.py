from annotations.models.agreement import DocumentAgreement, ProjectAgreement
from annotations.models.annotating import (
    Annotation,
    AnnotationEvent,
    AnnotationKind,
    AnnotationStatus,
    Checkworthy,
    DocumentLabel,
    EventAction,
    Relation,
    Span,
    Stance,
)
from annotations.models.comments import Comment
from annotations.models.documents import Document
from annotations.models.guidelines import GuidelinesVersion
from annotations.models.jobs import ImportJob, ImportJobBatch, ImportJobChunk, ImportJobStatus
from annotations.models.projects import (
    AttributeType,
    Label,
    LabelAttribute,
    LabelGroup,
    LabelKind,
    Membership,
    Project,
    Role,
    StanceTarget,
)
from annotations.models.releases import Release, ReleaseFile, ReleaseFileChunk, ReleaseStatus
from annotations.models.requests import IdempotentRequest

__all__ = [
    "Annotation",
    "AnnotationEvent",
    "AnnotationKind",
    "AnnotationStatus",
    "AttributeType",
    "Checkworthy",
    "Comment",
    "Document",
    "DocumentAgreement",
    "DocumentLabel",
    "EventAction",
    "GuidelinesVersion",
    "IdempotentRequest",
    "ImportJob",
    "ImportJobBatch",
    "ImportJobChunk",
    "ImportJobStatus",
    "Label",
    "LabelAttribute",
    "LabelGroup",
    "LabelKind",
    "Membership",
    "Project",
    "ProjectAgreement",
    "Relation",
    "Release",
    "ReleaseFile",
    "ReleaseFileChunk",
    "ReleaseStatus",
    "Role",
    "Span",
    "Stance",
    "StanceTarget",
]
