"""Learning records: the xAPI outbox is delivered to a real LRS (Ralph), which validates every statement."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from progress.lrs import LrsClient, statements_deliver
from progress.models import Statement, StatementStatus
from progress.services import item_result_record, lesson_complete
from progress.tasks import lrs_deliver_task
from tests.progress.factories import add_lesson, add_module, at, build_course, enrolled, items_of

pytestmark = pytest.mark.django_db

DEAD_LRS = "http://127.0.0.1:9/xAPI"  # the discard port: nothing listens there


@pytest.fixture
def lrs(ralph_lrs, settings):
    import shutil

    endpoint, username, password, data = ralph_lrs
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir()
    settings.LRS_ENDPOINT, settings.LRS_USERNAME, settings.LRS_PASSWORD = endpoint, username, password
    return LrsClient(endpoint, username, password)


def studied_and_completed():
    course = build_course(modules=0, pass_mark=Decimal("50"))
    module = add_module(course)
    lesson = add_lesson(module)
    quiz = add_lesson(module, grade_weight=Decimal("1"))
    enrolment = enrolled(course)
    lesson_complete(user=enrolment.user, lesson=lesson)
    item_result_record(user=enrolment.user, item=quiz, completed=True, score=Decimal("75"), occurred_at=at(5))
    return enrolment


def test_every_learning_event_is_written_to_the_outbox_in_its_transaction():
    enrolment = studied_and_completed()
    verbs = [s.verb.rsplit("/", 1)[-1] for s in Statement.objects.filter(enrolment=enrolment).order_by("created_at")]
    assert verbs == ["registered", "attempted", "completed", "attempted", "completed", "completed"]
    assert set(Statement.objects.values_list("status", flat=True)) == {StatementStatus.PENDING}


@pytest.mark.lrs
def test_the_outbox_is_delivered_to_ralph_and_read_back(lrs):
    enrolment = studied_and_completed()
    report = statements_deliver(client=lrs)
    assert report.sent == 6 and report.failed == 0
    for statement in Statement.objects.filter(enrolment=enrolment):
        assert statement.status == StatementStatus.SENT
        stored = lrs.get(str(statement.id))
        assert stored["verb"]["id"] == statement.payload["verb"]["id"]
        assert stored["actor"]["account"]["name"] == str(enrolment.user_id)
        assert stored["context"]["registration"] == str(enrolment.registration)
    course_done = Statement.objects.get(
        enrolment=enrolment, payload__object__definition__type__endswith="course", verb__endswith="completed"
    )
    assert lrs.get(str(course_done.id))["result"]["score"]["scaled"] == 0.75


@pytest.mark.lrs
def test_the_celery_task_delivers_with_the_configured_lrs(lrs):
    studied_and_completed()
    assert lrs_deliver_task.delay().get() == {"sent": 6, "failed": 0, "error": ""}


@pytest.mark.lrs
def test_a_down_lrs_delays_delivery_with_backoff_and_loses_nothing(lrs):
    enrolment = studied_and_completed()
    down = statements_deliver(client=LrsClient(DEAD_LRS, "x", "y", timeout=2))
    assert down.sent == 0 and down.failed == 6
    waiting = Statement.objects.filter(enrolment=enrolment)
    assert {s.status for s in waiting} == {StatementStatus.PENDING}
    assert all(
        s.attempts == 1 and s.next_attempt_at > timezone.now() and "unreachable" in s.last_error for s in waiting
    )
    assert statements_deliver(client=lrs).sent == 0  # still backing off
    waiting.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert statements_deliver(client=lrs).sent == 6


@pytest.mark.lrs
def test_a_statement_ralph_refuses_stays_pending_with_the_reason(lrs):
    payload = {
        "id": "0b5c6a8e-52f4-4f5e-9a55-2b1b1d1d1d1d",
        "actor": {"name": "no identifier"},
        "verb": {"id": "x"},
        "object": {"id": "y"},
    }
    Statement.objects.create(id=payload["id"], verb="x", payload=payload)
    report = statements_deliver(client=lrs)
    assert report.failed == 1
    statement = Statement.objects.get(pk=payload["id"])
    assert statement.status == StatementStatus.PENDING
    assert "422" in statement.last_error


def test_a_learner_request_never_talks_to_the_lrs(client, settings):
    settings.LRS_ENDPOINT = DEAD_LRS
    course = build_course()
    enrolment = enrolled(course)
    client.force_login(enrolment.user)
    response = client.post(f"/learning/items/{items_of(course)[0].pk}/complete/")
    assert response.status_code == 302
    assert not Statement.objects.filter(status=StatementStatus.SENT).exists()
    assert all(s.attempts == 0 for s in Statement.objects.all())


def test_statements_are_valid_json_with_the_xapi_version():
    studied_and_completed()
    payload = Statement.objects.first().payload
    assert json.loads(json.dumps(payload))["version"] == "1.0.3"
