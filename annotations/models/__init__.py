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
from annotations.models.claims import (
    ClaimCluster,
    ClaimEvidence,
    ClaimLink,
    ClaimLinkStatus,
    ClaimRecord,
)
from annotations.models.comments import Comment
from annotations.models.documents import Document
from annotations.models.guidelines import GuidelinesVersion
from annotations.models.jobs import ImportJob, ImportJobBatch, ImportJobChunk, ImportJobStatus
from annotations.models.matching import ClaimIndexEntry, ClaimIndexState
from annotations.models.projects import (
    AttributeType,
    Label,
    LabelAttribute,
    LabelGroup,
    LabelKind,
    Membership,
    Project,
    QueueOrder,
    Role,
    StanceTarget,
    VerdictScale,
)
from annotations.models.recommenders import (
    ModelVersion,
    ModelVersionStatus,
    Recommender,
    RecommenderKind,
    SuggestionDecision,
    SuggestionOutcome,
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
    "ClaimCluster",
    "ClaimEvidence",
    "ClaimIndexEntry",
    "ClaimIndexState",
    "ClaimLink",
    "ClaimLinkStatus",
    "ClaimRecord",
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
    "ModelVersion",
    "ModelVersionStatus",
    "Project",
    "ProjectAgreement",
    "QueueOrder",
    "Recommender",
    "RecommenderKind",
    "Relation",
    "Release",
    "ReleaseFile",
    "ReleaseFileChunk",
    "ReleaseStatus",
    "Role",
    "Span",
    "Stance",
    "StanceTarget",
    "SuggestionDecision",
    "SuggestionOutcome",
    "VerdictScale",
]
