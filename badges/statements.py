"""badges' hand-written SQL, each statement beside its ORM twin (used on SQLite, and compared with it on
PostgreSQL by `tests/badges/test_statements.py`). They name only badges' own tables.

Three are kept, each for what it buys on PostgreSQL:
- `award_for_verification`: the verification page's one read (the award with its learner, badge and course),
  written by the ORM once per process and run prepared: composing it on every request (five joins, Wagtail's page
  table among them) cost more than rendering the page's twelve-row baseline (issue 19: the page of a credential
  never seen before, ≤ 1.5× that baseline). Its twin is `award_for_verification_orm`.
- `awards_insert`: a batch of signed awards stored, and their status indexes counted, by one statement (the
  counter's UPDATE in a CTE feeding the INSERT): one round trip a batch whatever its size, the credential issue
  target's throughput path (a credential issued alone is a batch of one).
- `status_index_reserve`: one index counted in the issuer's newest list, in one round trip, and the same statement
  lets that short transaction commit without waiting for the disk (`lazy_commit`): one disk flush a credential
  on the stepwise path instead of two.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import cast

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Length

from badges.models import Award, AwardStatus, StatusList
from lms.db import FixedQuery, fixed_query, fixed_statement_rows, json_rowset, rows_json

# --- the verification page's award ------------------------------------------------------------------------------


def _verification_queryset(code: str) -> QuerySet[Award]:
    return (
        Award.objects.filter(code=code, status=AwardStatus.ISSUED)
        .select_related("learner", "achievement__course", "pathway")
        .order_by("pk")[:1]
    )


def award_for_verification_orm(*, code: str) -> Award | None:
    """An issued award with its learner, badge (and the badge's course) and pathway: one query."""
    return _verification_queryset(code).first()


# No award has this code: the verification statement is composed with it, and run with the code asked for.
_ANY_CODE = ""


@cache
def _verification_query() -> FixedQuery:
    """The ORM's statement, composed once per process (lms.db.fixed_query builds its objects as the ORM does)."""
    return fixed_query(_verification_queryset(_ANY_CODE), placeholder=_ANY_CODE)


def award_for_verification(*, code: str) -> Award | None:
    """`award_for_verification_orm` as one prepared statement composed once per process (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return award_for_verification_orm(code=code)
    found = _verification_query().objects(code)
    return cast(Award, found[0]) if found else None


# --- one index counted in the issuer's newest list -----------------------------------------------------------


def status_index_reserve(*, issuer_id: int, lazy_commit: bool = False) -> tuple[StatusList | None, int]:
    """Count one more index as allocated in the issuer's newest list, unless it is full.

    Returns (the list with only its id, issuer and number loaded, its size in bits), or (None, 0) when the
    issuer has no list yet or its newest list is full.

    `lazy_commit` (PostgreSQL): the same statement sets `synchronous_commit` off for the rest of the
    transaction, so its COMMIT does not wait for the disk. Only for a transaction whose rows are stored
    again by a later synchronous commit before anyone relies on them (see `issuing._award_row`).
    """
    if connection.vendor != "postgresql":
        return status_index_reserve_orm(issuer_id=issuer_id)
    rows = fixed_statement_rows(sql=_status_index_reserve_sql(lazy=lazy_commit), params=[issuer_id])
    if not rows:
        return None, 0
    list_id, number, size = rows[0][:3]
    return _list(list_id, issuer_id, number), size


@lru_cache(maxsize=2)
def _status_index_reserve_sql(*, lazy: bool) -> str:
    table = connection.ops.quote_name(StatusList._meta.db_table)
    # set_config(..., true) is SET LOCAL as a function, so it rides on this round trip instead of its own.
    returning = ", set_config('synchronous_commit', 'off', true)" if lazy else ""
    return (
        f"UPDATE {table} SET allocated = allocated + 1"  # noqa: S608 (the model's own table name)
        f" WHERE id = (SELECT id FROM {table} WHERE issuer_id = %s ORDER BY number DESC LIMIT 1)"
        f" AND allocated < length(bits) * 8 RETURNING id, number, length(bits) * 8{returning}"
    )


def status_index_reserve_orm(*, issuer_id: int) -> tuple[StatusList | None, int]:
    """`status_index_reserve` with the ORM: the newest list's number and size, then the conditional UPDATE."""
    newest = (
        StatusList.objects.filter(issuer_id=issuer_id)
        .order_by("-number")
        .values_list("pk", "number", Length("bits") * 8)
        .first()
    )
    if newest is None:
        return None, 0
    list_id, number, size = newest
    if not StatusList.objects.filter(pk=list_id, allocated__lt=size).update(allocated=F("allocated") + 1):
        return None, 0
    return _list(list_id, issuer_id, number), size


def _list(list_id: int, issuer_id: int, number: int) -> StatusList:
    return StatusList.from_db(connection.alias, ["id", "issuer_id", "number"], [list_id, issuer_id, number])


# --- a batch of signed awards stored, their indexes counted ------------------------------------------------------


def awards_insert(*, status_list_id: int, awards: list[Award]) -> dict[tuple[int, int | None], int]:
    """Store signed award rows and count their indexes as allocated in their status list, unless that would pass
    the list's size (then store nothing). Rows a unique constraint refuses (an award of the learner
    stored meanwhile, a clashing code or status index) are skipped, and their indexes counted all the same: the
    counter may run ahead of the rows, never behind them. Sets the stored awards' primary keys; returns their ids by
    (learner id, achievement id).

    On PostgreSQL one prepared statement whatever the number of awards (the counter's UPDATE in a CTE, the INSERT
    from it, the rows one JSON parameter: `lms.db.json_rowset`): one round trip for the lot.
    """
    if connection.vendor != "postgresql":
        return awards_insert_orm(status_list_id=status_list_id, awards=awards)
    params = [len(awards), status_list_id, len(awards), rows_json(awards, _award_fields())]
    rows = fixed_statement_rows(sql=_awards_insert_sql(), params=params)
    return _stored(awards, {(learner_id, achievement_id): pk for pk, learner_id, achievement_id in rows})


def _award_fields() -> list:  # type: ignore[type-arg]
    return [field for field in Award._meta.concrete_fields if not field.primary_key]


@cache
def _awards_insert_sql() -> str:
    """The statement of `awards_insert`, written once per process."""
    quote = connection.ops.quote_name
    lists, table = quote(StatusList._meta.db_table), quote(Award._meta.db_table)
    columns = ", ".join(quote(str(field.column)) for field in _award_fields())
    return (
        f"WITH reserved AS (UPDATE {lists} SET allocated = allocated + %s"  # noqa: S608 (the models' tables)
        " WHERE id = %s AND allocated + %s <= length(bits) * 8 RETURNING id)"
        f" INSERT INTO {table} ({columns}) SELECT {columns} FROM {json_rowset(Award)}, reserved"
        " ON CONFLICT DO NOTHING RETURNING id, learner_id, achievement_id"
    )


def awards_insert_orm(*, status_list_id: int, awards: list[Award]) -> dict[tuple[int, int | None], int]:
    """`awards_insert` with the ORM, in one transaction (the caller's, when it has one): the counter's UPDATE, the
    rows' INSERT skipping those a constraint refuses, and the stored rows read back by their codes."""
    with transaction.atomic(savepoint=False):
        count = len(awards)
        reserved = StatusList.objects.filter(pk=status_list_id, allocated__lte=Length("bits") * 8 - count).update(
            allocated=F("allocated") + count
        )
        if not reserved:
            return _stored(awards, {})
        Award.objects.bulk_create(awards, ignore_conflicts=True)
        by_code = {award.code: (award.learner_id, award.achievement_id) for award in awards}
        rows = Award.objects.filter(code__in=by_code).values_list("pk", "code", "learner_id", "achievement_id")
        return _stored(
            awards, {(learner, badge): pk for pk, code, learner, badge in rows if by_code[code] == (learner, badge)}
        )


def _stored(awards: list[Award], stored: dict[tuple[int, int | None], int]) -> dict[tuple[int, int | None], int]:
    for award in awards:
        award.pk = stored.get((award.learner_id, award.achievement_id))
        award._state.adding = award.pk is None
    return stored
