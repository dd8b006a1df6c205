"""Output shapes shared by several views. Read-only renderings of model rows: no logic here."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject

from annotations import rules
from annotations.models.annotating import (
    Annotation,
    AnnotationKind,
    Checkworthy,
    Relation,
    Span,
    Stance,
)
from annotations.models.documents import Document
from annotations.models.guidelines import GuidelinesVersion
from annotations.models.projects import (
    Label,
    LabelAttribute,
    LabelGroup,
    Membership,
    Project,
    StanceTarget,
)
from annotations.selectors import STATUS_NEW
from annotations.services.annotating import SPAN_FIELDS
from annotations.services.projects import PROJECT_SETTINGS

DOCUMENT_STATUSES = (STATUS_NEW, "in_progress", "submitted", "skipped")


class RowOutput:
    """Base of the read-only renderings: fields are built once per class, not per object.

    DRF builds a serializer's fields every time one is instantiated (a ModelSerializer by
    introspecting its model): for a span write that was a fifth of the request's Python work.
    Output fields are only read, so each class binds its fields once, to a template instance,
    and every rendering reuses them; the loop below is DRF's own ``to_representation``, and
    a test holds the two renderings equal for every class. ``fields`` is DRF's, so the schema
    is unchanged. Nothing rendered this way may need the serializer's context.
    """

    def to_representation(self, instance: Any) -> dict[str, Any]:
        rendered: dict[Any, Any] = {}  # keyed by bound fields' names (str, None in the stubs)
        for field in _bound_fields(type(self)):
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            value = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            rendered[field.field_name] = (
                None if value is None else field.to_representation(attribute)
            )
        return rendered


_BOUND_FIELDS: dict[type, list[Field]] = {}


def _bound_fields(cls: type) -> list[Field]:
    found = _BOUND_FIELDS.get(cls)
    if found is None:
        found = _BOUND_FIELDS[cls] = list(cls()._readable_fields)
    return found


# "status" and "kind" each name two choice sets (a document's status includes "new"; an
# annotation's kind is not a label's). Wrapped in allOf, these two stay inline instead of
# colliding with the others as same-named enum components.
@extend_schema_field({"allOf": [{"type": "string", "enum": list(DOCUMENT_STATUSES)}]})
class DocumentStatusField(serializers.CharField):
    """The caller's status for a document."""


@extend_schema_field({"allOf": [{"type": "string", "enum": list(AnnotationKind.values)}]})
class AnnotationKindField(serializers.CharField):
    """manual, gold or prediction."""


class ProjectOutput(RowOutput, serializers.ModelSerializer):
    role = serializers.CharField(source="caller_role", read_only=True)

    class Meta:
        model = Project
        fields = ["id", *PROJECT_SETTINGS, "role", "created_at"]


class GuidelinesVersionOutput(RowOutput, serializers.ModelSerializer):
    created_by = serializers.CharField(
        source="created_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = GuidelinesVersion
        fields = ["number", "text", "created_by", "created_at"]


class MemberOutput(RowOutput, serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "username", "role"]


class LabelAttributeOutput(RowOutput, serializers.ModelSerializer):
    class Meta:
        model = LabelAttribute
        fields = ["name", "type", "required", "choices", "description"]


class LabelOutput(RowOutput, serializers.ModelSerializer):
    # Read from the prefetched rows (selectors.label_list): one query for every label.
    attributes = LabelAttributeOutput(many=True, read_only=True)

    class Meta:
        model = Label
        fields = [
            "id",
            "name",
            "kind",
            "color",
            "shortcut",
            "description",
            "source_kind",
            "target_kind",
            "group",
            "attributes",
        ]


class LabelGroupOutput(RowOutput, serializers.ModelSerializer):
    class Meta:
        model = LabelGroup
        fields = ["id", "name", "multiple", "required", "position"]


class TargetOutput(RowOutput, serializers.ModelSerializer):
    class Meta:
        model = StanceTarget
        fields = ["id", "name", "description"]


class DocumentListOutput(RowOutput, serializers.ModelSerializer):
    status = DocumentStatusField(source="caller_status", read_only=True)
    has_gold = serializers.BooleanField(read_only=True)

    class Meta:
        model = Document
        fields = ["id", "external_id", "meta", "status", "has_gold"]


class DocumentOutput(RowOutput, serializers.ModelSerializer):
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


class SpanOutput(RowOutput, serializers.ModelSerializer):
    label_name = serializers.CharField(source="label.name", read_only=True)
    # A built-in relation (annotations.builtins.CLAIMANT), read as the span's field it was.
    claimant = serializers.IntegerField(
        source="claimant_id",
        required=False,
        allow_null=True,
        help_text="The entity span (same annotation) that makes this claim.",
    )
    # Read from the span's stored attribute values (Span splits them; annotations.builtins).
    # As the columns they were read from rendered them (the OpenAPI schema stays the same).
    claimant_text = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=rules.CLAIMANT_TEXT_LIMIT,
        help_text="A free-text source when it is not in the text.",
    )
    checkworthy = serializers.ChoiceField(
        choices=Checkworthy.choices, required=False, allow_blank=True
    )
    attributes = serializers.JSONField(
        required=False,
        help_text="Values of the label's attributes, by attribute name (checked on every write).",
    )

    class Meta:
        model = Span
        # The bulk body's span fields (label first), with the id and the label's name; the
        # score a model gave (predictions) is read only.
        fields = ["id", *SPAN_FIELDS[:1], "label_name", *SPAN_FIELDS[1:], "score"]


class StanceOutput(RowOutput, serializers.ModelSerializer):
    target_name = serializers.CharField(source="target.name", read_only=True)
    label_name = serializers.CharField(source="label.name", read_only=True)
    # Built-in relations (annotations.builtins.HOLDER and EVIDENCE), read as the stance's
    # fields they were (the OpenAPI schema stays the same).
    holder = serializers.IntegerField(
        source="holder_id",
        required=False,
        allow_null=True,
        help_text="Entity span holding the stance; empty means the document's author.",
    )
    evidence = serializers.IntegerField(
        source="evidence_id",
        required=False,
        allow_null=True,
        help_text="Span of text supporting the stance.",
    )

    class Meta:
        model = Stance
        fields = [
            "id",
            "target",
            "target_name",
            "label",
            "label_name",
            "holder",
            "evidence",
            "attributes",
        ]


class RelationOutput(RowOutput, serializers.ModelSerializer):
    # Declared: the model's label may be empty (a built-in relation), but the relations read
    # here are users' (Relation.objects), which always have one; the schema stays as it was.
    label = serializers.IntegerField(source="label_id")  # type: ignore[assignment]  # a field
    label_name = serializers.CharField(source="label.name", read_only=True)
    attributes = serializers.JSONField(read_only=True)

    class Meta:
        model = Relation
        fields = ["id", "label", "label_name", "source", "target", "attributes", "client_id"]


class AnnotationOutput(RowOutput, serializers.ModelSerializer):
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


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class DocumentLabelIdsField(serializers.Field):
    """The ids of the labels an annotation gives its document, sorted (from its rows)."""

    def to_representation(self, value: Any) -> list[int]:
        return sorted(row.label_id for row in value.all())


class AnnotationDetailOutput(AnnotationOutput):
    spans = SpanOutput(many=True, read_only=True)
    stances = StanceOutput(many=True, read_only=True)
    relations = RelationOutput(many=True, read_only=True)
    document_labels = DocumentLabelIdsField(read_only=True)
    claim_records = serializers.ListField(
        child=serializers.DictField(),
        read_only=True,
        help_text="The claim spans' records, as GET /api/spans/{s}/claim-record/ reads them.",
    )

    class Meta(AnnotationOutput.Meta):
        fields = [
            *AnnotationOutput.Meta.fields,
            "spans",
            "stances",
            "relations",
            "document_labels",
            "claim_records",
        ]


class SpanWriteOutput(SpanOutput):
    version = serializers.IntegerField(source="annotation.version", read_only=True)

    class Meta(SpanOutput.Meta):
        fields = [*SpanOutput.Meta.fields, "version"]


class StanceWriteOutput(StanceOutput):
    version = serializers.IntegerField(source="annotation.version", read_only=True)

    class Meta(StanceOutput.Meta):
        fields = [*StanceOutput.Meta.fields, "version"]


class RelationWriteOutput(RelationOutput):
    version = serializers.IntegerField(source="annotation.version", read_only=True)

    class Meta(RelationOutput.Meta):
        fields = [*RelationOutput.Meta.fields, "version"]


class VersionOutput(RowOutput, serializers.Serializer):
    version = serializers.IntegerField(read_only=True)


class ContentOutput(RowOutput, serializers.Serializer):
    version = serializers.IntegerField(source="annotation.version", read_only=True)
    spans = SpanOutput(many=True, read_only=True)
    stances = StanceOutput(many=True, read_only=True)
    relations = RelationOutput(many=True, read_only=True)
    document_labels = serializers.ListField(child=serializers.IntegerField(), read_only=True)


class DocumentLabelsOutput(RowOutput, serializers.Serializer):
    labels = serializers.ListField(
        child=serializers.IntegerField(), read_only=True, help_text="Label ids, sorted."
    )
    version = serializers.IntegerField(source="annotation.version", read_only=True)


class ImportReportOutput(serializers.Serializer):
    created = serializers.ListField(child=serializers.DictField())
    duplicates = serializers.ListField(
        child=serializers.DictField(),
        help_text="With on_duplicate=attach each entry also has attached: prediction, gold "
        "or null (nothing attached; a warning of the same line says why).",
    )
    repaired = serializers.ListField(child=serializers.DictField())
    warnings = serializers.ListField(child=serializers.DictField())
    # A declared field, not Serializer.errors: DRF's metaclass moves it into _declared_fields.
    errors = serializers.ListField(child=serializers.DictField())  # type: ignore[assignment]
    labels_created = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="Only with create_labels=1: each label the import created (id, name, kind).",
    )


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(  # type: ignore[assignment]  # a declared field, as above
        child=serializers.ListField(child=serializers.CharField())
    )
