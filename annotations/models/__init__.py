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
from annotations.models.documents import Document
from annotations.models.projects import (
    Label,
    LabelKind,
    Membership,
    Project,
    Role,
    StanceTarget,
)

__all__ = [
    "Annotation",
    "AnnotationEvent",
    "AnnotationKind",
    "AnnotationStatus",
    "Checkworthy",
    "Document",
    "EventAction",
    "Label",
    "LabelKind",
    "Membership",
    "Project",
    "Role",
    "Span",
    "Stance",
    "StanceTarget",
]
