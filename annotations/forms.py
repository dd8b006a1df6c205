"""Forms of the browser pages: they parse and name field errors; the services decide."""

from collections.abc import Sequence
from typing import Any, cast

from django import forms

from annotations import rules
from annotations.exports import FORMATS, missing_package
from annotations.models import AttributeType, LabelKind, QueueOrder, Role
from annotations.selectors import (
    COMMENTS_OPEN,
    REVIEW_IN_REVIEW,
    REVIEW_NO_GOLD,
    REVIEW_NOT_REVIEWED,
    REVIEW_REVIEWED,
)
from annotations.services.ingest import AS_GOLD, AS_PREDICTION, ATTACH, SKIP, SUPPORTED_EXTENSIONS
from annotations.services.releases import DEFAULT_FORMATS, NAME_MAX, SNAPSHOT_FORMAT

STATE_CHOICES = [
    ("", "All submitted"),
    (REVIEW_NOT_REVIEWED, "Not reviewed"),
    (REVIEW_NO_GOLD, "No gold yet"),
    (REVIEW_IN_REVIEW, "Gold in review"),
    (REVIEW_REVIEWED, "Reviewed"),
]


class ReviewQueueFilter(forms.Form):
    """The review queue's filters: gold state, one annotator, one label, open comments."""

    state = forms.ChoiceField(choices=STATE_CHOICES, required=False, label="Gold")
    annotator = forms.ChoiceField(required=False, label="Annotator")
    label = forms.ChoiceField(required=False, label="Label")
    comments = forms.ChoiceField(
        choices=[("", "Any"), (COMMENTS_OPEN, "Has open comments")],
        required=False,
        label="Comments",
    )

    def __init__(self, *args, usernames: list[str], labels: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["annotator"]).choices = [
            ("", "Anyone"),
            *((u, u) for u in usernames),
        ]
        cast(forms.ChoiceField, self.fields["label"]).choices = [
            ("", "Any label"),
            *((n, n) for n in labels),
        ]

    def filters(self) -> dict[str, str | None]:
        """The valid filters as review_queue takes them (None: not filtered)."""
        data = self.cleaned_data if self.is_valid() else {}
        names = ("state", "annotator", "label", "comments")
        return {name: data.get(name) or None for name in names}


class MemberAddForm(forms.Form):
    username = forms.CharField(max_length=150, label="Username")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ANNOTATOR)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


END_KIND_CHOICES = [
    ("", "Any span"),
    *((kind, f"{kind} span") for kind in rules.RELATION_ENDPOINT_KINDS),
]


class LabelForm(forms.Form):
    """A label's fields; an empty colour lets the service pick one the project lacks."""

    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=LabelKind.choices)
    color = forms.CharField(
        max_length=7,
        required=False,
        label="Colour",
        widget=forms.TextInput(attrs={"placeholder": "#rrggbb", "size": 8}),
    )
    shortcut = forms.CharField(max_length=1, required=False, strip=False, label="Key")
    description = forms.CharField(required=False, widget=forms.TextInput())
    group = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Group",
        help_text="Document labels only.",
    )

    # A relation label's kinds of span at each end. A plain CharField under a select: the
    # service (label_errors) is the one judge of the value, as it is for the API's.
    source_kind = forms.CharField(
        required=False,
        label="Starts at",
        widget=forms.Select(choices=END_KIND_CHOICES),
    )
    target_kind = forms.CharField(
        required=False,
        label="Ends at",
        widget=forms.Select(choices=END_KIND_CHOICES),
    )

    def __init__(self, *args, groups: Sequence[tuple[int, str]] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["group"])
        field.choices = [("", "—"), *groups]
        self.fields["kind"].widget.attrs["data-kind-select"] = ""
        # Shown (and sent) only while the kind is relation: labelkinds.js follows the kind
        # select, so a label changed away from relation sends no end kinds.
        relation = self._kind() == LabelKind.RELATION
        for name in ("source_kind", "target_kind"):
            self.fields[name].for_kind = LabelKind.RELATION  # type: ignore[attr-defined]
            if not relation:
                self.fields[name].widget.attrs["disabled"] = True

    def _kind(self) -> str:
        if self.is_bound:
            return str(self.data.get(self.add_prefix("kind"), ""))
        return str(self.initial.get("kind") or LabelKind.choices[0][0])


class LabelGroupForm(forms.Form):
    """A label group: the set document labels are chosen in."""

    name = forms.CharField(max_length=100)
    multiple = forms.TypedChoiceField(
        choices=[("no", "One label"), ("yes", "Any number")],
        coerce=lambda value: value == "yes",
        label="Choice",
    )
    required = forms.TypedChoiceField(
        choices=[("no", "Optional"), ("yes", "Required to submit")],
        coerce=lambda value: value == "yes",
        label="Required",
    )
    position = forms.IntegerField(min_value=0, max_value=32767, initial=0, label="Order")


class AttributeForm(forms.Form):
    """One attribute of a label; its choices one per line (the service checks them)."""

    name = forms.CharField(max_length=64)
    type = forms.ChoiceField(choices=AttributeType.choices)
    required = forms.BooleanField(required=False)
    choices = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 18}),
        help_text="Choice types: one per line.",
    )
    description = forms.CharField(required=False, widget=forms.TextInput())

    def declaration(self) -> dict[str, object]:
        """The attribute as the label services take it."""
        data = self.cleaned_data
        lines = [line.strip() for line in data["choices"].splitlines()]
        return {
            "name": data["name"],
            "type": data["type"],
            "required": data["required"],
            "choices": [line for line in lines if line],
            "description": data["description"],
        }


OVERLAP_CHOICES = [
    ("no", "No overlap: spans of one kind may not share a character"),
    ("yes", "Overlap allowed: spans of one kind may overlap"),
]


class ProjectForm(forms.Form):
    """A project's settings as the settings page and the new-project page edit them."""

    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    guidelines = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Markdown: # headings, **bold**, - lists, [links](https://…).",
    )
    annotators_per_document = forms.IntegerField(min_value=1, initial=1)
    allow_overlap = forms.TypedChoiceField(
        choices=OVERLAP_CHOICES, coerce=lambda value: value == "yes", label="Overlap rule"
    )
    sentence_units = forms.BooleanField(
        required=False,
        label="Sentence units",
        help_text="Label every sentence with a sentence label (one key per sentence); a "
        "document is submitted once every sentence has one.",
    )
    show_suggestions = forms.BooleanField(
        required=False,
        initial=True,
        label="Show suggestions",
        help_text="Annotators see a model's predictions as suggestions to accept or reject "
        "(untick for blind studies: annotators then read no predictions at all).",
    )
    suggestions_from = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Imported predictions")],
        label="Suggestions from",
        help_text="The recommender whose newest ready version annotators see.",
    )

    def __init__(
        self, *args: Any, recommenders: list[tuple[int, str]] | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        # A new project has no recommender yet: it shows the imported predictions.
        if recommenders is None:
            del self.fields["suggestions_from"]
        else:
            field = cast(forms.TypedChoiceField, self.fields["suggestions_from"])
            field.choices = [("", "Imported predictions"), *recommenders]

    queue_order = forms.ChoiceField(
        choices=QueueOrder.choices,
        required=False,
        initial=QueueOrder.ID,
        label="Queue order",
        help_text="Which document the queue hands out next: in document order, the model's "
        "least confident prediction first, or its highest-scoring one first (docs/managing.md).",
    )

    def clean_queue_order(self) -> str:
        # Left out (a form written before the setting existed): kept as it is.
        value: str = self.cleaned_data.get("queue_order") or ""
        return value or str(self.initial.get("queue_order") or QueueOrder.ID)


class TargetForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.TextInput())


FORMAT_DESCRIPTIONS = {
    "jsonl": "jsonl (native, always built)",
    "doccano": "doccano",
    "conll": "conll (BIO, entities)",
    "conll2003": "conll2003 (4 columns, entities)",
    "csv": "csv (entities, claims, stances)",
    "spacy": "spacy (DocBin)",
    "hf": "hf (Hugging Face JSON Lines)",
    "parquet": "parquet (Hugging Face records)",
    "brat": "brat (zip of .txt/.ann)",
    "labelstudio": "labelstudio (tasks JSON)",
    "ranked": "ranked (sentence units by score, CheckThat! run)",
    "claimreview": "claimreview (schema.org ClaimReview JSON-LD, claims with a verdict)",
    "averitec": "averitec (AVeriTeC JSON, claims with a record)",
    "qrels": "qrels (CheckThat! claim retrieval: decided claim links)",
    "clusters": "clusters (claim clusters, JSON Lines)",
}


class FormatCheckboxes(forms.CheckboxSelectMultiple):
    """The formats of a release, as checkboxes; jsonl, which is always built, shows ticked."""

    def create_option(self, name, value, *args, **kwargs) -> dict:
        option = super().create_option(name, value, *args, **kwargs)
        if value == SNAPSHOT_FORMAT:
            option["attrs"].update(checked=True, disabled=True)
        return option


class ReleaseForm(forms.Form):
    """A new release: its name and formats (the page's script sends them to the API)."""

    name = forms.CharField(max_length=NAME_MAX, widget=forms.TextInput(attrs={"size": 30}))
    formats = forms.MultipleChoiceField(widget=FormatCheckboxes, required=False)
    split = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"size": 10, "placeholder": "80,10,10"}),
        help_text="Percentages train,validation,test (or train,test); empty: not split.",
    )
    seed = forms.IntegerField(
        required=False, min_value=0, widget=forms.NumberInput(attrs={"placeholder": "0"})
    )
    reviewed_only = forms.BooleanField(
        required=False,
        initial=True,
        label="Only reviewed gold",
        help_text="Gold a reviewer marked reviewed; untick to release all gold, including gold "
        "reopened and still under review.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A format whose package is missing here cannot be built: not offered.
        available = [entry.name for entry in FORMATS.values() if missing_package(entry) is None]
        cast(forms.MultipleChoiceField, self.fields["formats"]).choices = [
            (name, FORMAT_DESCRIPTIONS[name]) for name in available
        ]
        self.fields["formats"].initial = [name for name in DEFAULT_FORMATS if name in available]


def _options(label: str, *choices: tuple[str, str]) -> forms.ChoiceField:
    """A choice among the API's values of an import option, its default first."""
    return forms.ChoiceField(label=label, choices=choices, initial=choices[0][0])


class ImportForm(forms.Form):
    """An upload and the import's options (the page's script sends them to the API)."""

    file = forms.FileField(
        label="File",
        widget=forms.FileInput(attrs={"accept": ",".join(SUPPORTED_EXTENSIONS)}),
    )
    normalize = forms.BooleanField(
        required=False, label="Normalise the text to NFC (this changes the stored characters)"
    )
    collapse_repeats = forms.BooleanField(
        required=False, label="Collapse passages repeated inside a document"
    )
    offsets = _options(
        "Offsets of pre-annotations",
        ("auto", "Read from the spans (said in the report)"),
        ("utf16", "UTF-16 code units (doccano, older Label Studio)"),
        ("codepoints", "Code points (ours, brat, Prodigy, spaCy)"),
    )
    # The API's parameter is "as" (a Python keyword): the script sends this field under it.
    annotate_as = _options(
        "Pre-annotations become",
        (AS_PREDICTION, "Predictions, to review (the default)"),
        (AS_GOLD, "Gold: a dataset adjudicated elsewhere"),
    )
    on_duplicate = _options(
        "A text already in the project",
        (SKIP, "Skip it: reported as a duplicate"),
        (ATTACH, "Attach its pre-annotations to the document that has it"),
    )
    create_labels = forms.BooleanField(
        required=False,
        label="Create the labels the project lacks (instead of dropping their spans)",
    )


class DocumentAssignForm(forms.Form):
    """The document browser's "Assign": the documents ticked and the member to hand them to."""

    annotator = forms.ChoiceField(label="Assign to")
    documents = forms.TypedMultipleChoiceField(coerce=int, choices=(), label="Documents")

    def __init__(self, *args, usernames: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["annotator"]).choices = [
            ("", "choose a member…"),
            *((name, name) for name in usernames),
        ]
        # Any id is a choice here (one that is not a number is refused as "not a valid
        # choice"): the service refuses, by id, those that are not the project's.
        ticked = self.data.getlist("documents") if hasattr(self.data, "getlist") else []
        documents = cast(forms.TypedMultipleChoiceField, self.fields["documents"])
        documents.choices = [(value, value) for value in ticked]
        documents.error_messages["required"] = "Tick at least one document."


class RecommenderForm(forms.Form):
    """Add a recommender (the recommenders page): an external one names a configured server."""

    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(
        choices=[
            ("dictionary", "Dictionary of the gold's strings"),
            ("ner", "Built-in NER (spaCy, trained on the gold)"),
            ("external", "External model server"),
        ]
    )
    server = forms.ChoiceField(
        required=False,
        help_text="External only: one of the servers the administrator configured.",
    )

    def __init__(self, *args: Any, servers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["server"].choices = [("", "—"), *((name, name) for name in servers)]  # type: ignore[attr-defined]
