"""Opening an item: the first visit records it in progress; later visits only move "last opened"."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from progress.models import CourseProgress, Enrolment, ItemProgress, ItemState, Statement
from progress.selectors import learner_read
from progress.services import LAST_OPENED_REFRESH, NotEnrolled, enrolment_cancel, item_open, lesson_complete
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
    row = item_open(user=enrolment.user, item=lesson, enrolment=active, states=states)
    assert row is not None and row.state == ItemState.IN_PROGRESS
    assert Statement.objects.filter(enrolment=enrolment, verb__endswith="attempted").count() == 1
    assert CourseProgress.objects.get(enrolment=enrolment).items_started == 1


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
