"""Item results: weighted progress, monotonic merging of events, and each way a course completes."""

import random
from decimal import Decimal

import pytest
from django.db import transaction
from django.template.loader import render_to_string

from progress import xapi
from progress.models import CourseProgress, Enrolment, ItemProgress, ItemState, ModuleProgress, Statement
from progress.selectors import completion_status
from progress.services import NotEnrolled, item_result_record, lesson_complete
from progress.services.items import _apply_event
from tests.progress.factories import add_lesson, add_module, at, build_course, enrolled, items_of, modules_of

pytestmark = pytest.mark.django_db


def progress_of(enrolment):
    return CourseProgress.objects.get(enrolment=enrolment)


def record(enrolment, item, *, completed=True, score=None, minute=0):
    return item_result_record(user=enrolment.user, item=item, completed=completed, score=score, occurred_at=at(minute))


def graded_course(*, pass_mark="70.00"):
    """Two required lessons and two graded items of weight 1 and 3."""
    course = build_course(modules=0, pass_mark=Decimal(pass_mark))
    module = add_module(course)
    add_lesson(module, minutes=30)
    add_lesson(module, minutes=30)
    add_lesson(module, minutes=10, grade_weight=Decimal("1"))
    add_lesson(module, minutes=10, grade_weight=Decimal("3"))
    return course


def test_course_progress_is_weighted_by_estimated_minutes():
    course = build_course(modules=0)
    module = add_module(course)
    long = add_lesson(module, minutes=120)
    add_lesson(module, minutes=5)
    enrolment = enrolled(course)
    record(enrolment, long)
    progress = progress_of(enrolment)
    assert (progress.minutes_done, progress.minutes_total) == (120, 125)
    assert progress.percent == Decimal("96.00")


def test_module_progress_counts_only_the_items_of_that_module():
    course = build_course(modules=2, lessons_per_module=2)
    first, second = modules_of(course)
    enrolment = enrolled(course)
    record(enrolment, items_of(course)[0])
    assert ModuleProgress.objects.get(enrolment=enrolment, module=first).percent == Decimal("50.00")
    assert ModuleProgress.objects.get(enrolment=enrolment, module=second).percent == Decimal("0.00")
    assert progress_of(enrolment).percent == Decimal("25.00")


def test_a_lower_score_arriving_later_never_lowers_the_best_score():
    course = graded_course()
    enrolment = enrolled(course)
    quiz = items_of(course)[2]
    record(enrolment, quiz, score=Decimal("90"), minute=1)
    record(enrolment, quiz, score=Decimal("40"), minute=2)
    assert ItemProgress.objects.get(enrolment=enrolment, item=quiz).score == Decimal("90")


def test_an_older_in_progress_event_arriving_late_never_undoes_completion():
    course = build_course()
    enrolment = enrolled(course)
    lesson = items_of(course)[0]
    record(enrolment, lesson, completed=True, minute=10)
    record(enrolment, lesson, completed=False, minute=5)
    row = ItemProgress.objects.get(enrolment=enrolment, item=lesson)
    assert row.state == ItemState.COMPLETE
    assert row.started_at == at(5)
    assert row.completed_at == at(10)


def test_events_in_any_order_end_in_the_same_row():
    course = graded_course()
    events = [(False, None, 1), (True, Decimal("55"), 2), (True, Decimal("80"), 3), (True, Decimal("80"), 3)]
    outcomes = []
    for order in (events, list(reversed(events)), [events[2], events[0], events[3], events[1]]):
        enrolment = enrolled(course)
        quiz = items_of(course)[3]
        for completed, score, minute in order:
            record(enrolment, quiz, completed=completed, score=score, minute=minute)
        row = ItemProgress.objects.get(enrolment=enrolment, item=quiz)
        outcomes.append((row.state, row.score, row.started_at, row.completed_at, progress_of(enrolment).grade))
    assert outcomes[0] == outcomes[1] == outcomes[2]
    assert outcomes[0][1] == Decimal("80")


def test_a_duplicated_event_writes_no_second_statement():
    course = build_course()
    enrolment = enrolled(course)
    lesson = items_of(course)[0]
    record(enrolment, lesson, minute=1)
    before = Statement.objects.count()
    record(enrolment, lesson, minute=1)
    assert Statement.objects.count() == before


def test_a_result_for_a_learner_who_is_not_enrolled_is_refused():
    course = build_course()
    other = enrolled(build_course())
    with pytest.raises(NotEnrolled):
        record(other, items_of(course)[0])


def test_completing_every_required_lesson_completes_an_ungraded_course(completions, django_capture_on_commit_callbacks):
    course = build_course(modules=1, lessons_per_module=2)
    enrolment = enrolled(course)
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in items_of(course):
            lesson_complete(user=enrolment.user, lesson=lesson)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None
    assert enrolment.final_grade == Decimal("100.00")
    assert completions == [{"enrolment_id": enrolment.pk, "user_id": enrolment.user_id, "course_id": course.pk}]


def test_optional_items_are_not_needed_for_completion():
    course = build_course(modules=0)
    module = add_module(course)
    required = add_lesson(module)
    add_lesson(module, required=False)
    enrolment = enrolled(course)
    record(enrolment, required)
    enrolment.refresh_from_db()
    assert enrolment.is_complete


def test_a_weighted_grade_below_the_pass_mark_keeps_the_course_open():
    course = graded_course(pass_mark="70")
    enrolment = enrolled(course)
    lesson1, lesson2, light, heavy = items_of(course)
    for item, score in ((lesson1, None), (lesson2, None), (light, Decimal("100")), (heavy, Decimal("50"))):
        record(enrolment, item, score=score)
    enrolment.refresh_from_db()
    assert progress_of(enrolment).grade == Decimal("62.50")  # (100 * 1 + 50 * 3) / 4
    assert not enrolment.is_complete
    status = completion_status(enrolment=enrolment)
    assert status.missing_required_count == status.missing_required_more == 0
    assert status.missing_required_first == []
    assert status.grade_gap == Decimal("7.50")


def test_a_better_graded_result_later_completes_the_course(completions, django_capture_on_commit_callbacks):
    course = graded_course(pass_mark="70")
    enrolment = enrolled(course)
    lesson1, lesson2, light, heavy = items_of(course)
    for item, score in ((lesson1, None), (lesson2, None), (light, Decimal("100")), (heavy, Decimal("50"))):
        record(enrolment, item, score=score)
    with django_capture_on_commit_callbacks(execute=True):
        record(enrolment, heavy, score=Decimal("80"), minute=30)
    enrolment.refresh_from_db()
    assert enrolment.final_grade == Decimal("85.00")
    assert len(completions) == 1


def test_completion_status_names_the_missing_required_items():
    course = build_course(modules=1, lessons_per_module=3)
    enrolment = enrolled(course)
    first, second, third = items_of(course)
    record(enrolment, second)
    status = completion_status(enrolment=enrolment)
    assert status.missing_required_count == 2 and status.missing_required_more == 0
    assert [item.id for item in status.missing_required_first] == [first.pk, third.pk]
    assert not status.complete


def test_the_course_page_counts_every_missing_required_item_and_names_the_first_five():
    course = build_course(modules=2, lessons_per_module=5)
    enrolment = enrolled(course)
    items = items_of(course)
    for item in (items[0], items[2], items[9]):
        record(enrolment, item)
    status = completion_status(enrolment=enrolment)
    assert status.missing_required_count == 7 and status.missing_required_more == 2
    assert [item.id for item in status.missing_required_first] == [items[n].pk for n in (1, 3, 4, 5, 6)]
    html = render_to_string("progress/includes/completion_status.html", {"status": status})
    assert "7 required items to complete:" in html and "and 2 more" in html
    assert html.count("<li><a href=") == 5


def test_completion_is_kept_when_the_instructor_adds_a_lesson_later():
    course = build_course(modules=1, lessons_per_module=1)
    enrolment = enrolled(course)
    record(enrolment, items_of(course)[0])
    new_lesson = add_lesson(modules_of(course)[0])
    record(enrolment, new_lesson, completed=False, minute=50)
    enrolment.refresh_from_db()
    assert enrolment.is_complete
    assert progress_of(enrolment).required_done == 1


def test_the_completed_signal_is_sent_once_even_if_more_results_arrive(completions, django_capture_on_commit_callbacks):
    course = graded_course(pass_mark="0")
    enrolment = enrolled(course)
    with django_capture_on_commit_callbacks(execute=True):
        for minute, item in enumerate(items_of(course)):
            record(enrolment, item, score=Decimal("100"), minute=minute)
        for minute, item in enumerate(items_of(course)):
            record(enrolment, item, score=Decimal("100"), minute=100 + minute)
    assert len(completions) == 1


def test_the_completed_signal_waits_for_the_commit(completions, django_capture_on_commit_callbacks):
    course = build_course(modules=1, lessons_per_module=1)
    enrolment = enrolled(course)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record(enrolment, items_of(course)[0])
    assert completions == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(completions) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_completion_sends_no_signal_and_leaves_no_trace(completions):
    course = build_course(modules=1, lessons_per_module=1)
    enrolment = enrolled(course)
    with pytest.raises(RuntimeError), transaction.atomic():
        record(enrolment, items_of(course)[0])
        raise RuntimeError("the caller's transaction fails after the result")
    assert completions == []
    assert Enrolment.objects.get(pk=enrolment.pk).completed_at is None
    assert not ItemProgress.objects.filter(enrolment=enrolment).exists()


@pytest.mark.django_db(transaction=True)
def test_a_committed_completion_sends_the_signal_after_commit(completions):
    course = build_course(modules=1, lessons_per_module=1)
    enrolment = enrolled(course)
    with transaction.atomic():
        record(enrolment, items_of(course)[0])
        assert completions == []
    assert len(completions) == 1


def test_course_completion_writes_an_xapi_completed_statement_for_the_course():
    course = build_course(modules=1, lessons_per_module=1)
    enrolment = enrolled(course)
    record(enrolment, items_of(course)[0])
    verbs = [s.payload["object"]["definition"]["type"] for s in Statement.objects.filter(verb__endswith="completed")]
    assert "http://adlnet.gov/expapi/activities/course" in verbs


def item_facts(row):
    return (row.state, row.score, row.started_at, row.completed_at, row.last_event_at)


def item_statements(enrolment, item):
    """The verbs of the statements about `item` (not its course), sorted."""
    statements = Statement.objects.filter(enrolment=enrolment)
    return sorted(
        s.verb
        for s in statements
        if s.payload["object"]["id"].endswith(f"/{item.pk}") and "course" not in s.payload["object"]["id"]
    )


def test_the_item_row_merge_follows_the_only_forward_rules_event_by_event():
    """Random events (complete or not, a score or none, early or late, duplicates) land in the row exactly as
    `_apply_event` merges them, and each fact it moves forward makes one statement."""
    rng = random.Random(7)
    course = graded_course()
    item = items_of(course)[2]
    for _learner in range(3):
        enrolment = enrolled(course)
        model = ItemProgress(state=ItemState.NOT_STARTED)
        verbs: list[str] = []
        events = [
            (rng.random() < 0.4, rng.choice([None, Decimal(rng.randint(0, 100))]), rng.randint(0, 90))
            for _event in range(10)
        ]
        for completed, score, minute in [*events, events[3]]:  # the last one a duplicate
            moved = _apply_event(model, completed=completed, score=score, occurred_at=at(minute))
            if "started" in moved:
                verbs.append(xapi.VERB_ATTEMPTED)
            if "completed" in moved:
                verbs.append(xapi.VERB_COMPLETED)
            elif "scored" in moved:
                verbs.append(xapi.VERB_SCORED)
            returned = record(enrolment, item, completed=completed, score=score, minute=minute)
            stored = ItemProgress.objects.get(enrolment=enrolment, item=item)
            assert item_facts(stored) == item_facts(returned) == item_facts(model)
        assert item_statements(enrolment, item) == sorted(verbs)
