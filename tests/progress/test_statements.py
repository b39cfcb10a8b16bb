"""Each of progress's hand-written statements gives what its ORM twin gives, on PostgreSQL, over the same data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import models, transaction
from django.utils import timezone

from content.selectors import course_outline
from progress import xapi
from progress.models import CourseProgress, Enrolment, ItemProgress, ItemState, ModuleProgress, Statement
from progress.selectors import states_and_modules
from progress.services import enrolment_cancel, item_result_record, lesson_complete
from progress.services.aggregates import _figures_from_outline
from progress.services.events import _item_object, _statement_build, _statements_built
from progress.services.items import _apply_event
from progress.statements import (
    FirstOpen,
    LessonRows,
    dashboard_rows,
    dashboard_rows_orm,
    enrolment_for_course_path,
    enrolment_for_course_path_orm,
    item_and_module_rows,
    item_and_module_rows_orm,
    item_first_open,
    item_first_open_orm,
    item_result_upsert,
    item_result_upsert_orm,
    lesson_complete_write,
    lesson_complete_write_orm,
)
from tests.progress.factories import build_course, enrolled, items_of, learner

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def fields_of(instance: models.Model | None) -> dict[str, Any] | None:
    """Every concrete field's value, as the model holds it."""
    if instance is None:
        return None
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def normalized(rows) -> list[tuple[Any, ...]]:
    """Rows of (kind, id, state, score or percent, revision id) in one order, their numbers as Decimal (JSON text
    gives a float's text as Decimal, the ORM a Decimal)."""
    return sorted((kind, pk, state, None if n is None else Decimal(str(n)), rev) for kind, pk, state, n, rev in rows)


def studied(course, user) -> Enrolment:
    enrolment = enrolled(course, user)
    items = items_of(course)
    lesson_complete(user=user, lesson=items[0].specific)
    item_result_record(user=user, item=items[1], completed=False, score=Decimal("87.50"), occurred_at=timezone.now())
    item_result_record(user=user, item=items[3], completed=True, score=Decimal("66.67"), occurred_at=timezone.now())
    return enrolment


def test_the_gate_reads_the_enrolment_course_aggregate_and_rows_the_orm_reads():
    course = build_course(modules=2, lessons_per_module=3, sequential=True)
    user = learner()
    studied(course, user)

    enrolment, rows = enrolment_for_course_path(user_id=user.pk, course_path=course.path, with_rows=True)
    twin, twin_rows = enrolment_for_course_path_orm(user_id=user.pk, course_path=course.path)

    assert enrolment is not None and twin is not None
    assert fields_of(enrolment) == fields_of(twin)
    assert fields_of(enrolment.course) == fields_of(twin.course)
    assert fields_of(enrolment.course_progress) == fields_of(twin.course_progress)
    assert normalized(rows) == normalized(twin_rows) and len(rows) == 5  # three items touched, two modules


@pytest.mark.postgres
def test_the_gate_of_some_items_reads_their_rows_and_every_module_aggregate_as_the_orm_does():
    """The item page of a long course reads only its module's item rows (`item_ids`): the ORM twin's rows less the
    other items', whichever ids the list holds (the lowest and highest bound the index's range)."""
    course = build_course(modules=2, lessons_per_module=3)
    user = learner()
    studied(course, user)
    _twin, twin_rows = enrolment_for_course_path_orm(user_id=user.pk, course_path=course.path)
    touched = [pk for kind, pk, *_rest in twin_rows if kind == "item"]
    for wanted in ([touched[1]], [touched[0], touched[2]], [], [touched[2] + 1000]):
        _read, rows = enrolment_for_course_path(
            user_id=user.pk, course_path=course.path, with_rows=True, item_ids=wanted
        )
        expected = [row for row in twin_rows if row[0] == "module" or row[1] in wanted]
        assert normalized(rows) == normalized(expected)


def test_the_separate_read_of_the_rows_gives_what_the_orm_union_gives():
    course = build_course(modules=2, lessons_per_module=3)
    enrolment = studied(course, learner())
    rows, twin_rows = (
        item_and_module_rows(enrolment_id=enrolment.pk),
        item_and_module_rows_orm(enrolment_id=enrolment.pk),
    )
    assert sorted(rows) == sorted(twin_rows) and len(rows) == 5  # three items touched, two modules
    assert item_and_module_rows(enrolment_id=enrolment.pk + 1000) == []


def test_the_gate_finds_an_enrolment_without_an_aggregate_and_no_enrolment_as_the_orm_does():
    course = build_course(modules=1, lessons_per_module=2)
    user, stranger = learner(), learner()
    enrolment = enrolled(course, user)
    enrolment.course_progress.delete()

    read, rows = enrolment_for_course_path(user_id=user.pk, course_path=course.path, with_rows=True)
    twin, twin_rows = enrolment_for_course_path_orm(user_id=user.pk, course_path=course.path)
    assert read is not None and twin is not None
    assert not hasattr(read, "course_progress") and not hasattr(twin, "course_progress")
    assert fields_of(read) == fields_of(twin) and normalized(rows) == normalized(twin_rows)
    assert enrolment_for_course_path(user_id=stranger.pk, course_path=course.path) == (None, [])
    assert enrolment_for_course_path_orm(user_id=stranger.pk, course_path=course.path) == (None, [])


def test_the_locking_gate_reads_what_the_orm_reads():
    course = build_course(modules=1, lessons_per_module=2)
    user = learner()
    studied_enrolment = enrolled(course, user)
    with transaction.atomic():
        locked, rows = enrolment_for_course_path(user_id=user.pk, course_path=course.path, lock=True)
    twin, _rows = enrolment_for_course_path_orm(user_id=user.pk, course_path=course.path)
    assert locked is not None and locked.pk == studied_enrolment.pk and rows == []
    assert fields_of(locked) == fields_of(twin) and fields_of(locked.course) == fields_of(twin.course)


def test_the_dashboard_statement_gives_the_orm_rows_in_the_orm_order():
    user = learner()
    opened, completed, untouched, left = (build_course(modules=1, lessons_per_module=2) for _ in range(4))
    studied(build_course(modules=2, lessons_per_module=3), user)
    enrolled(untouched, user)
    enrolled(opened, user)
    lesson_complete(user=user, lesson=items_of(opened)[0].specific)
    enrolled(completed, user)
    for item in items_of(completed):
        lesson_complete(user=user, lesson=item.specific)
    enrolment_cancel(enrolment=enrolled(left, user), user=user)

    rows = dashboard_rows(user_id=user.pk)
    assert rows == dashboard_rows_orm(user_id=user.pk)
    assert len(rows) == 4 and any(row["completed_at"] for row in rows)
    assert dashboard_rows(user_id=learner().pk) == dashboard_rows_orm(user_id=learner().pk) == []


def event_facts(row) -> tuple[Any, ...] | None:
    """What an event may move on an item row (the revision and the row's times are not an event's)."""
    if row is None:
        return None
    return (row.enrolment_id, row.item_id, row.state, row.score, row.started_at, row.completed_at, row.last_event_at)


def test_the_item_row_upsert_merges_each_event_as_the_orm_twin_does():
    """The same events, out of order and repeated, through the statement (one enrolment) and the twin (another):
    after each one, the rows before and after are the same, and a repeat writes nothing in either."""
    course = build_course()
    item = items_of(course)[1]
    by_statement, by_twin = enrolled(course, learner()), enrolled(course, learner())
    t0 = timezone.now()
    minute = timedelta(minutes=1)
    events = [
        (False, None, t0 + 2 * minute),  # opened
        (False, Decimal("40.00"), t0 + 3 * minute),  # a first score
        (False, Decimal("40.00"), t0 + 3 * minute),  # the same event again: nothing moves
        (False, Decimal("25.00"), t0 + 4 * minute),  # a lower score: only the last event's time moves
        (True, Decimal("80.00"), t0 + minute),  # a late completion from earlier: earliest start and completion
        (True, Decimal("80.00"), t0 + minute),
    ]
    with transaction.atomic():
        for completed, score, at in events:
            now = timezone.now()
            common = {"item_id": item.pk, "completed": completed, "score": score, "occurred_at": at, "now": now}
            stated = item_result_upsert(enrolment_id=by_statement.pk, **common)
            twin = item_result_upsert_orm(
                enrolment_id=by_twin.pk,
                merge=lambda row, c=completed, s=score, a=at: _apply_event(row, completed=c, score=s, occurred_at=a),
                **common,
            )
            assert [event_facts(row) and event_facts(row)[1:] for row in stated] == [
                event_facts(row) and event_facts(row)[1:] for row in twin
            ]
    assert stated[1] is None and twin[1] is None  # the last event was a repeat: nothing written
    stored = {row.enrolment_id: event_facts(row)[1:] for row in ItemProgress.objects.filter(item_id=item.pk)}
    assert stored[by_statement.pk] == stored[by_twin.pk]
    assert stored[by_statement.pk][1:] == ("complete", Decimal("80.00"), t0 + minute, t0 + minute, t0 + 4 * minute)


def first_open_state(enrolment: Enrolment, item) -> dict[str, Any]:
    """What a first visit writes, for one enrolment: its "last opened", the item row's facts, its statements and
    the count of started items in the course and module aggregates."""
    enrolment.refresh_from_db()
    row = ItemProgress.objects.filter(enrolment=enrolment, item=item).first()
    module = ModuleProgress.objects.filter(enrolment=enrolment, module_id=item.get_parent().pk).first()
    return {
        "last_opened": (enrolment.last_opened_item_id, enrolment.last_opened_at),
        "row": row and (row.state, row.score, row.started_at, row.completed_at, row.last_event_at, row.revision_id),
        "statements": sorted(
            (s.verb, s.payload["object"]["id"], s.status) for s in Statement.objects.filter(enrolment=enrolment)
        ),
        "started": (CourseProgress.objects.get(enrolment=enrolment).items_started, module and module.items_started),
    }


def test_a_first_visit_statement_writes_what_the_orm_twin_writes():
    """A first visit, a repeat of it, and a visit of an unenrolled learner, through the statement (one pair of
    learners) and the twin (another): the same rows, and the same answer each time."""
    course = build_course(modules=2, lessons_per_module=3)
    items = items_of(course)
    item, module_id = items[4], items[4].get_parent().pk
    by_statement, by_twin = enrolled(course, learner()), enrolled(course, learner())
    gone_statement, gone_twin = enrolled(course, learner()), enrolled(course, learner())
    for enrolment in (gone_statement, gone_twin):
        enrolment_cancel(enrolment=enrolment, user=enrolment.user)
    now = timezone.now()

    def visit(write, enrolment: Enrolment) -> FirstOpen:
        enrolment.course = course
        statement = _statement_build(enrolment=enrolment, verb=xapi.VERB_ATTEMPTED, object_=_item_object(item))
        return write(
            enrolment_id=enrolment.pk,
            item_id=item.pk,
            module_id=module_id,
            revision_id=item.live_revision_id,
            now=now,
            statement=statement,
        )

    for pair in ((by_statement, by_twin), (by_statement, by_twin), (gone_statement, gone_twin)):
        stated, twin = visit(item_first_open, pair[0]), visit(item_first_open_orm, pair[1])
        assert stated == twin
        assert first_open_state(pair[0], item) == first_open_state(pair[1], item)
    assert first_open_state(by_statement, item)["started"] == (1, 1)
    assert first_open_state(gone_statement, item)["row"] is None


def lesson_rows(enrolment: Enrolment, item, now, moved: list[str]) -> LessonRows:
    """What `lesson_complete` writes for `item` at `now`, worked out from the enrolment's rows as it does."""
    states, _modules = states_and_modules(enrolment)
    score = states[item.pk]["score"] if item.pk in states else None
    states[item.pk] = {"state": ItemState.COMPLETE, "score": score}
    statements = _statements_built(enrolment=enrolment, item=item, score=score, moved=moved, occurred_at=now)
    module_rows, progress = _figures_from_outline(
        enrolment=enrolment, outline=course_outline(course=enrolment.course), states=states
    )
    return LessonRows(enrolment.pk, item.pk, now, statements, module_rows, progress)


def lesson_state(enrolment: Enrolment) -> dict[str, Any]:
    """The rows a lesson's completion writes, without their keys and write times."""
    unwritten = {"id", "enrolment_id", "updated_at"}

    def figures(row: models.Model) -> dict[str, Any]:
        return {name: value for name, value in fields_of(row).items() if name not in unwritten}

    rows = ItemProgress.objects.filter(enrolment=enrolment).order_by("item_id")
    return {
        "items": [
            (r.item_id, r.state, r.score, r.started_at, r.completed_at, r.last_event_at, r.revision_id) for r in rows
        ],
        "statements": sorted(
            (s.verb, s.payload["object"]["id"], str(s.payload.get("result")))
            for s in Statement.objects.filter(enrolment=enrolment)
        ),
        "modules": [figures(m) for m in ModuleProgress.objects.filter(enrolment=enrolment).order_by("module_id")],
        "course": figures(CourseProgress.objects.get(enrolment=enrolment)),
    }


def test_the_lesson_completion_statement_writes_what_the_orm_twin_writes():
    """A lesson never opened (a new row, "attempted" and "completed", the aggregates' first rows), a lesson in
    progress with a score (its row updated, "completed" with the score), and the first lesson again with an earlier
    time (its completion moves back, its last event stays): the same rows and counts through the statement and the
    twin."""
    course = build_course(modules=2, lessons_per_module=3)
    items = items_of(course)
    by_statement, by_twin = enrolled(course, learner()), enrolled(course, learner())
    now = timezone.now()
    for enrolment in (by_statement, by_twin):
        item_result_record(user=enrolment.user, item=items[4], completed=False, score=Decimal("40.00"), occurred_at=now)
    steps = [
        (items[0], now, ["started", "completed"]),
        (items[4], now + timedelta(minutes=1), ["completed"]),
        (items[0], now - timedelta(minutes=1), []),
    ]
    for item, at, moved in steps:
        counts = []
        for write, enrolment in ((lesson_complete_write, by_statement), (lesson_complete_write_orm, by_twin)):
            with transaction.atomic():
                Enrolment.objects.select_for_update().get(pk=enrolment.pk)
                counts.append(tuple(write(lesson_rows(enrolment, item, at, moved))))
        assert counts[0] == counts[1] == (1, len(moved), 2, 1)
        assert lesson_state(by_statement) == lesson_state(by_twin)
    state = lesson_state(by_statement)
    assert state["items"][0][1:6] == (
        ItemState.COMPLETE,
        None,
        now - timedelta(minutes=1),
        now - timedelta(minutes=1),
        now,
    )
    assert state["course"]["items_done"] == 2 and state["course"]["items_started"] == 2
    assert len(state["statements"]) == 6  # and the enrolment's, the scored lesson's "attempted" and "scored"
