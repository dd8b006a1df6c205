"""Output shapes shared by several views. Read-only renderings of model rows: no logic here."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.models import (
    Annotation,
    AnnotationKind,
    Document,
    Label,
    Membership,
    Project,
    Span,
    Stance,
    StanceTarget,
)
from annotations.selectors import STATUS_NEW

DOCUMENT_STATUSES = (STATUS_NEW, "in_progress", "submitted", "skipped")


# "status" and "kind" each name two choice sets (a document's status includes "new"; an
# annotation's kind is not a label's). Wrapped in allOf, these two stay inline instead of
# colliding with the others as same-named enum components.
@extend_schema_field({"allOf": [{"type": "string", "enum": list(DOCUMENT_STATUSES)}]})
class DocumentStatusField(serializers.CharField):
    """The caller's status for a document."""


@extend_schema_field({"allOf": [{"type": "string", "enum": list(AnnotationKind.values)}]})
class AnnotationKindField(serializers.CharField):
    """manual, gold or prediction."""


class ProjectOutput(serializers.ModelSerializer):
    role = serializers.CharField(source="caller_role", read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "description",
            "guidelines",
            "allow_overlap",
            "annotators_per_document",
            "role",
            "created_at",
        ]


class MemberOutput(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "username", "role"]


class LabelOutput(serializers.ModelSerializer):
    class Meta:
        model = Label
        fields = ["id", "name", "kind", "color", "shortcut", "description"]


class TargetOutput(serializers.ModelSerializer):
    class Meta:
        model = StanceTarget
        fields = ["id", "name", "description"]


class DocumentListOutput(serializers.ModelSerializer):
    status = DocumentStatusField(source="caller_status", read_only=True)
    has_gold = serializers.BooleanField(read_only=True)

    class Meta:
        model = Document
        fields = ["id", "external_id", "meta", "status", "has_gold"]


class DocumentOutput(serializers.ModelSerializer):
    status = DocumentStatusField(source="caller_status", read_only=True)

    class Meta:
        model = Document
        fields = [
            "id",
            "project",
            "external_id",
            "meta",
            "text",
            "status",
            "ingestion_report",
            "created_at",
        ]


class SpanOutput(serializers.ModelSerializer):
    label_name = serializers.CharField(source="label.name", read_only=True)

    class Meta:
        model = Span
        fields = [
            "id",
            "label",
            "label_name",
            "start",
            "end",
            "text",
            "client_id",
            "claimant",
            "claimant_text",
            "checkworthy",
        ]


class StanceOutput(serializers.ModelSerializer):
    target_name = serializers.CharField(source="target.name", read_only=True)
    label_name = serializers.CharField(source="label.name", read_only=True)

    class Meta:
        model = Stance
        fields = ["id", "target", "target_name", "label", "label_name", "holder", "evidence"]


class AnnotationOutput(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True, allow_null=True)
    kind = AnnotationKindField(read_only=True)

    class Meta:
        model = Annotation
        fields = [
            "id",
            "document",
            "kind",
            "author",
            "status",
            "version",
            "created_at",
            "updated_at",
            "submitted_at",
        ]


class AnnotationDetailOutput(AnnotationOutput):
    spans = SpanOutput(many=True, read_only=True)
    stances = StanceOutput(many=True, read_only=True)

    class Meta(AnnotationOutput.Meta):
        fields = [*AnnotationOutput.Meta.fields, "spans", "stances"]


class SpanWriteOutput(SpanOutput):
    version = serializers.IntegerField(source="annotation.version", read_only=True)

    class Meta(SpanOutput.Meta):
        fields = [*SpanOutput.Meta.fields, "version"]


class StanceWriteOutput(StanceOutput):
    version = serializers.IntegerField(source="annotation.version", read_only=True)

    class Meta(StanceOutput.Meta):
        fields = [*StanceOutput.Meta.fields, "version"]


class VersionOutput(serializers.Serializer):
    version = serializers.IntegerField(read_only=True)


class ContentOutput(serializers.Serializer):
    version = serializers.IntegerField(source="annotation.version", read_only=True)
    spans = SpanOutput(many=True, read_only=True)
    stances = StanceOutput(many=True, read_only=True)


class ImportReportOutput(serializers.Serializer):
    created = serializers.ListField(child=serializers.DictField())
    duplicates = serializers.ListField(child=serializers.DictField())
    repaired = serializers.ListField(child=serializers.DictField())
    warnings = serializers.ListField(child=serializers.DictField())
    errors = serializers.ListField(child=serializers.DictField())


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
