"""One author's work on one document: the annotation, its spans, its stances, and the log."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Length
from django.db.models.lookups import Exact

from annotations import builtins
from annotations.models.documents import Document
from annotations.models.guidelines import GuidelinesVersion
from annotations.models.projects import Label, StanceTarget


class AnnotationKind(models.TextChoices):
    MANUAL = "manual", "Manual"
    GOLD = "gold", "Gold"
    PREDICTION = "prediction", "Prediction"


class AnnotationStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"
    SKIPPED = "skipped", "Skipped"


def _guidelines_version_field(help_text: str) -> "models.ForeignKey[Any, Any]":
    """A guidelines version an annotation was made under (empty: not recorded).

    RESTRICT (not PROTECT): a version is history and cannot be deleted alone, yet deleting the
    whole project (which cascades to its annotations too) still works.
    """
    return models.ForeignKey(
        GuidelinesVersion,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
        help_text=help_text,
    )


class Annotation(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="annotations")
    # PROTECT: deleting an account must never delete the work done under it.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="annotations",
        help_text="Empty for gold and predictions.",
    )
    kind = models.CharField(
        max_length=16, choices=AnnotationKind.choices, default=AnnotationKind.MANUAL
    )
    status = models.CharField(
        max_length=16, choices=AnnotationStatus.choices, default=AnnotationStatus.IN_PROGRESS
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Bumped by every write; stale writes are refused."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Predictions only: the model version that made it (empty: imported, of no named model).
    # Indexed through the unique constraint on (document, model_version).
    model_version = models.ForeignKey(
        "annotations.ModelVersion",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="predictions",
        db_index=False,
        help_text="Predictions: the model version that made them (empty: imported).",
    )
    guidelines_version = _guidelines_version_field(
        "The guidelines current when the annotation was started "
        "(empty for work older than versioned guidelines)."
    )
    submitted_guidelines_version = _guidelines_version_field(
        "The guidelines current when it was last submitted (gold: marked reviewed)."
    )

    # Set by the selectors that read it for a user (their role in its project), else absent.
    caller_role: str | None
    # Set by the selector that reads its content (its claim records as JSON), else absent.
    claim_records: list[dict[str, Any]]

    class Meta:
        ordering = ["document_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "author"],
                condition=Q(kind="manual"),
                name="%(app_label)s_%(class)s_one_manual_per_author",
            ),
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(kind="gold"),
                name="%(app_label)s_%(class)s_one_gold_per_document",
            ),
            # One prediction per document and model version; one imported (of no model).
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(kind="prediction", model_version__isnull=True),
                name="%(app_label)s_%(class)s_one_prediction_per_document",
            ),
            models.UniqueConstraint(
                fields=["model_version", "document"],
                condition=Q(kind="prediction", model_version__isnull=False),
                name="%(app_label)s_%(class)s_one_prediction_per_model_version",
            ),
            models.CheckConstraint(
                condition=Q(kind="prediction") | Q(model_version__isnull=True),
                name="%(app_label)s_%(class)s_model_version_only_on_predictions",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="manual", author__isnull=False)
                    | Q(kind__in=["gold", "prediction"], author__isnull=True)
                ),
                name="%(app_label)s_%(class)s_author_iff_manual",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AnnotationKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AnnotationStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="%(app_label)s_%(class)s_version_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["author", "status"], name="annotation_author_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} annotation #{self.pk}"


class Checkworthy(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNSURE = "unsure", "Unsure"


class SpanQuerySet(models.QuerySet["Span"]):
    def with_claimant(self) -> "SpanQuerySet":
        """Read each span's claimant span id (its built-in claimant relation) in the query."""
        return self.annotate(claimant_id=claimant_of(OuterRef("pk")))


class Span(models.Model):
    # Indexed through (annotation, end), which starts with it.
    annotation = models.ForeignKey(
        Annotation, on_delete=models.CASCADE, related_name="spans", db_index=False
    )
    # RESTRICT, not PROTECT: a label in use cannot disappear from under its spans, yet
    # deleting the whole project (which cascades to the spans too) still works. Indexed
    # through (label, annotation), which starts with it.
    label = models.ForeignKey(
        Label, on_delete=models.RESTRICT, related_name="spans", db_index=False
    )
    start = models.PositiveIntegerField(help_text="Code-point offset, inclusive.")
    end = models.PositiveIntegerField(help_text="Code-point offset, exclusive.")
    text = models.TextField(help_text="document.text[start:end], checked on every write.")
    client_id = models.UUIDField(
        null=True, blank=True, help_text="Chosen by the client so that retries are idempotent."
    )
    # All the label's attribute values, the built-ins' (checkworthy, claimant_text) included;
    # read and written through ``attributes``, ``checkworthy`` and ``claimant_text`` below.
    attribute_values = models.JSONField(
        default=dict,
        blank=True,
        db_column="attributes",
        help_text="Values of the label's attributes, by attribute name (checked on every write); "
        "the built-in checkworthy and claimant_text included.",
    )
    unit = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Sentence units: the sentence's number in the document (0 first); "
        "empty for spans an annotator drew.",
    )
    score = models.FloatField(
        null=True, blank=True, help_text="A model's score for the span (predictions); ranks units."
    )

    objects = SpanQuerySet.as_manager()

    class Meta:
        ordering = ["annotation_id", "start", "end", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=F("end")),
                name="%(app_label)s_%(class)s_start_before_end",
            ),
            models.CheckConstraint(
                condition=Exact(Length("text"), F("end") - F("start")),
                name="%(app_label)s_%(class)s_text_matches_range",
            ),
            # Only spans that carry a client id: a retry is found by it, and an imported
            # prediction (none has one) costs the index nothing.
            models.UniqueConstraint(
                fields=["annotation", "client_id"],
                condition=Q(client_id__isnull=False),
                name="%(app_label)s_%(class)s_client_id_unique",
            ),
            models.CheckConstraint(
                condition=~Q(attribute_values__has_key=builtins.CHECKWORTHY)
                | Q(attribute_values__checkworthy__in=Checkworthy.values),
                name="%(app_label)s_%(class)s_checkworthy_valid",
            ),
            models.UniqueConstraint(
                fields=["annotation", "unit"],
                condition=Q(unit__isnull=False),
                name="%(app_label)s_%(class)s_one_span_per_unit",
            ),
        ]
        indexes = [
            # The overlap check on every span write asks for the spans ending after a start:
            # with this index that is a short range scan, not every span of the annotation.
            # (label has the ForeignKey's own index.)
            models.Index(fields=["annotation", "end"], name="span_annotation_end_idx"),
            # "The spans of this annotation with this label" (the dashboard's label counts):
            # without statistics, PostgreSQL answered it by ANDing the label's whole index
            # range (every span of the label) with the annotation's, once per annotation.
            models.Index(fields=["label", "annotation"], name="span_label_annotation_idx"),
        ]

    def __str__(self) -> str:
        return f"span #{self.pk} [{self.start}, {self.end})"

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> "Span":
        span = super().from_db(*args, **kwargs)
        span.__dict__["_read"] = True
        return span

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        # The claimant is no column: read it again on next use.
        for cached in ("_claimant_id", "_claimant"):
            self.__dict__.pop(cached, None)
        self.__dict__["_read"] = True

    # The one place that splits the stored values (annotations.builtins): clients, exports,
    # review and the event log read the user's attributes and the two built-ins as before.
    # Writers that build a Span give ``attribute_values`` (builtins.stored_values).
    @property
    def attributes(self) -> dict[str, Any]:
        """The values of the label's user attributes (the built-ins left out)."""
        return builtins.user_values(self.attribute_values)

    @attributes.setter
    def attributes(self, values: dict[str, Any]) -> None:
        self.attribute_values = builtins.with_user_values(self.attribute_values, values or {})

    @property
    def checkworthy(self) -> str:
        """The built-in check-worthiness: yes, no, unsure, or "" (not given)."""
        return builtins.builtin_value(self.attribute_values, builtins.CHECKWORTHY)

    @checkworthy.setter
    def checkworthy(self, value: str | None) -> None:
        self.attribute_values = builtins.with_builtin(
            self.attribute_values, builtins.CHECKWORTHY, value
        )

    # A claim's claimant span is a built-in relation (annotations.builtins.CLAIMANT), not a
    # column: ``claimant_id`` is what ``Span.objects.with_claimant()`` read with the span, or
    # else one query on first use; ``claimant`` the span itself. Setting either changes this
    # instance only: services.annotating.claimants writes the relation.
    @property
    def claimant_id(self) -> int | None:
        """The id of the claim's claimant span (an entity of the same annotation), or None."""
        if "_claimant_id" not in self.__dict__:
            found = None
            # A span built in code names no claimant until one is set; one read from the
            # database without with_claimant() asks for it.
            if self.pk is not None and self.__dict__.get("_read", False):
                found = (
                    Relation.links.filter(builtin=builtins.CLAIMANT, source_id=self.pk)
                    .values_list("target_id", flat=True)
                    .first()
                )
            self.__dict__["_claimant_id"] = found
        claimant_id: int | None = self.__dict__["_claimant_id"]
        return claimant_id

    @claimant_id.setter
    def claimant_id(self, value: int | None) -> None:
        self.__dict__["_claimant_id"] = value

    @property
    def claimant(self) -> "Span | None":
        """The claim's claimant span (with its label), or None."""
        claimant_id = self.claimant_id
        if claimant_id is None:
            return None
        cached = self.__dict__.get("_claimant")
        if cached is None or cached.pk != claimant_id:
            cached = Span.objects.select_related("label").get(pk=claimant_id)
            self.__dict__["_claimant"] = cached
        claimant: Span = cached
        return claimant

    @claimant.setter
    def claimant(self, span: "Span | None") -> None:
        self.__dict__["_claimant"] = span
        self.__dict__["_claimant_id"] = None if span is None else span.pk

    @property
    def claims(self) -> "SpanQuerySet":
        """The claims that name this span as their claimant."""
        named = Relation.links.filter(builtin=builtins.CLAIMANT, target_id=self.pk).order_by()
        return Span.objects.filter(pk__in=named.values("source_id"))

    @property
    def claimant_text(self) -> str:
        """The built-in free-text claimant (a source not in the text), or ""."""
        return builtins.builtin_value(self.attribute_values, builtins.CLAIMANT_TEXT)

    @claimant_text.setter
    def claimant_text(self, value: str | None) -> None:
        self.attribute_values = builtins.with_builtin(
            self.attribute_values, builtins.CLAIMANT_TEXT, value
        )


class StanceQuerySet(models.QuerySet["Stance"]):
    def with_links(self) -> "StanceQuerySet":
        """Read each stance's holder and evidence span ids (its built-in relations) in the query."""
        return self.annotate(
            holder_id=stance_link_of(OuterRef("pk"), builtins.HOLDER),
            evidence_id=stance_link_of(OuterRef("pk"), builtins.EVIDENCE),
        )


class Stance(models.Model):
    """A stance on a target, held by an entity span (or the document's author).

    Its holder and evidence spans are built-in relations (annotations.builtins.HOLDER and
    EVIDENCE: ``Relation.stance`` to ``Relation.target``), not columns. ``holder_id`` and
    ``evidence_id`` are what ``Stance.objects.with_links()`` read with the stance, or else one
    query on first use; ``holder`` and ``evidence`` the spans themselves. Setting them changes
    this instance only: services.annotating.stance_links writes the relations, and the services
    keep one stance per target and holder in an annotation (annotations.rules.StanceSlots).
    """

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="stances")
    target = models.ForeignKey(StanceTarget, on_delete=models.RESTRICT, related_name="stances")
    # Indexed through (label, annotation), which starts with it (see Span.Meta.indexes).
    label = models.ForeignKey(
        Label,
        on_delete=models.RESTRICT,
        related_name="stances",
        help_text="A stance value.",
        db_index=False,
    )
    attributes = models.JSONField(
        default=dict,
        blank=True,
        help_text="Values of the stance label's attributes, by attribute name.",
    )

    objects = StanceQuerySet.as_manager()

    class Meta:
        ordering = ["annotation_id", "id"]
        indexes = [
            models.Index(fields=["label", "annotation"], name="stance_label_annotation_idx"),
        ]

    def __str__(self) -> str:
        return f"stance #{self.pk}"

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> "Stance":
        stance = super().from_db(*args, **kwargs)
        stance.__dict__["_read"] = True
        return stance

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        # The holder and evidence are no columns: read them again on next use.
        for role in builtins.STANCE_LINKS:
            self.__dict__.pop(f"_{role}_id", None)
            self.__dict__.pop(f"_{role}", None)
        self.__dict__["_read"] = True

    def _link_id(self, role: str) -> int | None:
        key = f"_{role}_id"
        if key not in self.__dict__:
            found = None
            # A stance built in code has no holder or evidence until one is set; one read
            # from the database without with_links() asks for it.
            if self.pk is not None and self.__dict__.get("_read", False):
                found = (
                    Relation.links.filter(builtin=role, stance_id=self.pk)
                    .values_list("target_id", flat=True)
                    .first()
                )
            self.__dict__[key] = found
        link_id: int | None = self.__dict__[key]
        return link_id

    def _set_link_id(self, role: str, value: int | None) -> None:
        self.__dict__[f"_{role}_id"] = value

    def _link(self, role: str) -> "Span | None":
        link_id = self._link_id(role)
        if link_id is None:
            return None
        cached = self.__dict__.get(f"_{role}")
        if cached is None or cached.pk != link_id:
            cached = Span.objects.select_related("label").get(pk=link_id)
            self.__dict__[f"_{role}"] = cached
        span: Span = cached
        return span

    def _set_link(self, role: str, span: "Span | None") -> None:
        self.__dict__[f"_{role}"] = span
        self.__dict__[f"_{role}_id"] = None if span is None else span.pk

    @property
    def holder_id(self) -> int | None:
        """The id of the entity span holding the stance; None: the document's author."""
        return self._link_id(builtins.HOLDER)

    @holder_id.setter
    def holder_id(self, value: int | None) -> None:
        self._set_link_id(builtins.HOLDER, value)

    @property
    def holder(self) -> "Span | None":
        """The entity span holding the stance (with its label); None: the document's author."""
        return self._link(builtins.HOLDER)

    @holder.setter
    def holder(self, span: "Span | None") -> None:
        self._set_link(builtins.HOLDER, span)

    @property
    def evidence_id(self) -> int | None:
        """The id of the span of text supporting the stance, or None."""
        return self._link_id(builtins.EVIDENCE)

    @evidence_id.setter
    def evidence_id(self, value: int | None) -> None:
        self._set_link_id(builtins.EVIDENCE, value)

    @property
    def evidence(self) -> "Span | None":
        """The span of text supporting the stance (with its label), or None."""
        return self._link(builtins.EVIDENCE)

    @evidence.setter
    def evidence(self, span: "Span | None") -> None:
        self._set_link(builtins.EVIDENCE, span)


class UserRelationManager(models.Manager["Relation"]):
    """The users' relations: the built-in ones (a claimant, a stance's holder...) left out."""

    def get_queryset(self) -> "models.QuerySet[Relation]":
        return super().get_queryset().filter(builtin="")


class Relation(models.Model):
    """A directed, typed link from one span to another of the same annotation.

    A user's relation has a label of kind relation; a built-in one (annotations.builtins.LINKS:
    a claim's claimant, a stance's holder and evidence) has no label and says which it is in
    ``builtin``. A stance's links start at the stance (``stance``), every other at a span
    (``source``). ``Relation.objects``
    (the default manager, so also ``span.relations_out`` and the prefetches) reads the users'
    relations only: the relations API, exports, review and agreement of relations never see a
    built-in one. ``Relation.links`` reads both; the built-ins are read and written through the
    fields they stand for (``Span.claimant``, ``Stance.holder``, ``Stance.evidence``).
    """

    # Indexed through the unique constraints that start with it.
    annotation = models.ForeignKey(
        Annotation, on_delete=models.CASCADE, related_name="relations", db_index=False
    )
    # Indexed through (label, annotation), which starts with it.
    label = models.ForeignKey(
        Label,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="relations",
        db_index=False,
        help_text="The relation label; empty for a built-in relation.",
    )
    builtin = models.CharField(
        max_length=16,
        blank=True,
        help_text="Which built-in relation it is (annotations.builtins.LINKS); empty: a user's.",
    )
    # RESTRICT: a span with relations is deleted by the service, which deletes (and logs)
    # its relations first; the database refuses to leave a relation without an end.
    source = models.ForeignKey(
        Span,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="relations_out",
        help_text="Where it starts; empty for a stance's holder and evidence.",
    )
    # Indexed through the unique constraint that starts with it.
    stance = models.ForeignKey(
        Stance,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="builtin_links",
        db_index=False,
        help_text="The stance whose holder or evidence it is (built-in holder and evidence only).",
    )
    target = models.ForeignKey(
        Span, on_delete=models.RESTRICT, related_name="relations_in", help_text="Where it ends."
    )
    client_id = models.UUIDField(
        null=True, blank=True, help_text="Chosen by the client so that retries are idempotent."
    )
    attributes = models.JSONField(
        default=dict, blank=True, help_text="Values of the relation label's attributes."
    )

    links = models.Manager()
    objects = UserRelationManager()

    class Meta:
        ordering = ["annotation_id", "id"]
        default_manager_name = "objects"
        # Deleting and following foreign keys see every relation, built-ins included.
        base_manager_name = "links"
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=F("target")), name="%(app_label)s_%(class)s_not_to_itself"
            ),
            models.CheckConstraint(
                condition=Q(label__isnull=False, builtin="")
                | Q(label__isnull=True, builtin__in=builtins.LINKS),
                name="%(app_label)s_%(class)s_label_or_builtin",
            ),
            # A stance's holder and evidence start at the stance, every other at a span.
            models.CheckConstraint(
                condition=Q(stance__isnull=True, source__isnull=False)
                & ~Q(builtin__in=builtins.STANCE_LINKS)
                | Q(stance__isnull=False, source__isnull=True, builtin__in=builtins.STANCE_LINKS),
                name="%(app_label)s_%(class)s_stance_or_source",
            ),
            # One holder and one evidence per stance.
            models.UniqueConstraint(
                fields=["stance", "builtin"],
                condition=Q(stance__isnull=False),
                name="%(app_label)s_%(class)s_one_link_per_stance",
            ),
            # A claim names one claimant span (the claimant text is the other way).
            models.UniqueConstraint(
                fields=["source"],
                condition=Q(builtin=builtins.CLAIMANT),
                name="%(app_label)s_%(class)s_one_claimant",
            ),
            models.UniqueConstraint(
                fields=["annotation", "label", "source", "target"],
                name="%(app_label)s_%(class)s_one_per_label_and_ends",
            ),
            models.UniqueConstraint(
                fields=["annotation", "client_id"],
                condition=Q(client_id__isnull=False),
                name="%(app_label)s_%(class)s_client_id_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["label", "annotation"], name="relation_label_annotation_idx"),
            # "The claims naming this span" (deleting or relabelling a claimant): an index
            # that fits it alone; else PostgreSQL without statistics ANDed the target's index
            # with the one-claimant one. Only claimant relations: users' cost it nothing.
            models.Index(
                fields=["target"],
                condition=Q(builtin=builtins.CLAIMANT),
                name="relation_claimant_target_idx",
            ),
            # "The stances held or evidenced by this span" (deleting or relabelling it).
            models.Index(
                fields=["target"],
                condition=Q(builtin__in=builtins.STANCE_LINKS),
                name="relation_stance_target_idx",
            ),
        ]

    def __str__(self) -> str:
        start = f"stance {self.stance_id}" if self.source_id is None else self.source_id
        return f"relation #{self.pk} ({start} -> {self.target_id})"


def claimants_linked(spans: "Iterable[Span]") -> list[Span]:
    """Return the spans (read ``with_claimant()``), each claim's ``claimant`` set to the span
    among them that it names, without a query (a claimant not among them is read on use)."""
    found = list(spans)
    by_id = {span.pk: span for span in found}
    for span in found:
        claimant = by_id.get(span.claimant_id) if span.claimant_id is not None else None
        if claimant is not None:
            span.claimant = claimant
    return found


def claimant_of(span: Any, field: str = "id") -> Subquery:
    """A field of the claimant span of ``span`` (``OuterRef("pk")``): its id unless ``field``
    names another; NULL when the claim names none. One row at most (one claimant per claim)."""
    named = Relation.links.filter(builtin=builtins.CLAIMANT, source=span).order_by()
    return Subquery(named.values("target_id" if field == "id" else f"target__{field}")[:1])


def stance_link_of(stance: Any, role: str, field: str = "id") -> Subquery:
    """A field of the span that is the ``role`` (builtins.HOLDER or EVIDENCE) of ``stance``
    (``OuterRef("pk")``): its id unless ``field`` names another; NULL when it has none."""
    named = Relation.links.filter(builtin=role, stance=stance).order_by()
    return Subquery(named.values("target_id" if field == "id" else f"target__{field}")[:1])


def stance_links_read(stances: "Iterable[Stance]", spans: "Iterable[Span]") -> list[Stance]:
    """Return the stances (read ``with_links()``), each holder and evidence set to the span
    among ``spans`` that it names, without a query (one not among them is read on use)."""
    found = list(stances)
    by_id: dict[int | None, Span] = {span.pk: span for span in spans}
    for stance in found:
        if (holder := by_id.get(stance.holder_id)) is not None:
            stance.holder = holder
        if (evidence := by_id.get(stance.evidence_id)) is not None:
            stance.evidence = evidence
    return found


class DocumentLabel(models.Model):
    """A document-level label (topic, genre, verdict) one annotation gives its document."""

    # Indexed through the unique constraint that starts with it.
    annotation = models.ForeignKey(
        Annotation, on_delete=models.CASCADE, related_name="document_labels", db_index=False
    )
    # Indexed through (label, annotation), which starts with it.
    label = models.ForeignKey(
        Label, on_delete=models.RESTRICT, related_name="document_labels", db_index=False
    )

    class Meta:
        ordering = ["annotation_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["annotation", "label"], name="%(app_label)s_%(class)s_once_per_label"
            ),
        ]
        indexes = [
            models.Index(fields=["label", "annotation"], name="doclabel_label_annotation_idx"),
        ]

    def __str__(self) -> str:
        return f"document label #{self.pk}"


class EventAction(models.TextChoices):
    ANNOTATION_CREATED = "annotation_created", "Annotation created"
    STATUS_CHANGED = "status_changed", "Status changed"
    REASSIGNED = "reassigned", "Reassigned"
    SPAN_CREATED = "span_created", "Span created"
    SPAN_CHANGED = "span_changed", "Span changed"
    SPAN_DELETED = "span_deleted", "Span deleted"
    STANCE_CREATED = "stance_created", "Stance created"
    STANCE_CHANGED = "stance_changed", "Stance changed"
    STANCE_DELETED = "stance_deleted", "Stance deleted"
    RELATION_CREATED = "relation_created", "Relation created"
    RELATION_CHANGED = "relation_changed", "Relation changed"
    RELATION_DELETED = "relation_deleted", "Relation deleted"
    DOCUMENT_LABELS_CHANGED = "document_labels_changed", "Document labels changed"
    CLAIM_RECORD_CHANGED = "claim_record_changed", "Claim record changed"
    CONTENT_REPLACED = "content_replaced", "Content replaced"
    GOLD_BUILT = "gold_built", "Gold built"
    REVERTED = "reverted", "Change reverted"


class AnnotationEvent(models.Model):
    """Append-only: the audit trail, the source of annotator timing, and what reverts use."""

    # Indexed through (annotation, id), which starts with it.
    annotation = models.ForeignKey(
        Annotation, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(max_length=32, choices=EventAction.choices)
    object_id = models.BigIntegerField(
        null=True, blank=True, help_text="The span or stance the event is about."
    )
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    version = models.PositiveIntegerField(help_text="The annotation's version after the change.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["annotation_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=EventAction.values),
                name="%(app_label)s_%(class)s_action_valid",
            ),
        ]
        indexes = [
            # "The newest (or first) event of an annotation" walks this index from one end of
            # the annotation's range. With only the annotation_id index, PostgreSQL without
            # statistics walked the primary key backwards through the whole log instead
            # (9.2 s for an export batch of 1,000 documents, issue 14).
            models.Index(fields=["annotation", "id"], name="event_annotation_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} v{self.version}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("Annotation events are append-only; they are never changed.")
        super().save(*args, **kwargs)
