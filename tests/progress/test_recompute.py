"""Recompute after the rules change: the service in batches, the command, the task and the admin action."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from content.models import LessonPage
from progress.models import CourseProgress
from progress.services import course_recompute, item_result_record, lesson_complete
from progress.tasks import course_recompute_task
from tests.factories import make_user
from tests.progress.factories import add_lesson, at, build_course, enrolled, items_of, learner, modules_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return make_user(is_superuser=True, is_staff=True)


def test_recompute_picks_up_an_item_made_optional(admin, completions, django_capture_on_commit_callbacks):
    course = build_course(modules=1, lessons_per_module=2)
    enrolment = enrolled(course)
    first, second = items_of(course)
    lesson_complete(user=enrolment.user, lesson=first)
    LessonPage.objects.filter(pk=second.pk).update(required=False)
    with django_capture_on_commit_callbacks(execute=True):
        report = course_recompute(course=course, actor=admin, reset_completion=False)
    enrolment.refresh_from_db()
    assert enrolment.is_complete
    assert (report.enrolments, report.progress_changed, report.newly_completed) == (1, 1, 1)
    assert len(completions) == 1


def test_recompute_works_through_every_enrolment_in_batches(admin):
    course = build_course(modules=1, lessons_per_module=2)
    enrolments = [enrolled(course) for _ in range(5)]
    add_lesson(modules_of(course)[0], minutes=40)
    report = course_recompute(course=course, actor=admin, reset_completion=False, batch_size=2)
    assert report.enrolments == 5
    assert report.progress_changed == 5
    assert {p.minutes_total for p in CourseProgress.objects.filter(enrolment__in=enrolments)} == {80}


def test_recompute_keeps_completion_unless_an_admin_resets_it(admin):
    course = build_course(modules=1, lessons_per_module=1)
    enrolment = enrolled(course)
    lesson_complete(user=enrolment.user, lesson=items_of(course)[0])
    add_lesson(modules_of(course)[0])
    course_recompute(course=course, actor=admin, reset_completion=False)
    enrolment.refresh_from_db()
    assert enrolment.is_complete
    report = course_recompute(course=course, actor=admin, reset_completion=True)
    enrolment.refresh_from_db()
    assert not enrolment.is_complete
    assert report.completion_revoked == 1


def test_a_reset_recompute_updates_the_final_grade_of_a_kept_completion(admin):
    course = build_course(modules=0, pass_mark=Decimal("30"))
    from tests.progress.factories import add_module

    module = add_module(course)
    quiz = add_lesson(module, grade_weight=Decimal("1"))
    other = add_lesson(module, grade_weight=Decimal("1"), required=False)
    enrolment = enrolled(course)
    item_result_record(user=enrolment.user, item=quiz, completed=True, score=Decimal("80"), occurred_at=at(1))
    item_result_record(user=enrolment.user, item=other, completed=True, score=Decimal("60"), occurred_at=at(2))
    enrolment.refresh_from_db()
    assert enrolment.final_grade == Decimal("40.00")  # completed on the first result: (80 + 0) / 2
    report = course_recompute(course=course, actor=admin, reset_completion=True)
    enrolment.refresh_from_db()
    assert enrolment.final_grade == Decimal("70.00")
    assert report.grades_changed == 1


def test_only_a_platform_admin_may_reset_completions():
    instructor = make_user(instructor=True)
    course = build_course(instructors=[instructor])
    course_recompute(course=course, actor=instructor, reset_completion=False)
    with pytest.raises(PermissionDenied):
        course_recompute(course=course, actor=instructor, reset_completion=True)


def test_a_learner_may_not_recompute_a_course():
    with pytest.raises(PermissionDenied):
        course_recompute(course=build_course(), actor=learner(), reset_completion=False)


def test_the_command_recomputes_and_reports_what_changed(admin):
    course = build_course(modules=1, lessons_per_module=2)
    enrolled(course)
    add_lesson(modules_of(course)[0])
    out = StringIO()
    call_command("recompute_progress", str(course.pk), "--actor", admin.email, stdout=out)
    assert "1 enrolments, 1 changed, 0 newly complete" in out.getvalue()


def test_the_task_takes_ids_and_returns_the_report(admin):
    course = build_course(modules=1, lessons_per_module=1)
    enrolled(course)
    result = course_recompute_task.delay(course_id=course.pk, actor_id=admin.pk, reset_completion=False)
    assert result.get()["enrolments"] == 1
