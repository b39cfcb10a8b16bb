"""Hand-written statements: prepared statements for the few fixed ones that run on every page of a kind, and
model instances built from their rows as the ORM would build them.

Django binds parameters on the client and sets psycopg's `prepare_threshold` to None, so PostgreSQL parses and
plans every statement on every request; for a small join through Wagtail's page tables, planning costs several
times what executing does. `fixed_statement_rows()` runs a statement that psycopg prepares on the connection the
first time and then only executes (persistent connections keep it across requests).

Statements still go through Django's cursor wrapper: query counting, `execute_wrapper`s and debug logging see
them as any other. Only statements run here are prepared: Django's own cursors bind client-side and psycopg never
prepares those. `DATABASE_PREPARED_STATEMENTS=false` turns it off (a transaction-pooling PgBouncer before 1.21).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import NotSupportedError, connection, connections, models
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

# PostgreSQL refuses a prepared statement whose result columns changed type (a migration altered a column);
# psycopg keeps the statement, so every later execution on that connection would fail the same way.
_RESULT_TYPE_CHANGED = "cached plan must not change result type"


class _LoggedPreparedCursor(CursorDebugWrapper):
    """Logs a prepared statement with its parameters inlined, as Django logs its own statements.

    Django's PostgreSQL backend reads the logged text from psycopg's client-side binding, which a server-binding
    cursor does not have; for server-side binding Django composes it the same way.
    """

    def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):  # type: ignore[no-untyped-def]
        if use_last_executed_query:
            sql = self.db.ops.compose_sql(sql, params)
        return super().debug_sql(sql, params, use_last_executed_query=False, many=many)


def prepared_statements_enabled() -> bool:
    """True on PostgreSQL with psycopg 3 when the connection may prepare (settings: DATABASE_PREPARED_STATEMENTS)."""
    if connection.vendor != "postgresql":
        return False
    # What connection.cursor() does first: the connection this cursor will use must be open and usable.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    return getattr(connection.connection, "prepare_threshold", None) is not None


@contextmanager
def _cursor() -> Iterator[CursorWrapper]:
    if not prepared_statements_enabled():
        with connection.cursor() as cursor:
            yield cursor
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    # django-stubs types these with Django's wrapper in mind, not psycopg's raw cursor they take at run time.
    with connection.wrap_database_errors:
        raw = ServerBindingCursor(connection.connection)  # type: ignore[call-arg]
    # What connection.cursor() does with its raw cursor, with a debug wrapper that can show a prepared statement.
    connection.validate_thread_sharing()
    if connection.queries_logged:
        wrapper: CursorWrapper = _LoggedPreparedCursor(raw, connection)
    else:
        wrapper = connection.make_cursor(raw)  # type: ignore[arg-type]
    with wrapper as cursor:
        yield cursor


def _run(sql: str, params: Sequence[Any] | Mapping[str, Any], *, fetch: bool) -> tuple[list[tuple[Any, ...]], int]:
    with _cursor() as cursor:
        cursor.execute(sql, params)
        return (cursor.fetchall() if fetch else []), cursor.rowcount


def _fixed(sql: str, params: Sequence[Any] | Mapping[str, Any], *, fetch: bool) -> tuple[list[tuple[Any, ...]], int]:
    try:
        return _run(sql, params, fetch=fetch)
    except NotSupportedError as error:
        if _RESULT_TYPE_CHANGED not in str(error) or connection.in_atomic_block or not connection.get_autocommit():
            raise  # in a transaction its rollback clears psycopg's prepared statements
        # Outside a transaction nothing would clear them: a new connection prepares the statement afresh.
        connection.close()
        return _run(sql, params, fetch=fetch)


def fixed_statement_rows(*, sql: str, params: Sequence[Any] | Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of `sql`, a statement whose text is fixed per process (only `params` change): one query.

    Prepared on PostgreSQL (psycopg keeps one prepared statement per distinct text on each connection, at most
    `prepared_max`, least recently used first out); on SQLite or with prepared statements off, a plain query.
    """
    return _fixed(sql, params, fetch=True)[0]


def fixed_statement_run(*, sql: str, params: Sequence[Any] | Mapping[str, Any]) -> int:
    """Run `sql`, a fixed statement that returns no rows (an UPDATE without RETURNING, say), as
    `fixed_statement_rows` runs its statements; returns the count of rows it changed."""
    return _fixed(sql, params, fetch=False)[1]


def converted(values: Sequence[Any], converters: Sequence[tuple[list[Callable[..., Any]], Any]]) -> list[Any]:
    """`values` of a hand-written row, each through its column's converters (SQLite answers text and floats)."""
    result = []
    for value, (functions, expression) in zip(values, converters, strict=True):
        for function in functions:
            value = function(value, expression, connection)
        result.append(value)
    return result


def column_converters(field: models.Field) -> tuple[list[Callable[..., Any]], Any]:
    """The converters Django's compiler applies to `field`'s column, with the column they take."""
    column = field.get_col(field.model._meta.db_table)
    return connection.ops.get_db_converters(column) + column.get_db_converters(connection), column


@dataclass(frozen=True)
class RowShape:
    """The columns of one model in a hand-written SELECT, with the converters Django's compiler would apply."""

    model: type[models.Model]
    columns: list[str]
    attnames: list[str]
    converters: list[tuple[list[Callable[..., Any]], Any]]

    def build(self, values: Sequence[Any]) -> models.Model:
        return self.model.from_db(connection.alias, self.attnames, converted(values, self.converters))


def row_shape(model: type[models.Model], *, unread: tuple[str, ...] = ()) -> RowShape:
    """The shape of `model`'s concrete columns (those of its parents' tables too), less the fields in `unread`,
    which the built instance leaves deferred."""
    quote = connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if f.name not in unread]
    return RowShape(
        model=model,
        columns=[f"{quote(f.model._meta.db_table)}.{quote(str(f.column))}" for f in fields],
        attnames=[f.attname for f in fields],
        converters=[column_converters(f) for f in fields],
    )


@dataclass(frozen=True)
class FixedQuery:
    """A queryset's SELECT as the ORM composed it once, to run again with other values of its placeholders: prepared
    (`fixed_statement_rows`), its rows built as the ORM builds them (with its select_related objects and annotations),
    without composing the statement again. For a read that runs for every request or task of a kind, where composing
    a statement of many joins and subqueries costs more than running it."""

    sql: str
    params: tuple[Any, ...]
    slots: tuple[int, ...]  # the positions of the parameters that change, in the placeholders' order
    compiler: Any  # the SQLCompiler that composed it: its columns, converters and the objects' shapes

    @functools.cached_property
    def _reader(self) -> tuple[int, int, list[str], list[Any], dict[int, Any]]:
        """What building the rows takes, worked out once (it was a third of a small read's CPU): the main model's
        columns and attributes, the related objects' populators and the columns' converters, as
        `SQLCompiler.results_iter` and `ModelIterable` work them out on every query."""
        from django.db.models.query import get_related_populators

        compiler = self.compiler
        klass_info, select = compiler.klass_info, compiler.select
        columns = [column[0] for column in select[0 : compiler.col_count]]
        if compiler.has_composite_fields(columns):
            raise ValueError("a fixed query does not build composite primary keys")
        converters = compiler.get_converters(columns)
        if klass_info is None:  # a values() queryset: rows, no objects
            return 0, 0, [], [], converters
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        attnames = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, connection.alias)  # type: ignore[call-arg]  # the stubs are Django 6's
        return start, end, attnames, populators, converters

    def _results(self, values: Sequence[Any]) -> Iterator[Any]:
        if len(values) != len(self.slots):
            raise TypeError(f"{len(self.slots)} values expected, one for each placeholder: {values!r}")
        params = list(self.params)
        for slot, value in zip(self.slots, values, strict=True):
            params[slot] = _adapted(value)
        rows: Any = fixed_statement_rows(sql=self.sql, params=params)
        converters = self._reader[4]
        return self.compiler.apply_converters(rows, converters) if converters else iter(rows)  # type: ignore[no-any-return]

    def objects(self, *values: Any) -> list[models.Model]:
        """The model instances of the queryset run with `values` for its placeholders."""
        compiler = self.compiler
        start, end, attnames, populators, _converters = self._reader
        model, annotations = compiler.klass_info["model"], compiler.annotation_col_map.items()
        built = []
        for row in self._results(values):
            instance = model.from_db(connection.alias, attnames, row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            for name, position in annotations:
                setattr(instance, name, row[position])
            built.append(instance)
        return built

    def values(self, *values: Any) -> list[dict[str, Any]]:
        """The rows of a `values()` queryset run with `values` for its placeholders, as `values()` answers them."""
        query = self.compiler.query
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        return [dict(zip(names, row, strict=True)) for row in self._results(values)]


def _adapted(value: Any) -> Any:
    """A datetime as the ORM passes it to the database (SQLite: text), so that a placeholder and the value that
    replaces it take the same form."""
    return connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value


def fixed_query(
    queryset: models.QuerySet[Any], *, placeholder: Any = None, placeholders: Sequence[Any] = ()
) -> FixedQuery:
    """`queryset`, filtered on `placeholder` (or on each of `placeholders`, in the order `FixedQuery.objects` and
    `FixedQuery.values` take their values), composed once. Each placeholder is a value no other parameter of the
    statement has. Compose it once per process (functools.cache); the queryset must not have related objects known
    in advance (those are the ORM's to add at run time)."""
    if getattr(queryset, "_known_related_objects", None) or getattr(queryset, "_prefetch_related_lookups", None):
        raise ValueError("a fixed query builds only its own rows and their select_related objects")
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    slots = []
    for stand_in in placeholders or [placeholder]:
        found = [index for index, param in enumerate(params) if param == _adapted(stand_in)]
        if len(found) != 1:
            raise ValueError(f"each placeholder must be one parameter of the statement: {stand_in!r} in {params!r}")
        slots.append(found[0])
    return FixedQuery(sql=sql, params=tuple(params), slots=tuple(slots), compiler=compiler)


class AnyOf(models.Lookup):  # type: ignore[type-arg]
    """PostgreSQL: `lhs = ANY(rhs)`, rhs an array: a filter on a list of keys whose statement text does not change
    with the list's length, so a `fixed_query` can take a batch of any size. Built by `any_of`."""

    lookup_name = "any_of"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def any_of(column: str, values: list[int], of: models.Field) -> AnyOf:  # type: ignore[type-arg]
    """PostgreSQL: `column = ANY(values)`, the values one parameter cast to an array of `of` (the column's type):
    `fixed_query(queryset.filter(any_of("pk", stand_in, BigIntegerField())), placeholder=stand_in)`."""
    from django.contrib.postgres.fields import ArrayField
    from django.db.models.functions import Cast

    return AnyOf(models.F(column), Cast(models.Value(values), ArrayField(of)))


# --- rows written as one JSON parameter ---------------------------------------------------------------------


def json_rowset(model: type[models.Model]) -> str:
    """PostgreSQL: the rows of a `rows_json` parameter as a table of `model`'s row type, to select from
    (`INSERT INTO t (...) SELECT ... FROM {json_rowset(Model)}`). PostgreSQL reads each column's value with that
    column's own type. One short statement text for any number of rows, so it can be prepared
    (`fixed_statement_rows`): a VALUES list of 50 rows of 22 columns took twice as long, its 1,100 placeholders
    parsed by psycopg and its text planned on every run."""
    table = connection.ops.quote_name(model._meta.db_table)
    return f"json_populate_recordset(NULL::{table}, %s::json)"


def rows_json(instances: Sequence[models.Model], fields: Sequence[models.Field]) -> str:  # type: ignore[type-arg]
    """The values `fields` of `instances` would be saved with by an INSERT (each field's `pre_save` for an addition,
    which fills `auto_now` and `auto_now_add` fields on the instance, then `get_db_prep_save`), as one JSON array of
    objects by column name: the parameter of `json_rowset`."""
    wrapper = connections[connection.alias]  # the connection itself: its proxy costs a lookup an attribute
    columns = [(str(field.column), field) for field in fields]
    rows = [
        {column: field.get_db_prep_save(field.pre_save(instance, True), wrapper) for column, field in columns}
        for instance in instances
    ]
    return json.dumps(rows, default=_json_value, ensure_ascii=False, separators=(",", ":"))


def _json_value(value: Any) -> Any:
    """A database value JSON has no type for, as PostgreSQL's input for its column reads it."""
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    from django.db.backends.postgresql.psycopg_any import Jsonb

    if isinstance(value, Jsonb):  # a JSONField's value: the JSON its encoder writes
        return json.loads((value.dumps or json.dumps)(value.obj))
    raise TypeError(f"{type(value).__name__} has no JSON form for json_populate_recordset: {value!r}")
