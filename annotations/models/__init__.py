from annotations.models.agreement import DocumentAgreement, ProjectAgreement
from annotations.models.annotating import (
    Annotation,
    AnnotationEvent,
    AnnotationKind,
    AnnotationStatus,
    Checkworthy,
    EventAction,
    Span,
    Stance,
)
from annotations.models.comments import Comment
from annotations.models.documents import Document
from annotations.models.guidelines import GuidelinesVersion
from annotations.models.jobs import ImportJob, ImportJobBatch, ImportJobChunk, ImportJobStatus
from annotations.models.projects import Label, LabelKind, Membership, Project, Role, StanceTarget
from annotations.models.releases import Release, ReleaseFile, ReleaseFileChunk, ReleaseStatus
from annotations.models.requests import IdempotentRequest

__all__ = [
    "Annotation",
    "AnnotationEvent",
    "AnnotationKind",
    "AnnotationStatus",
    "Checkworthy",
    "Comment",
    "Document",
    "DocumentAgreement",
    "EventAction",
    "GuidelinesVersion",
    "IdempotentRequest",
    "ImportJob",
    "ImportJobBatch",
    "ImportJobChunk",
    "ImportJobStatus",
    "Label",
    "LabelKind",
    "Membership",
    "Project",
    "ProjectAgreement",
    "Release",
    "ReleaseFile",
    "ReleaseFileChunk",
    "ReleaseStatus",
    "Role",
    "Span",
    "Stance",
    "StanceTarget",
]
