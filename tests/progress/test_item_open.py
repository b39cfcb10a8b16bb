"""Opening an item: the first visit records it in progress; later visits only move "last opened"."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from content.selectors import course_outline
from progress import xapi
from progress.models import CourseProgress, Enrolment, ItemProgress, ItemState, ModuleProgress, Statement
from progress.selectors import learner_read
from progress.services import (
    FIGURE_FIELDS,
    LAST_OPENED_REFRESH,
    NotEnrolled,
    enrolment_cancel,
    item_open,
    lesson_complete,
    progress_refresh,
)
from tests.progress.factories import build_course, enrolled, items_of

pytestmark = pytest.mark.django_db


def opened_before(enrolment, item):
    """What the page gate hands item_open on a later visit: the active enrolment and the learner's item rows."""
    read = learner_read(user=enrolment.user, item=item)
    return read.enrolment, read.states


def test_a_first_visit_records_the_item_in_progress_with_its_statement_and_aggregate():
    course = build_course()
    enrolment = enrolled(course)
    lesson = items_of(course)[1]
    active, states = opened_before(enrolment, lesson)
    assert item_open(user=enrolment.user, item=lesson, enrolment=active, states=states) is None
    row = ItemProgress.objects.get(enrolment=enrolment, item=lesson)
    assert row.state == ItemState.IN_PROGRESS and row.revision_id == lesson.live_revision_id
    assert row.started_at == row.last_event_at and row.completed_at is None
    statement = Statement.objects.get(enrolment=enrolment, verb__endswith="attempted")
    assert statement.payload["object"]["id"] == xapi.activity_iri("lesson", lesson.pk)
    assert statement.payload["actor"]["name"] == str(enrolment.user)
    assert CourseProgress.objects.get(enrolment=enrolment).items_started == 1
    module = ModuleProgress.objects.get(enrolment=enrolment, module_id=lesson.get_parent().pk)
    assert module.items_started == 1
    enrolment.refresh_from_db()
    assert enrolment.last_opened_item_id == lesson.pk


def test_a_first_visit_writes_in_one_statement_and_updates_what_the_page_read(django_assert_num_queries):
    course = build_course()
    enrolment = enrolled(course)
    lesson = items_of(course)[1]
    active, states = opened_before(enrolment, lesson)
    course_outline(course=active.course)  # the page has read the outline (it is cached)
    with django_assert_num_queries(1):
        assert item_open(user=enrolment.user, item=lesson, enrolment=active, states=states) is None
    assert states[lesson.pk]["state"] == ItemState.IN_PROGRESS
    assert active.course_progress.items_started == 1  # the page shows what was written without reading it


def test_a_first_visit_gives_the_aggregates_a_full_rewrite_gives():
    """The increment of a first visit equals `progress_refresh` from the item rows, after other results."""
    course = build_course(modules=2, lessons_per_module=3)
    enrolment = enrolled(course)
    items = items_of(course)
    lesson_complete(user=enrolment.user, lesson=items[0])
    for item in (items[1], items[4]):
        active, states = opened_before(enrolment, item)
        item_open(user=enrolment.user, item=item, enrolment=active, states=states)
    incremented = figures_of(enrolment)
    locked = Enrolment.objects.select_related("course").get(pk=enrolment.pk)
    progress_refresh(enrolment=locked)
    assert figures_of(enrolment) == incremented
    assert incremented["course"]["items_started"] == 3 and incremented["course"]["items_done"] == 1


def figures_of(enrolment):
    fields = [name for name in FIGURE_FIELDS if name != "updated_at"]
    course = CourseProgress.objects.filter(enrolment=enrolment).values(*fields, "next_item_id").get()
    modules = {
        row.pop("module_id"): row
        for row in ModuleProgress.objects.filter(enrolment=enrolment).values("module_id", *fields)
    }
    return {"course": course, "modules": modules}


def test_a_first_visit_after_another_tab_wrote_the_row_moves_only_last_opened():
    course = build_course()
    enrolment = enrolled(course)
    lesson = items_of(course)[1]
    active, states = opened_before(enrolment, lesson)  # read before the other tab's write
    item_open(user=enrolment.user, item=lesson)
    row = item_open(user=enrolment.user, item=lesson, enrolment=active, states=states)
    assert row is not None and row.state == ItemState.IN_PROGRESS  # the page reads the rows again
    assert Statement.objects.filter(enrolment=enrolment, verb__endswith="attempted").count() == 1
    assert CourseProgress.objects.get(enrolment=enrolment).items_started == 1


def test_a_first_visit_without_its_module_aggregate_rewrites_the_aggregates():
    course = build_course(modules=2, lessons_per_module=2)
    enrolment = enrolled(course)
    lesson = items_of(course)[2]
    ModuleProgress.objects.filter(enrolment=enrolment, module_id=lesson.get_parent().pk).delete()
    active, states = opened_before(enrolment, lesson)
    assert item_open(user=enrolment.user, item=lesson, enrolment=active, states=states) is not None
    assert ModuleProgress.objects.get(enrolment=enrolment, module_id=lesson.get_parent().pk).items_started == 1
    assert CourseProgress.objects.get(enrolment=enrolment).items_started == 1


def test_a_first_visit_after_unenrolling_in_another_tab_is_refused_and_writes_nothing():
    course = build_course()
    enrolment = enrolled(course)
    lesson = items_of(course)[1]
    active, states = opened_before(enrolment, lesson)
    enrolment_cancel(enrolment=enrolment, user=enrolment.user)
    with pytest.raises(NotEnrolled):
        item_open(user=enrolment.user, item=lesson, enrolment=active, states=states)
    assert not ItemProgress.objects.filter(enrolment=enrolment, item=lesson).exists()
    assert not Statement.objects.filter(enrolment=enrolment, verb__endswith="attempted").exists()
    assert CourseProgress.objects.get(enrolment=enrolment).items_started == 0


def test_a_later_visit_only_moves_last_opened_in_one_query(django_assert_num_queries):
    course = build_course()
    enrolment = enrolled(course)
    first, second = items_of(course)[:2]
    item_open(user=enrolment.user, item=first)
    item_open(user=enrolment.user, item=second)
    row_before = ItemProgress.objects.get(enrolment=enrolment, item=first)
    active, states = opened_before(enrolment, first)
    with django_assert_num_queries(1):
        assert item_open(user=enrolment.user, item=first, enrolment=active, states=states) is None
    enrolment.refresh_from_db()
    assert enrolment.last_opened_item_id == first.pk
    row_after = ItemProgress.objects.get(pk=row_before.pk)
    assert row_after.updated_at == row_before.updated_at  # the item row was not rewritten
    assert Statement.objects.filter(enrolment=enrolment, verb__endswith="attempted").count() == 2


def test_reopening_the_last_opened_item_within_a_minute_writes_nothing(django_assert_num_queries):
    course = build_course()
    enrolment = enrolled(course)
    lesson = items_of(course)[0]
    item_open(user=enrolment.user, item=lesson)
    enrolment.refresh_from_db()
    opened_at = enrolment.last_opened_at
    active, states = opened_before(enrolment, lesson)
    with django_assert_num_queries(0):
        assert item_open(user=enrolment.user, item=lesson, enrolment=active, states=states) is None
    enrolment.refresh_from_db()
    assert (enrolment.last_opened_item_id, enrolment.last_opened_at) == (lesson.pk, opened_at)


def test_reopening_the_last_opened_item_after_a_minute_moves_last_opened(django_assert_num_queries):
    course = build_course()
    enrolment = enrolled(course)
    lesson = items_of(course)[0]
    item_open(user=enrolment.user, item=lesson)
    long_ago = timezone.now() - LAST_OPENED_REFRESH - timedelta(seconds=1)
    Enrolment.objects.filter(pk=enrolment.pk).update(last_opened_at=long_ago)
    active, states = opened_before(enrolment, lesson)
    with django_assert_num_queries(1):
        item_open(user=enrolment.user, item=lesson, enrolment=active, states=states)
    enrolment.refresh_from_db()
    assert enrolment.last_opened_item_id == lesson.pk
    assert enrolment.last_opened_at > long_ago + LAST_OPENED_REFRESH


def test_the_learner_read_of_an_item_page_builds_the_same_rows_as_the_orm():
    course = build_course()
    enrolment = enrolled(course)
    lesson = items_of(course)[0]
    lesson_complete(user=enrolment.user, lesson=lesson)
    read = learner_read(user=enrolment.user, item=lesson)
    orm = Enrolment.objects.select_related("course", "course_progress").get(pk=enrolment.pk)
    pairs = [(read.enrolment, orm), (read.enrolment.course, orm.course)]
    pairs.append((read.enrolment.course_progress, orm.course_progress))
    for mine, theirs in pairs:
        assert type(mine) is type(theirs)
        for field in type(theirs)._meta.concrete_fields:
            assert getattr(mine, field.attname) == getattr(theirs, field.attname), field.attname
    assert list(read.course.outcomes.raw_data) == list(orm.course.outcomes.raw_data)


def test_the_learner_read_of_an_enrolment_without_an_aggregate_has_none(django_assert_num_queries):
    course = build_course()
    enrolment = enrolled(course)
    CourseProgress.objects.filter(enrolment=enrolment).delete()
    read = learner_read(user=enrolment.user, item=items_of(course)[0])
    with django_assert_num_queries(0):
        assert getattr(read.enrolment, "course_progress", None) is None
        assert read.course.pk == course.pk


def test_a_later_visit_never_lowers_a_completed_item():
    course = build_course()
    enrolment = enrolled(course)
    lesson = items_of(course)[0]
    lesson_complete(user=enrolment.user, lesson=lesson)
    active, states = opened_before(enrolment, lesson)
    item_open(user=enrolment.user, item=lesson, enrolment=active, states=states)
    assert ItemProgress.objects.get(enrolment=enrolment, item=lesson).state == ItemState.COMPLETE


def test_a_later_visit_records_the_new_live_revision_of_the_item():
    course = build_course()
    enrolment = enrolled(course)
    lesson = items_of(course)[0]
    item_open(user=enrolment.user, item=lesson)
    assert ItemProgress.objects.get(enrolment=enrolment, item=lesson).revision_id is None
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    active, states = opened_before(enrolment, lesson)
    item_open(user=enrolment.user, item=lesson, enrolment=active, states=states)
    assert ItemProgress.objects.get(enrolment=enrolment, item=lesson).revision_id == lesson.live_revision_id


def test_a_later_visit_is_refused_when_the_enrolment_ended_meanwhile():
    course = build_course()
    enrolment = enrolled(course)
    lesson, other = items_of(course)[:2]
    item_open(user=enrolment.user, item=lesson)
    item_open(user=enrolment.user, item=other)  # so that the later visit of `lesson` writes "last opened"
    active, states = opened_before(enrolment, lesson)
    enrolment_cancel(enrolment=enrolment, user=enrolment.user)
    with pytest.raises(NotEnrolled):
        item_open(user=enrolment.user, item=lesson, enrolment=active, states=states)
    enrolment.refresh_from_db()
    assert enrolment.last_opened_item_id == other.pk  # not moved by the refused visit


def test_the_first_visit_of_a_lesson_page_shows_it_in_progress_in_the_outline(client):
    course = build_course()
    enrolment = enrolled(course)
    client.force_login(enrolment.user)
    lesson = items_of(course)[1]
    soup = BeautifulSoup(client.get(lesson.url).content, "html.parser")
    current = soup.select_one('.outline a[aria-current="page"] .item-state')
    assert current is not None and "item-state-in_progress" in current["class"]


def _updates_in_this_transaction(table: str) -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = %s", [table])
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, 0)


@pytest.mark.postgres
def test_moving_from_lesson_to_lesson_rewrites_the_enrolment_in_place():
    """No index names the last opened item, so PostgreSQL updates the enrolment's row without a new index entry
    (a HOT update), on each of the visits that move "last opened": every lesson a learner opens."""
    course = build_course()
    enrolment = enrolled(course)
    first, second = items_of(course)[1:3]
    before = _updates_in_this_transaction("progress_enrolment")
    for lesson in (first, second, first):
        active, states = opened_before(enrolment, lesson)
        item_open(user=enrolment.user, item=lesson, enrolment=active, states=states)
    updates, hot = (
        now - then for now, then in zip(_updates_in_this_transaction("progress_enrolment"), before, strict=True)
    )
    assert updates >= 3 and hot == updates
    assert Enrolment.objects.get(pk=enrolment.pk).last_opened_item_id == first.pk
