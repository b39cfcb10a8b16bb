"""The project's own hand-written SQL: every statement lms runs, in one place (lms/db.py runs other apps' fixed
statements and holds none of its own)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.db import connection, models

from lms.db import fixed_statement_rows, json_rowset, rows_json
from lms.models import OutboxMessage

# Readiness: the smallest statement the database must answer. No table, so no ORM twin.
DATABASE_ANSWERS = "SELECT 1"


def database_answers() -> bool:
    """True when the database runs a statement and returns its row; DatabaseError when it does not answer."""
    with connection.cursor() as cursor:
        cursor.execute(DATABASE_ANSWERS)
        return cursor.fetchone() == (1,)


# The outbox's messages, recorded in the transaction of the change that causes them: one prepared statement for
# any number of rows (`lms.db.json_rowset`). Every credential records its e-mail's message, and the ORM's
# `bulk_create` composed and planned its INSERT on every call. ORM twin: `outbox_messages_insert_orm`.


def outbox_messages_insert(messages: Sequence[OutboxMessage]) -> None:
    """INSERT `messages` (new, unsaved) with one statement, and set their primary keys."""
    if connection.vendor != "postgresql":
        outbox_messages_insert_orm(messages)
        return
    rows = fixed_statement_rows(sql=_outbox_insert_sql(), params=[rows_json(messages, _outbox_fields())])
    for message, (pk,) in zip(messages, rows, strict=True):  # RETURNING gives them in the order of the JSON
        message.pk = pk
        message._state.adding = False


def outbox_messages_insert_orm(messages: Sequence[OutboxMessage]) -> None:
    OutboxMessage.objects.bulk_create(messages)


def _outbox_fields() -> list[models.Field]:  # type: ignore[type-arg]
    return [field for field in OutboxMessage._meta.concrete_fields if not field.primary_key]


@cache
def _outbox_insert_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in _outbox_fields())
    table = quote(OutboxMessage._meta.db_table)
    return f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {json_rowset(OutboxMessage)} RETURNING id"  # noqa: S608
