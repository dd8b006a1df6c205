"""Projects and what configures them: members, labels, stance targets."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact

from annotations import builtins, rules
from annotations.models.fields import created_by_field


class QueueOrder(models.TextChoices):
    ID = "id", "Document order"
    UNCERTAINTY = "uncertainty", "Least confident model prediction first"
    SCORE = "score", "Highest prediction score first"


class VerdictScale(models.TextChoices):
    FEVER = "fever", "FEVER: SUPPORTS / REFUTES / NOT ENOUGH INFO"
    AVERITEC = "averitec", "AVeriTeC: Supported / Refuted / Not Enough Evidence / Conflicting"
    CUSTOM = "custom", "The project's own ratings"


class Project(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    guidelines = models.TextField(blank=True, help_text="Markdown, shown to annotators.")
    allow_overlap = models.BooleanField(
        default=False,
        help_text="Whether spans of the same kind may overlap. Spans of different kinds "
        "(a claim and the entities in it) may always overlap.",
    )
    annotators_per_document = models.PositiveSmallIntegerField(
        default=1, help_text="How many different annotators each document goes to."
    )
    max_open_per_annotator = models.PositiveSmallIntegerField(
        default=5,
        help_text="How many unfinished (in-progress) documents one annotator may hold at once.",
    )
    release_after_hours = models.PositiveIntegerField(
        default=24,
        help_text="A document whose in-progress annotation has had no change for this many "
        "hours goes back to the queue for another annotator; the annotation stays its author's.",
    )
    sentence_units = models.BooleanField(
        default=False,
        help_text="Label every sentence: each sentence is a unit that must get a sentence "
        "label before the document can be submitted.",
    )
    # Model in the loop (docs/suggestions.md): which model's predictions annotators see.
    show_suggestions = models.BooleanField(
        default=True,
        help_text="Whether annotators see a model's predictions as suggestions (off for blind "
        "studies).",
    )
    suggestions_from = models.ForeignKey(
        "annotations.Recommender",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The model whose newest predictions are shown; empty: imported predictions.",
    )
    retrain_every = models.PositiveIntegerField(
        default=10,
        help_text="Retrain the built-in recommender after this many new gold documents "
        "(0: only when asked).",
    )
    queue_order = models.CharField(
        max_length=16,
        choices=QueueOrder.choices,
        default=QueueOrder.ID,
        help_text="The order the queue hands out documents in.",
    )
    # Fact-checking (docs/fact-checking.md): the scale claim verdicts are given on.
    verdict_scale = models.CharField(
        max_length=16,
        choices=VerdictScale.choices,
        default=VerdictScale.FEVER,
        help_text="The scale of claim verdicts; custom takes verdict_labels.",
    )
    verdict_labels = models.JSONField(
        default=list,
        blank=True,
        help_text="A custom scale's verdicts (textual ratings), in order.",
    )
    licence = models.CharField(
        max_length=200,
        blank=True,
        help_text="The dataset's licence, as releases name it (e.g. CC-BY-4.0).",
    )
    citation = models.TextField(
        blank=True, help_text="How to cite the dataset (e.g. BibTeX); every release card has it."
    )
    created_by = created_by_field()
    created_at = models.DateTimeField(auto_now_add=True)

    # Set by the selectors that read it for a user (their role in its project), else absent.
    caller_role: str | None

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(annotators_per_document__gte=1),
                name="%(app_label)s_%(class)s_annotators_per_document_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_open_per_annotator__gte=1),
                name="%(app_label)s_%(class)s_max_open_per_annotator_positive",
            ),
            models.CheckConstraint(
                condition=Q(queue_order__in=QueueOrder.values),
                name="%(app_label)s_%(class)s_queue_order_valid",
            ),
            models.CheckConstraint(
                condition=Q(verdict_scale__in=VerdictScale.values),
                name="%(app_label)s_%(class)s_verdict_scale_valid",
            ),
            models.CheckConstraint(
                condition=Q(release_after_hours__gte=1),
                name="%(app_label)s_%(class)s_release_after_hours_positive",
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="%(app_label)s_%(class)s_name_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ANNOTATOR = "annotator", "Annotator"
    REVIEWER = "reviewer", "Reviewer"
    MANAGER = "manager", "Manager"


class Membership(models.Model):
    # Indexed through the unique constraint that starts with project.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANNOTATOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"], name="%(app_label)s_%(class)s_one_per_user"
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="%(app_label)s_%(class)s_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"membership #{self.pk} ({self.role})"


class LabelKind(models.TextChoices):
    ENTITY = "entity", "Entity"
    CLAIM = "claim", "Claim"
    STANCE = "stance", "Stance value"
    RELATION = "relation", "Relation"
    DOCUMENT = "document", "Document label"
    SENTENCE = "sentence", "Sentence label"


class LabelGroup(models.Model):
    """A set of document labels chosen together: one of them, or any number of them."""

    # Indexed through the unique constraint that starts with project.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="label_groups", db_index=False
    )
    name = models.CharField(max_length=100)
    multiple = models.BooleanField(
        default=False, help_text="Whether a document may carry more than one label of the group."
    )
    required = models.BooleanField(
        default=False, help_text="Whether a document must carry a label of the group to submit."
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order above the text.")

    class Meta:
        ordering = ["project_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"], name="%(app_label)s_%(class)s_name_unique"
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="%(app_label)s_%(class)s_name_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Label(models.Model):
    # Indexed through the unique constraint that starts with project.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="labels", db_index=False
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=LabelKind.choices)
    color = models.CharField(max_length=7, default="#4f7cff", help_text="#rrggbb")
    shortcut = models.CharField(
        max_length=1, blank=True, help_text="One key that applies the label in the annotator."
    )
    description = models.TextField(blank=True)
    # Relations only: the label kinds a relation may start and end at ("" = any span).
    source_kind = models.CharField(
        max_length=16, blank=True, help_text="Relations: the kind of span it starts at."
    )
    target_kind = models.CharField(
        max_length=16, blank=True, help_text="Relations: the kind of span it ends at."
    )
    # Document labels only: the group they are chosen in. RESTRICT: a group in use by a
    # label cannot vanish from under it; deleting the project still works.
    group = models.ForeignKey(
        LabelGroup,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="labels",
        help_text="Document labels: the group the label is chosen in.",
    )

    class Meta:
        ordering = ["project_id", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"], name="%(app_label)s_%(class)s_name_unique"
            ),
            models.UniqueConstraint(
                fields=["project", "shortcut"],
                condition=~Q(shortcut=""),
                name="%(app_label)s_%(class)s_shortcut_unique",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=LabelKind.values), name="%(app_label)s_%(class)s_kind_valid"
            ),
            # \Z, not $: in Python (SQLite's REGEXP) $ also matches before a final newline.
            models.CheckConstraint(
                condition=Q(color__regex=r"^#[0-9a-fA-F]{6}\Z"),
                name="%(app_label)s_%(class)s_color_hex",
            ),
            # SQLite does not enforce max_length.
            models.CheckConstraint(
                # A Q at run time; the stubs type Q | expression as a bare Combinable.
                condition=Q(shortcut="") | Exact(Length("shortcut"), 1),  # type: ignore[arg-type]
                name="%(app_label)s_%(class)s_shortcut_one_character",
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="%(app_label)s_%(class)s_name_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(source_kind__in=["", *rules.RELATION_ENDPOINT_KINDS])
                & Q(target_kind__in=["", *rules.RELATION_ENDPOINT_KINDS]),
                name="%(app_label)s_%(class)s_endpoint_kinds_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind="relation") | (Q(source_kind="") & Q(target_kind="")),
                name="%(app_label)s_%(class)s_endpoints_only_on_relations",
            ),
            models.CheckConstraint(
                condition=Q(kind="document", group__isnull=False)
                | (~Q(kind="document") & Q(group__isnull=True)),
                name="%(app_label)s_%(class)s_group_iff_document",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class AttributeType(models.TextChoices):
    CHOICE = "choice", "One of a list"
    MULTI_CHOICE = "multi_choice", "Any of a list"
    TEXT = "text", "Free text"
    NUMBER = "number", "Number"


class LabelAttributeQuerySet(models.QuerySet["LabelAttribute"]):
    def users(self) -> "LabelAttributeQuerySet":
        """The attributes users declared: the built-ins (annotations.builtins) left out."""
        return self.filter(builtin="")


class LabelAttribute(models.Model):
    """A value a label asks for on each item that carries it (a claim's normalised text).

    Built-ins (``builtin`` set) are declared by annotations.services.builtins; every reader
    that shows or checks a user's attributes asks for ``LabelAttribute.objects.users()``.
    """

    # Indexed through the unique constraint that starts with label.
    label = models.ForeignKey(
        Label, on_delete=models.CASCADE, related_name="attributes", db_index=False
    )
    name = models.CharField(
        max_length=64, help_text="The key the value is stored and exported under."
    )
    type = models.CharField(max_length=16, choices=AttributeType.choices)
    required = models.BooleanField(
        default=False, help_text="Whether every item with the label must give a value to submit."
    )
    choices = models.JSONField(
        default=list, blank=True, help_text="Choice types: the values, as a list of strings."
    )
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the side panel.")
    builtin = models.CharField(
        max_length=32,
        blank=True,
        help_text="Which built-in it is (annotations.builtins), named as it; empty: a user's. "
        "Built-ins are declared by the workbench and cannot be changed or removed by users.",
    )

    objects = LabelAttributeQuerySet.as_manager()

    class Meta:
        ordering = ["label_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["label", "name"], name="%(app_label)s_%(class)s_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(builtin="")
                | Q(builtin__in=builtins.CLAIM_ATTRIBUTES, name=F("builtin")),
                name="%(app_label)s_%(class)s_builtin_valid",
            ),
            models.CheckConstraint(
                condition=Q(type__in=AttributeType.values),
                name="%(app_label)s_%(class)s_type_valid",
            ),
            # A name is a key in JSON and a column in CSV: letters, digits, _ and -.
            models.CheckConstraint(
                condition=Q(name__regex=r"^[A-Za-z][A-Za-z0-9_-]*\Z"),
                name="%(app_label)s_%(class)s_name_is_a_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.type})"


class StanceTarget(models.Model):
    # Indexed through the unique constraint that starts with project.
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="targets", db_index=False
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["project_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"], name="%(app_label)s_%(class)s_name_unique"
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="%(app_label)s_%(class)s_name_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.name
