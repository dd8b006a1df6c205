"""A span's stored attribute values split as clients read them, inside a query.

A span keeps all its label's attribute values in one JSON column, the built-ins'
(annotations.builtins: ``checkworthy``, ``claimant_text``) included. Readers that take rows
straight from the database (the API's detail, the annotate page, exports, agreement) read the
built-ins as the span's own fields and ``attributes`` without them, as ``Span`` does for a
model instance; a test holds the two equal. Removing keys from JSON is vendor SQL (jsonb's
``-`` on PostgreSQL, ``json_remove`` on SQLite), so it lives behind the fence.
"""

from typing import Any

from django.db.models import Func, JSONField, TextField, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce

from annotations import builtins

FIELD = "attribute_values"


class _WithoutKeys(Func):
    output_field = JSONField()

    def __init__(self, expression: Any, keys: tuple[str, ...]) -> None:
        super().__init__(expression)
        self.keys = keys

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(%(expressions)s - %(keys)s::text[])",
            keys="'{" + ",".join(self.keys) + "}'",
            **extra,
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        paths = ", ".join(f"'$.\"{key}\"'" for key in self.keys)
        return self.as_sql(
            compiler, connection, template=f"json_remove(%(expressions)s, {paths})", **extra
        )


def user_values() -> Func:
    """The span's user attribute values (``Span.attributes``), as JSON."""
    return _WithoutKeys(FIELD, builtins.CLAIM_ATTRIBUTES)


def builtin_value(name: str, *, through: str = "") -> Coalesce:
    """One built-in's value as its field reads it (``Span.checkworthy``): "" when not given.

    ``through`` names the relation to the span from the model queried (``"span__"``).
    """
    return Coalesce(
        KeyTextTransform(name, f"{through}{FIELD}"), Value(""), output_field=TextField()
    )
