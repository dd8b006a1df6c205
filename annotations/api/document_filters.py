"""The document list's search, filters and sort: one FilterSet for the API and the browser page.

What each role may filter by follows ``access``: every member filters by their own status
(``status``: new, in_progress, submitted, skipped) and by gold; only reviewers and managers
filter by other people's work (``reviewed``, ``disputed``, ``assigned_to``). An annotator who
asks for those is refused (403) rather than answered with a list that would reveal it.

Search (``q``) is a case-insensitive "contains" over the text and the external id: on
PostgreSQL a scan of the project's documents (each text decompressed), no index; hence the
bound on its length. ``docs/documents.md`` gives its cost.
"""

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import F, OrderBy, Q, QuerySet

from annotations import access, selectors
from annotations.api.serializers import DOCUMENT_STATUSES
from annotations.models import Document

UNKNOWN_PARAMETER = "Unknown query parameter; expected one of: {names}."
REVIEWERS_ONLY_FILTER = (
    "Only reviewers and managers filter by other people's work (annotators work blind): {names}."
)
TRUE_VALUES = ("1", "true")
FALSE_VALUES = ("0", "false")
# Shown as yes / no; "true" and "false" are accepted too (API callers send them).
FLAG_CHOICES = [("1", "yes"), ("0", "no")]
ANY = "any"
SEARCH_MAX_LENGTH = 200
# The filters that look at other people's work.
REVIEW_FILTERS = ("reviewed", "disputed", "assigned_to")
SORT_KEYS = {"id": "id", "external_id": "external_id", "status": "caller_status"}
SORT_KEYS_NULLABLE = {"updated": "updated"}


class FlagField(django_filters.fields.ChoiceField):
    """A yes / no choice that also takes ``true`` and ``false``."""

    def valid_value(self, value: Any) -> bool:
        return value in TRUE_VALUES or value in FALSE_VALUES


class FlagFilter(django_filters.ChoiceFilter):
    field_class = FlagField


class StableOrderingFilter(django_filters.OrderingFilter):
    """Order by the keys asked for, then by id: pages never repeat or skip a document.

    Without the id, documents tied on status or external id come back in whatever order the
    database likes, page by page; and ``?ordering=,`` would clear the ordering altogether.
    A document nobody has touched has no ``updated``: it comes last either way, on SQLite and
    PostgreSQL alike (they disagree on where NULL sorts by default).
    """

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        params = [param for param in value or () if param]
        if not params:
            return qs
        return qs.order_by(*(self._key(param) for param in params), "id")

    def _key(self, param: str) -> OrderBy:
        name = self.get_ordering_value(param)
        field = F(name.removeprefix("-"))
        if name.startswith("-"):
            return field.desc(nulls_last=True)
        return field.asc(nulls_last=True)


class DocumentFilter(django_filters.FilterSet):
    """The document list's filters; a parameter it does not know is an error, not ignored."""

    q = django_filters.CharFilter(
        method="search", label="Text or external id contains", max_length=SEARCH_MAX_LENGTH
    )
    status = django_filters.ChoiceFilter(
        field_name="caller_status",
        label="My status",
        empty_label=ANY,
        choices=[(value, value.replace("_", " ")) for value in DOCUMENT_STATUSES],
    )
    has_gold = FlagFilter(choices=FLAG_CHOICES, method="gold", label="Has gold", empty_label=ANY)
    reviewed = FlagFilter(
        choices=FLAG_CHOICES, method="reviewed_filter", label="Reviewed", empty_label=ANY
    )
    disputed = FlagFilter(
        choices=FLAG_CHOICES, method="disputed_filter", label="Disputed", empty_label=ANY
    )
    assigned_to = django_filters.CharFilter(
        method="assigned_filter", label="Assigned to", max_length=150
    )
    external_id = django_filters.CharFilter(field_name="external_id")
    ordering = StableOrderingFilter(
        label="Sort",
        empty_label="id",
        fields=(
            *((field, key) for key, field in SORT_KEYS.items()),
            *((field, key) for key, field in SORT_KEYS_NULLABLE.items()),
            ("created_at", "created_at"),
        ),
    )

    # Read by the paginator, not by a filter.
    passthrough = frozenset({"page"})

    class Meta:
        model = Document
        fields: list[str] = []

    def __init__(self, *args: Any, role: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role = role

    def is_valid(self) -> bool:
        asked = [name for name in REVIEW_FILTERS if (self.data or {}).get(name)]
        if asked and not access.sees_others_work(self.role):
            raise PermissionDenied(REVIEWERS_ONLY_FILTER.format(names=", ".join(asked)))
        valid = super().is_valid()
        known = set(self.filters) | self.passthrough
        unknown = sorted(name for name in self.data or {} if name not in known)
        names = ", ".join(sorted(known))
        for name in unknown:
            self.form.errors[name] = self.form.error_class([UNKNOWN_PARAMETER.format(names=names)])
        return valid and not unknown

    def gold(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(has_gold=value in TRUE_VALUES)

    def reviewed_filter(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return selectors.document_reviewed(queryset, reviewed=value in TRUE_VALUES)

    def disputed_filter(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return selectors.document_disputed(queryset, disputed=value in TRUE_VALUES)

    def assigned_filter(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return selectors.document_assigned_to(queryset, username=value)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(text__icontains=value) | Q(external_id__icontains=value))
