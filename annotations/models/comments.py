"""Comments: threads on a document and on one span or stance, with resolved state and mentions.

A comment belongs to a document and, optionally, to one *target*: a span or a stance (never
both). ``annotation`` is the annotation whose work the comment is about: the target's
annotation, or, for an annotator's note on the document, the annotator's own annotation; it
is empty only for a document comment by a reviewer or manager. Who may read a comment follows
from it alone, as for annotations themselves (blind annotation): an annotator reads comments
with no annotation and comments on annotations they may read (their own, the predictions).

A target may be deleted (an annotator deletes a highlight, a bulk save replaces every span):
the comment stays, on the document's thread, with ``annotation`` and the caption of what it
was about (``target_caption``), so no note is lost and the blind rule still holds for it.
Comments are not annotation changes: they do not bump an annotation's version and are not
written to the event log (``AnnotationEvent``); ``edited_at`` and ``resolved_*`` are their
history.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

from annotations.models.annotating import Annotation, Span, Stance
from annotations.models.documents import Document

# A comment is a note, not a document: long enough for a paragraph of reasons.
BODY_MAX_LENGTH = 5000


class Comment(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="comments")
    annotation = models.ForeignKey(
        Annotation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
        help_text="Whose work it is about (the target's annotation, or an annotator's own); "
        "empty for a reviewer's or manager's note on the document.",
    )
    # SET_NULL: deleting a highlight must not delete the discussion about it; the comment
    # moves to the document's thread with its caption.
    span = models.ForeignKey(
        Span, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    stance = models.ForeignKey(
        Stance, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    target_caption = models.CharField(
        max_length=200,
        blank=True,
        help_text='What the target was when the comment was written ("PER “Macron”").',
    )
    # PROTECT: deleting an account must never delete what was said under it.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    body = models.TextField(help_text=f"Plain text, 1 to {BODY_MAX_LENGTH} characters.")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="comment_mentions"
    )

    # Set by the selectors that read it for a user (their role in its project), else absent.
    caller_role: str | None

    class Meta:
        ordering = ["document_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(span__isnull=True) | Q(stance__isnull=True),
                name="%(app_label)s_%(class)s_one_target",
            ),
            models.CheckConstraint(
                condition=Q(span__isnull=True, stance__isnull=True) | Q(annotation__isnull=False),
                name="%(app_label)s_%(class)s_target_has_annotation",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolved_by__isnull=True)
                | Q(resolved_at__isnull=False, resolved_by__isnull=False),
                name="%(app_label)s_%(class)s_resolved_by_whom",
            ),
            models.CheckConstraint(
                condition=Q(
                    GreaterThanOrEqual(Length("body"), 1),
                    LessThanOrEqual(Length("body"), BODY_MAX_LENGTH),
                ),
                name="%(app_label)s_%(class)s_body_length",
            ),
        ]
        indexes = [
            # The review queue counts open comments per document.
            models.Index(
                fields=["document"],
                condition=Q(resolved_at__isnull=True),
                name="comment_open_document_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"comment #{self.pk}"
