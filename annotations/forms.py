"""Forms of the browser pages: they parse and name field errors; the services decide."""

from django import forms

from annotations.models import LabelKind, Role
from annotations.selectors import (
    REVIEW_IN_REVIEW,
    REVIEW_NO_GOLD,
    REVIEW_NOT_REVIEWED,
    REVIEW_REVIEWED,
)

STATE_CHOICES = [
    ("", "All submitted"),
    (REVIEW_NOT_REVIEWED, "Not reviewed"),
    (REVIEW_NO_GOLD, "No gold yet"),
    (REVIEW_IN_REVIEW, "Gold in review"),
    (REVIEW_REVIEWED, "Reviewed"),
]


class ReviewQueueFilter(forms.Form):
    """The review queue's filters: gold state, one annotator, one label."""

    state = forms.ChoiceField(choices=STATE_CHOICES, required=False, label="Gold")
    annotator = forms.ChoiceField(required=False, label="Annotator")
    label = forms.ChoiceField(required=False, label="Label")

    def __init__(self, *args, usernames: list[str], labels: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["annotator"].choices = [("", "Anyone"), *((u, u) for u in usernames)]
        self.fields["label"].choices = [("", "Any label"), *((n, n) for n in labels)]

    def filters(self) -> dict[str, str | None]:
        """The valid filters as review_queue takes them (None: not filtered)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {name: data.get(name) or None for name in ("state", "annotator", "label")}


class MemberAddForm(forms.Form):
    username = forms.CharField(max_length=150, label="Username")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ANNOTATOR)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


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
