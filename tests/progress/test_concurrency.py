"""Many simultaneous results for one enrolment, on PostgreSQL: correct aggregates and exactly one completion."""

import random
import threading
from decimal import Decimal

import pytest
from django.db import connection

from progress.models import CourseProgress, Enrolment, ItemProgress, ItemState, ModuleProgress, Statement
from progress.services import enrolment_create, item_result_record, lesson_complete
from tests.progress.factories import add_lesson, add_module, at, build_course, items_of, learner

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def run_in_threads(work):
    """Run `work(index)` in THREADS threads that start together, each on its own database connection."""
    barrier = threading.Barrier(THREADS)
    errors = []

    def target(index):
        try:
            barrier.wait()
            work(index)
        except Exception as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []


def test_simultaneous_results_end_with_correct_aggregates_and_one_completion(completions):
    course = build_course(modules=0, pass_mark=Decimal("60"))
    module = add_module(course)
    for _ in range(6):
        add_lesson(module, minutes=10)
    for weight in ("1", "2"):
        add_lesson(module, minutes=15, grade_weight=Decimal(weight))
    user = learner()
    enrolment = enrolment_create(user=user, course=course)
    items = items_of(course)

    def work(index):
        rng = random.Random(index)
        events = [(item, Decimal(rng.choice(["40", "70", "90"])) if item.grade_weight else None) for item in items]
        events += [(rng.choice(items), None) for _ in range(4)]  # duplicates and in-progress noise
        rng.shuffle(events)
        for item, score in events:
            completed = score is not None or rng.random() > 0.2 or item in items[:6]
            item_result_record(
                user=user, item=item, completed=completed, score=score, occurred_at=at(rng.randint(0, 60))
            )
        for item in items:  # every thread ends having completed everything at least once
            item_result_record(user=user, item=item, completed=True, score=None, occurred_at=at(61))

    run_in_threads(work)

    rows = list(ItemProgress.objects.filter(enrolment=enrolment))
    assert len(rows) == len(items)
    assert {row.state for row in rows} == {ItemState.COMPLETE}
    progress = CourseProgress.objects.get(enrolment=enrolment)
    assert (progress.minutes_done, progress.minutes_total, progress.percent) == (90, 90, Decimal("100.00"))
    assert (progress.items_done, progress.required_done) == (8, 8)
    scores = {row.item_id: row.score for row in rows if row.score is not None}
    light, heavy = items[6], items[7]
    expected = ((scores[light.pk] * 1 + scores[heavy.pk] * 2) / 3).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    assert progress.grade == expected
    enrolment = Enrolment.objects.get(pk=enrolment.pk)
    assert enrolment.completed_at is not None
    assert len(completions) == 1
    course_done = Statement.objects.filter(
        enrolment=enrolment, verb__endswith="completed", payload__object__definition__type__endswith="course"
    )
    assert course_done.count() == 1


def test_simultaneous_enrolments_of_one_learner_make_one_enrolment():
    course = build_course()
    user = learner()
    run_in_threads(lambda index: enrolment_create(user=user, course=course))
    assert Enrolment.objects.filter(user=user, course=course).count() == 1


def test_simultaneous_lesson_completions_and_results_end_with_correct_aggregates_and_one_completion(completions):
    course = build_course(modules=0)
    lessons = []
    for _ in range(2):
        module = add_module(course)
        lessons += [add_lesson(module, minutes=10) for _ in range(4)]
    user = learner()
    enrolment = enrolment_create(user=user, course=course)

    def work(index):
        # Each lesson is marked complete by one thread and recorded as a result by another, in any order.
        half = THREADS // 2
        for lesson in lessons[index % half :: half]:
            if index < half:
                lesson_complete(user=user, lesson=lesson)
            else:
                item_result_record(user=user, item=lesson, completed=True, score=None, occurred_at=at(index))

    run_in_threads(work)

    assert ItemProgress.objects.filter(enrolment=enrolment, state=ItemState.COMPLETE).count() == len(lessons)
    progress = CourseProgress.objects.get(enrolment=enrolment)
    assert (progress.minutes_done, progress.items_done, progress.percent) == (80, 8, Decimal("100.00"))
    assert progress.next_item_id is None
    assert sorted(ModuleProgress.objects.filter(enrolment=enrolment).values_list("items_done", flat=True)) == [4, 4]
    assert Enrolment.objects.get(pk=enrolment.pk).completed_at is not None
    assert len(completions) == 1
