"""Every hand-written statement of the benchmark harness, each beside its ORM twin where one exists.

What each one buys:
- `rows_copy_in` (COPY ... FROM STDIN): the dataset's item-progress rows (about a million in dataset M) load in
  seconds instead of minutes; its twin `rows_bulk_create` is what SQLite (the test suite's default) runs.
- `rows_copy_out` (COPY (query) TO STDOUT): the yardstick of the target "report export >= 20% of PostgreSQL
  COPY"; the statement is what is measured against, so it has no cheaper twin (`rows_fetch` reads the same rows).
- `server_version` (SHOW server_version): the PostgreSQL version written into RESULTS.md.
- The template-database statements (`database_*`, `analyze`): a dataset is built once into a template database
  and every run restores it by CREATE DATABASE ... TEMPLATE; these are server commands, with no ORM equivalent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
from django.db import connection
from django.db.models import Field, Model, QuerySet
from psycopg import sql

BATCH = 5_000


def chunks(rows: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field), f"{model.__name__}.{name} is not a concrete field"
    return field


# --- bulk load of the dataset's rows ------------------------------------------------------------------------


def rows_copy_in(model: type[Model], columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """COPY `rows` (values in the order of `columns`, field names) into `model`'s table. PostgreSQL only."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(str(_field(model, c).column)) for c in columns)
    count = 0
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def rows_bulk_create(model: type[Model], columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """The ORM twin of `rows_copy_in`: the same rows by `bulk_create`, in batches (an `auto_now` field gets the time
    of the insert, where COPY writes the value given)."""
    attnames = [_field(model, c).attname for c in columns]
    objs = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
    for chunk in chunks(objs):
        model._default_manager.bulk_create(chunk)
    return len(objs)


# --- the export's yardstick ------------------------------------------------------------------------------


def rows_copy_out(sql_text: str, params: Sequence[Any]) -> int:
    """How many rows COPY (the query `sql_text`) TO STDOUT as CSV sends: PostgreSQL's own export of the same rows.

    Takes a compiled query (`queryset.query.sql_with_params()`), so that only the COPY is timed."""
    copied = 0
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        bound = cursor.mogrify(sql_text, params)
        with cursor.copy(f"COPY ({bound}) TO STDOUT WITH (FORMAT csv)") as copy:
            for block in copy:
                copied += bytes(block).count(b"\n")
    return copied


def rows_fetch(query: QuerySet[Any, Any]) -> int:
    """The ORM twin of `rows_copy_out`: how many rows the query gives, read through the ORM."""
    return sum(1 for _row in query.iterator(chunk_size=BATCH))


# --- the server ----------------------------------------------------------------------------------------------


def server_version() -> str:
    """PostgreSQL's version as the server names it ("16.10")."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        row = cursor.fetchone()
    assert row is not None
    return str(row[0]).split()[0]


# --- template databases (psycopg connections to the maintenance database, autocommit) ------------------------


def database_comment(conn: psycopg.Connection[Any], name: str) -> str | None:
    """The comment on database `name`; None when there is no such database, "" when it has no comment."""
    row = conn.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
    ).fetchone()
    if row is None:
        return None
    return str(row[0] or "")


def database_comment_set(conn: psycopg.Connection[Any], name: str, comment: str) -> None:
    conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(comment)))


def database_drop(conn: psycopg.Connection[Any], name: str) -> None:
    # FORCE ends sessions on this benchmark database only (ours: a previous run or a killed build).
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def database_create(conn: psycopg.Connection[Any], name: str, *, template: str | None = None) -> None:
    if template is None:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    else:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))


def database_rename(conn: psycopg.Connection[Any], name: str, new_name: str) -> None:
    conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(name), sql.Identifier(new_name)))


def analyze(conn: psycopg.Connection[Any]) -> None:
    """Planner statistics for every table of the connection's database."""
    conn.execute("ANALYZE")
