"""Model instances from hand-written SQL, for the few hot paths that every keystroke pays.

The ORM spends longer compiling the joins of the annotation write path (the caller's role,
the document, the project) than the database spends answering them: in bench/api.py each of
those queries cost ~1 ms of Python against ~0.15 ms in PostgreSQL. The SQL of these paths is
written once, from the models' own table and column names, and its rows become ordinary
model instances (with the same value conversions the ORM applies), so the code after them
cannot tell the difference. Everything else uses the ORM.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model

# How Django calls a value converter: (value, expression, connection) -> value.
Converter = Callable[..., Any]


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def field_of(model: type[Model], name: str) -> Field[Any, Any]:
    """One of ``model``'s concrete fields (by name or attname)."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field), f"{name} is not a column"
    return field


def column_of(model: type[Model], name: str) -> str:
    """The database column of one of ``model``'s concrete fields (by name or attname)."""
    return _column(field_of(model, name))


def _column(field: Field[Any, Any]) -> str:
    assert field.column, f"{field.name} is not a column"
    return field.column


@dataclass(frozen=True)
class Part:
    """Some columns of one table under an alias; ``fields`` None selects every column."""

    model: type[Model]
    alias: str
    fields: tuple[str, ...] | None = None
    _converters: dict[str, list[list[Converter]]] = field(default_factory=dict, compare=False)

    @cached_property
    def concrete(self) -> tuple[Field[Any, Any], ...]:
        every = self.model._meta.concrete_fields
        if self.fields is None:
            return tuple(every)
        by_name = {f.attname: f for f in every}
        return tuple(by_name[name] for name in self.fields)

    @property
    def table(self) -> str:
        return f"{quote(self.model._meta.db_table)} {self.alias}"

    def column(self, attname: str) -> str:
        return f"{self.alias}.{quote(column_of(self.model, attname))}"

    def select(self) -> str:
        return ", ".join(f"{self.alias}.{quote(_column(f))}" for f in self.concrete)

    def __len__(self) -> int:
        return len(self.concrete)

    @cached_property
    def attnames(self) -> list[str]:
        return [f.attname for f in self.concrete]

    @cached_property
    def pk_index(self) -> int:
        return next(i for i, f in enumerate(self.concrete) if f.primary_key)

    def load(self, values: Sequence[Any]) -> Model | None:
        """An instance from this part's values, converted as the ORM would convert them.

        None when the primary key is NULL: the row of an outer join that matched nothing.
        """
        if values[self.pk_index] is None:
            return None
        converters = self._converters_for()
        if any(converters):
            converted = []
            for convert_all, value in zip(converters, values, strict=True):
                for convert in convert_all:
                    value = convert(value, None, connection)
                converted.append(value)
            values = converted
        return self.model.from_db(connection.alias, self.attnames, values)

    def _converters_for(self) -> list[list[Converter]]:
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for f in self.concrete:
                column = f.get_col(self.alias)
                found.append(
                    connection.ops.get_db_converters(column) + column.get_db_converters(connection)
                )
            self._converters[connection.vendor] = found
        return found


def split(row: Sequence[Any], parts: Sequence[Part]) -> tuple[list[Model | None], Sequence[Any]]:
    """Load one instance (or None) per part from the front of ``row``; also the columns left."""
    instances = []
    at = 0
    for part in parts:
        instances.append(part.load(row[at : at + len(part)]))
        at += len(part)
    return instances, row[at:]


def fetch_one(sql: str, params: Sequence[Any]) -> Sequence[Any] | None:
    with _cursor() as cursor:
        cursor.execute(sql, params)
        row: Sequence[Any] | None = cursor.fetchone()
        return row


def _cursor() -> CursorWrapper:
    """Django's cursor; on PostgreSQL one whose statements are prepared once per connection.

    These few statements run on every write, so PostgreSQL parsing and planning them each
    time is most of the database's work; prepared, they are planned once per connection.
    Django's own wrapper stays around the cursor, so query logging and counting still see them.
    """
    cursor = connection.cursor()
    # prepare_threshold None (DATABASE_PREPARED_STATEMENTS=0): psycopg prepares nothing unless
    # asked, so this must not ask either; a pooler in transaction mode could not keep them.
    if connection.vendor == "postgresql" and connection.connection.prepare_threshold is not None:
        cursor.cursor.close()  # the client-side cursor Django made, replaced here
        cursor.cursor = _preparing_cursor_class()(connection.connection)
    return cursor


@cache
def _preparing_cursor_class() -> type:
    import psycopg

    class PreparingCursor(psycopg.Cursor):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            return super().execute(query, params, prepare=True, **kwargs)

    return PreparingCursor


def for_update(alias: str) -> str:
    """Lock the rows of ``alias`` only, where the database has row locks (SQLite locks at BEGIN)."""
    if not connection.features.has_select_for_update:
        return ""
    if connection.features.has_select_for_update_of:
        return f" FOR UPDATE OF {alias}"
    return " FOR UPDATE"


def bump_and_insert(
    model: type[Model], pk: int, counter: str, fields: dict[str, Any], *instances: Model
) -> None:
    """Add one to ``counter`` of one row (setting ``fields``) and INSERT the unsaved instances.

    On PostgreSQL all of it is one statement (data-modifying WITHs), elsewhere one statement
    each. An instance whose primary key is set is inserted with it (an id drawn beforehand,
    see selectors.span_create_facts), otherwise the database numbers it, and that number is
    not read back: give such instances last, or only one. Values are prepared as ``save()``
    prepares them (``auto_now_add`` included), but no signal is sent and no ``save()``
    override runs: use it for models without either. Instances inserted with their primary
    key are marked saved afterwards, as ``save()`` marks them.
    """
    names = tuple(fields)
    shapes = tuple((type(instance), instance.pk is not None) for instance in instances)
    update_sql, insert_sqls = _bump_and_insert_sql(model, counter, names, shapes, connection.vendor)
    params = [
        [*(field_of(model, name).get_db_prep_save(fields[name], connection) for name in names), pk]
    ]
    for instance, (_model, with_pk) in zip(instances, shapes, strict=True):
        params.append(
            [
                f.get_db_prep_save(f.pre_save(instance, True), connection)
                for f in instance._meta.concrete_fields
                if with_pk or not f.primary_key
            ]
        )
    with _cursor() as cursor:
        if connection.vendor == "postgresql":
            ctes = [f"bumped AS ({update_sql})"]
            ctes += [f"inserted_{n} AS ({sql})" for n, sql in enumerate(insert_sqls[:-1])]
            cursor.execute(
                f"WITH {', '.join(ctes)} {insert_sqls[-1]}", [p for ps in params for p in ps]
            )
        else:
            for sql, values in zip([update_sql, *insert_sqls], params, strict=True):
                cursor.execute(sql, values)
    for instance, (_model, with_pk) in zip(instances, shapes, strict=True):
        if with_pk:
            mark_saved(instance)


def mark_saved(instance: Model, using: str | None = None) -> None:
    """Tell Django the row exists, as ``Model.save_base`` does after its INSERT.

    The one place outside Django that sets ``Model._state``: for rows this module inserted
    itself, and for an instance the admin keeps after a service stored the row for it.

    Safe: these two attributes are all ``save_base`` sets once a row is written, and they are
    what Django reads to tell an existing row from a new one (``_state.adding`` makes
    ``validate_unique`` and ``validate_constraints`` exclude the row itself; ``_state.db``
    routes later queries of its related managers). Left unset, the instance would clash with
    itself in ``full_clean()`` (a ModelForm, the admin) on its unique client id.
    """
    instance._state.adding = False
    instance._state.db = using or connection.alias


@cache
def _bump_and_insert_sql(
    model: type[Model],
    counter: str,
    names: tuple[str, ...],
    shapes: tuple[tuple[type[Model], bool], ...],
    vendor: str,
) -> tuple[str, list[str]]:
    meta = model._meta
    column = quote(column_of(model, counter))
    assignments = [f"{column} = {column} + 1"]
    assignments += [f"{quote(column_of(model, name))} = %s" for name in names]
    update = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} "  # noqa: S608
        f"WHERE {quote(_column(meta.pk))} = %s"
    )
    inserts = []
    for inserted, with_pk in shapes:
        fields = [f for f in inserted._meta.concrete_fields if with_pk or not f.primary_key]
        inserts.append(
            f"INSERT INTO {quote(inserted._meta.db_table)} "  # noqa: S608
            f"({', '.join(quote(_column(f)) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
    return update, inserts
