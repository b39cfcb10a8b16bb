"""Each statement of badges/statements.py gives on PostgreSQL what its ORM twin (the SQLite path) gives, over the
same data: each runs in a savepoint rolled back afterwards, and what it returned and left in the tables is compared."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from badges import statements
from badges.models import Award, AwardStatus, StatusList
from badges.services import award_code_generate, award_issue
from tests.factories import make_user

pytestmark = pytest.mark.postgres


def _rolled_back(run: Callable[[], Any], observe: Callable[[], Any]) -> tuple[Any, Any]:
    """What `run` returns and what `observe` then reads, with everything `run` wrote undone."""
    with transaction.atomic():
        result, seen = run(), observe()
        transaction.set_rollback(True)
    return result, seen


def _reserved(result: tuple[StatusList | None, int]) -> tuple[Any, ...]:
    status_list, size = result
    if status_list is None:
        return (None, size)
    return (status_list.pk, status_list.issuer_id, status_list.number, size)


def _allocated(issuer) -> list[tuple[int, int]]:
    return list(StatusList.objects.filter(issuer=issuer).order_by("number").values_list("number", "allocated"))


def _both_reserve(issuer) -> tuple[Any, Any]:
    sql = _rolled_back(
        lambda: _reserved(statements.status_index_reserve(issuer_id=issuer.pk)), lambda: _allocated(issuer)
    )
    orm = _rolled_back(
        lambda: _reserved(statements.status_index_reserve_orm(issuer_id=issuer.pk)), lambda: _allocated(issuer)
    )
    assert sql == orm
    return sql


def test_reserving_an_index_counts_it_in_the_newest_list_as_the_orm_does(issuer, achievement):
    assert _both_reserve(issuer) == ((None, 0), [])  # no list yet
    award_issue(learner=make_user(), achievement=achievement)  # opens the first list
    first = StatusList.objects.get(issuer=issuer)
    newer = StatusList.objects.create(issuer=issuer, number=2, bits=bytes(first.bits), allocated=5)
    (list_id, _issuer, number, size), allocated = _both_reserve(issuer)
    assert (list_id, number, size, allocated) == (newer.pk, 2, newer.size, [(1, 1), (2, 6)])  # the newest list
    StatusList.objects.filter(pk=newer.pk).update(allocated=newer.size)
    assert _both_reserve(issuer) == ((None, 0), [(1, 1), (2, newer.size)])  # full: nothing counted


def test_lazy_commit_changes_nothing_of_the_answer(issuer, achievement):
    award_issue(learner=make_user(), achievement=achievement)
    lazy = _rolled_back(
        lambda: _reserved(statements.status_index_reserve(issuer_id=issuer.pk, lazy_commit=True)),
        lambda: _allocated(issuer),
    )
    assert lazy == _both_reserve(issuer)


def _awards(achievement, status_list: StatusList, learners, indexes) -> list[Award]:
    now = timezone.now().replace(microsecond=0)
    return [
        Award(
            learner=learner,
            achievement=achievement,
            code=code,
            grade=80,
            status_list=status_list,
            status_index=index,
            awarded_at=now,
            attempts=1,
        )
        for learner, index, code in zip(learners, indexes, [award_code_generate() for _ in learners], strict=True)
    ]


def _stored_rows(status_list: StatusList) -> tuple[int, list[tuple[Any, ...]]]:
    rows = Award.objects.filter(status_list=status_list).order_by("learner_id")
    return (
        StatusList.objects.get(pk=status_list.pk).allocated,
        list(rows.values_list("learner_id", "achievement_id", "status_index", "grade", "code")),
    )


def _both_insert(achievement, status_list, learners, indexes) -> tuple[Any, Any]:
    """Both ways over the same awards (each way its own copies, with the same codes)."""
    awards = _awards(achievement, status_list, learners, indexes)
    copies = [Award(**{f.attname: getattr(a, f.attname) for f in Award._meta.concrete_fields}) for a in awards]

    def run(insert, batch):
        stored = insert(status_list_id=status_list.pk, awards=batch)
        return {key: (key in stored) for key in stored}, [award.pk is not None for award in batch]

    sql = _rolled_back(lambda: run(statements.awards_insert, awards), lambda: _stored_rows(status_list))
    orm = _rolled_back(lambda: run(statements.awards_insert_orm, copies), lambda: _stored_rows(status_list))
    return sql, orm


def test_a_batch_insert_stores_the_rows_and_counts_their_indexes_as_the_orm_does(issuer, achievement):
    holder = award_issue(learner=make_user(), achievement=achievement)  # opens the list, takes one index
    status_list = StatusList.objects.get(issuer=issuer)
    learners = [make_user() for _ in range(3)]
    free = [index for index in range(status_list.size) if index != holder.status_index][:3]
    sql, orm = _both_insert(achievement, status_list, learners, free)
    assert sql == orm
    (stored, flags), (allocated, rows) = sql
    assert len(stored) == 3 and flags == [True] * 3 and allocated == 1 + 3 and len(rows) == 4


def test_rows_a_constraint_refuses_are_skipped_and_counted_as_the_orm_does(issuer, achievement):
    holder = award_issue(learner=make_user(), achievement=achievement)
    status_list = StatusList.objects.get(issuer=issuer)
    # The holder's award of the badge exists (skipped); a new learner's index clashes with the holder's (skipped);
    # a third is stored.
    learners = [holder.learner, make_user(), make_user()]
    indexes = [index for index in range(status_list.size) if index != holder.status_index][:2]
    sql, orm = _both_insert(achievement, status_list, learners, [indexes[0], holder.status_index, indexes[1]])
    assert sql == orm
    (_stored, flags), (allocated, rows) = sql
    assert flags == [False, False, True] and allocated == 1 + 3 and len(rows) == 2


def test_a_batch_too_big_for_the_list_stores_nothing_as_the_orm_does(issuer, achievement):
    award_issue(learner=make_user(), achievement=achievement)
    status_list = StatusList.objects.get(issuer=issuer)
    StatusList.objects.filter(pk=status_list.pk).update(allocated=status_list.size - 1)
    sql, orm = _both_insert(achievement, status_list, [make_user(), make_user()], [3, 4])
    assert sql == orm
    (stored, flags), (allocated, rows) = sql
    assert (stored, flags, allocated, len(rows)) == ({}, [False, False], status_list.size - 1, 1)


def _fields(instance) -> dict[str, Any] | None:
    if instance is None:
        return None
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _verification_read(award: Award | None) -> tuple[Any, ...] | None:
    """What the verification page reads of the award and of each object selected with it."""
    if award is None:
        return None
    achievement = award.achievement
    return (
        _fields(award),
        _fields(award.learner),
        _fields(achievement),
        _fields(achievement.course) if achievement is not None else None,
        _fields(award.pathway),
    )


def test_the_verification_read_builds_the_award_learner_badge_and_course_as_the_orm_does(
    achievement, django_assert_num_queries
):
    award = award_issue(learner=make_user(), achievement=achievement)
    with django_assert_num_queries(1):  # the learner, badge and course come with the award
        read = _verification_read(statements.award_for_verification(code=award.code))
    assert read == _verification_read(statements.award_for_verification_orm(code=award.code))
    assert read is not None and read[0]["id"] == award.pk and read[3] is not None
    assert statements.award_for_verification(code="NO-SUCH-CODE") is None
    Award.objects.filter(pk=award.pk).update(status=AwardStatus.FAILED)
    assert statements.award_for_verification(code=award.code) is None


def _every_column(status_list: StatusList) -> list[dict[str, Any]]:
    """Every column of the list's awards but those the database or the clock gives (id, created_at, updated_at)."""
    names = [f.attname for f in Award._meta.concrete_fields if f.attname not in {"id", "created_at", "updated_at"}]
    return list(Award.objects.filter(status_list=status_list).order_by("learner_id").values(*names))


def test_a_signed_award_reads_back_column_for_column_as_the_orm_stores_it(issuer, achievement):
    """The rows travel as one JSON parameter (`lms.db.json_rowset`): every type of the table (decimal, times with
    their zone, text with any character, booleans, nulls) must arrive as the ORM's INSERT stores it."""
    holder = award_issue(learner=make_user(), achievement=achievement)
    status_list = StatusList.objects.get(issuer=issuer)
    learners = [make_user(), make_user()]
    free = [index for index in range(status_list.size) if index != holder.status_index][:2]
    awards = _awards(achievement, status_list, learners, free)
    moment = timezone.now()
    for award, grade in zip(awards, ["87.50", None], strict=True):
        award.grade = grade
        award.status = AwardStatus.ISSUED
        award.valid_from, award.valid_until = moment.replace(microsecond=0), moment + timezone.timedelta(days=365)
        award.salt, award.identity_hash = "5a1t", "sha256$" + "ab" * 32
        award.credential_id = "urn:uuid:00000000-0000-4000-8000-000000000000"
        award.credential_json = '{"name": "Réseaux \\"sûrs\\" – 網絡\\n", "emoji": "🎓"}'
        award.name_public = False
    copies = [Award(**{f.attname: getattr(a, f.attname) for f in Award._meta.concrete_fields}) for a in awards]
    _sql_result, sql_rows = _rolled_back(
        lambda: statements.awards_insert(status_list_id=status_list.pk, awards=awards),
        lambda: _every_column(status_list),
    )
    _orm_result, orm_rows = _rolled_back(
        lambda: statements.awards_insert_orm(status_list_id=status_list.pk, awards=copies),
        lambda: _every_column(status_list),
    )
    assert sql_rows == orm_rows
    assert [row["credential_json"] for row in sql_rows[1:]] == [award.credential_json for award in awards]
    assert all(award.created_at is not None and award.updated_at is not None for award in awards)  # pre_save ran


def test_one_award_and_a_batch_run_the_same_prepared_statement(issuer, achievement, django_assert_num_queries):
    holder = award_issue(learner=make_user(), achievement=achievement)
    status_list = StatusList.objects.get(issuer=issuer)
    free = iter(index for index in range(status_list.size) if index != holder.status_index)
    for count in (1, 3, 50):
        learners = [make_user() for _ in range(count)]
        awards = _awards(achievement, status_list, learners, [next(free) for _ in range(count)])
        with django_assert_num_queries(1):
            stored = statements.awards_insert(status_list_id=status_list.pk, awards=awards)
        assert len(stored) == count and all(award.pk for award in awards)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["WITH reserved AS%"])
        assert len(cursor.fetchall()) == 1
