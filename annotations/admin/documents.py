"""Documents: their text can be corrected until the first annotation, then it is frozen."""

from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator

from annotations import repair, tasks
from annotations.admin.shared import (
    ACTION_PROBLEM,
    GOLD_REVIEWED,
    PREVIEW_CHARS,
    ReadOnlyInline,
    ScopedAdmin,
    count_of,
    report_action,
    service_error_text,
    staff_user,
)
from annotations.errors import ServiceError
from annotations.models import Annotation, Document
from annotations.services.ingest.preparation import meta_error
from annotations.services.review import gold_set_reviewed
from annotations.text import bidi_control_error

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _Counted(TypedDict):
    """What DocumentAdmin.get_queryset annotates."""

    annotation_count: int


TEXT_FROZEN = (
    "This document has been annotated; its text can no longer change (offsets point into it)."
)
TEXT_DUPLICATE = "Document {other} of this project already has exactly this text."


class DocumentForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ("text", "external_id", "meta")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "text" in self.fields:
            # Offsets count every character: leading and trailing whitespace stay.
            cast(forms.CharField, self.fields["text"]).strip = False

    def clean_text(self) -> str:
        # Browsers submit a textarea with CRLF line breaks; stored text has LF only.
        text, _ = repair.fix_line_breaks(self.cleaned_data["text"])
        if text == self.instance.text:
            return text
        if self.instance.annotations.exists():
            raise ValidationError(TEXT_FROZEN)
        other = (
            Document.objects.filter(
                project_id=self.instance.project_id, content_hash=repair.content_hash(text)
            )
            .exclude(pk=self.instance.pk)
            .values_list("pk", flat=True)
            .first()
        )
        if other is not None:
            raise ValidationError(TEXT_DUPLICATE.format(other=other))
        return text

    # The import's own rules, so that the admin cannot store what an import refuses.
    def clean_external_id(self) -> str:
        external_id: str = self.cleaned_data["external_id"]
        if problem := bidi_control_error(external_id, field="external_id"):
            raise ValidationError(problem)
        return external_id

    def clean_meta(self) -> Any:
        meta = self.cleaned_data["meta"]
        if problem := meta_error(meta):
            raise ValidationError(problem)
        return meta


class DocumentAnnotationInline(ReadOnlyInline):
    model = Annotation
    fields = ("kind", "author", "status", "version", "updated_at")
    readonly_fields = fields
    verbose_name_plural = "annotations"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Annotation]:
        return super().get_queryset(request).select_related("author")


@admin.register(Document)
class DocumentAdmin(ScopedAdmin):
    form = DocumentForm
    list_display = ("id", "external_id", "preview", "project", "annotation_count", "created_at")
    list_display_links = ("id", "external_id")
    list_select_related = ("project",)
    list_filter = (("project", admin.RelatedOnlyFieldListFilter), "created_at")
    search_fields = ("=id", "external_id", "text")
    inlines = (DocumentAnnotationInline,)
    actions = ("mark_gold_reviewed",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Document]:
        queryset = super().get_queryset(request)
        return queryset.annotate(annotation_count=count_of(Annotation, "document"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Documents come in through an import, which repairs text and skips duplicates.
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Document | None = None):
        fields = ("project", "content_hash", "ingestion_report", "created_at")
        if obj is not None and obj.annotations.exists():
            return ("text", *fields)
        return fields

    @admin.display(description="text")
    def preview(self, obj: Document) -> str:
        return Truncator(obj.text).chars(PREVIEW_CHARS)

    @admin.display(description="annotations", ordering="annotation_count")
    def annotation_count(self, obj: "WithAnnotations[Document, _Counted]") -> int:
        return obj.annotation_count

    @admin.action(description="Mark the selected documents' gold reviewed")
    def mark_gold_reviewed(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        done, problems = 0, []
        for document in queryset.order_by("pk"):
            try:
                gold_set_reviewed(document=document, reviewed=True, actor=staff_user(request))
            except ServiceError as error:
                problems.append(
                    ACTION_PROBLEM.format(
                        item=f"Document {document.pk}", why=service_error_text(error)
                    )
                )
            else:
                done += 1
                tasks.recommenders_gold_reviewed(document_id=document.pk)
        report_action(self, request, GOLD_REVIEWED.format(count=done), problems)

    def save_model(self, request: HttpRequest, obj: Document, form, change: bool) -> None:
        if "text" in form.changed_data:
            # Checked again under the row lock: an annotation may have started meanwhile.
            Document.objects.select_for_update().filter(pk=obj.pk).values_list("pk").first()
            if Annotation.objects.filter(document_id=obj.pk).exists():
                raise ValidationError(TEXT_FROZEN)
            obj.content_hash = repair.content_hash(obj.text)
        super().save_model(request, obj, form, change)
