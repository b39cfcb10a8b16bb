"""The transactional outbox (lms.outbox): work recorded with its change, published after the commit, redelivered."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from badges.models import Award, AwardStatus, Issuer
from badges.services import issuer_key_create
from content.models import LessonPage
from lms.models import OutboxMessage
from lms.outbox import backoff, outbox_deliver, outbox_enqueue, outbox_enqueue_many, outbox_handler, outbox_redeliver
from lms.tasks import outbox_deliver_many_task
from progress.models import Enrolment
from progress.services import enrolment_create
from tests.badges.conftest import make_achievement
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db

runs: list[dict] = []
failures: list[str] = []


@outbox_handler("tests.record")
def record(**payload) -> None:
    runs.append(payload)
    OutboxMessage.objects.create(handler="tests.side-effect", payload=payload, available_at=timezone.now(), queue="")
    if failures:
        raise RuntimeError(failures.pop())


@outbox_handler("tests.record_stepwise", atomic=False)
def record_stepwise(**payload) -> None:
    runs.append(payload)
    if failures:
        raise RuntimeError(failures.pop())


@pytest.fixture(autouse=True)
def _fresh():
    runs.clear()
    failures.clear()


def refuse(*args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.fixture
def broker_down(monkeypatch):
    monkeypatch.setattr(outbox_deliver_many_task, "apply_async", refuse)


def make_achievement_for(course):
    issuer = Issuer.objects.create(name="Academy", slug="academy", url="https://a.example/", email="b@a.example")
    issuer_key_create(issuer=issuer)
    return make_achievement(issuer, course=course)


def test_a_message_recorded_in_a_rolled_back_transaction_leaves_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ZeroDivisionError), transaction.atomic():
        outbox_enqueue(handler="tests.record", payload={"n": 1})
        raise ZeroDivisionError
    assert not OutboxMessage.objects.exists()
    assert runs == []


def test_a_recorded_message_is_delivered_after_the_commit_and_marked_done(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue(handler="tests.record", payload={"n": 1})
        assert runs == []
    message.refresh_from_db()
    assert runs == [{"n": 1}]
    assert message.done_at is not None and message.attempts == 1 and message.last_error == ""


def test_an_unknown_handler_is_refused_when_recorded():
    with pytest.raises(LookupError, match=r"tests\.nobody"):
        outbox_enqueue(handler="tests.nobody", payload={})


def test_a_broker_that_is_down_leaves_the_message_pending_and_the_learner_completes_the_course(
    client, broker_down, django_capture_on_commit_callbacks
):
    course = make_course(modules=1, lessons_per_module=1)
    make_achievement_for(course)
    learner = make_user()
    enrolment_create(user=learner, course=course)
    lesson = LessonPage.objects.live().descendant_of(course).get()
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/learning/items/{lesson.pk}/complete/")
    assert response.status_code in (200, 302)
    assert Enrolment.objects.get(user=learner, course=course).completed_at is not None
    message = OutboxMessage.objects.get(handler="progress.course_completed")
    assert message.done_at is None and message.payload["user_id"] == learner.pk
    assert not Award.objects.exists()


def test_redelivery_after_an_outage_issues_the_badge_and_sends_its_email_once(
    client, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    course = make_course(modules=1, lessons_per_module=1)
    make_achievement_for(course)
    learner = make_user()
    enrolment_create(user=learner, course=course)
    lesson = LessonPage.objects.live().descendant_of(course).get()
    client.force_login(learner)
    monkeypatch.setattr(outbox_deliver_many_task, "apply_async", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/learning/items/{lesson.pk}/complete/")
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_redeliver(now=timezone.now() + backoff(1)) == 1
    award = Award.objects.get(learner=learner)
    assert award.status == AwardStatus.ISSUED and award.notified_at is not None
    assert [message.to for message in mailoutbox] == [[learner.email]]
    assert not OutboxMessage.objects.filter(done_at__isnull=True).exists()


def test_redelivery_publishes_only_the_messages_that_are_due(broker_down, monkeypatch):
    with transaction.atomic():
        due = outbox_enqueue(handler="tests.record", payload={"n": 1})
        later = outbox_enqueue(handler="tests.record", payload={"n": 2})
        done = outbox_enqueue(handler="tests.record", payload={"n": 3})
    now = timezone.now()
    OutboxMessage.objects.filter(pk=due.pk).update(available_at=now - timedelta(seconds=1))
    OutboxMessage.objects.filter(pk=later.pk).update(available_at=now + timedelta(seconds=30))
    OutboxMessage.objects.filter(pk=done.pk).update(available_at=now - timedelta(seconds=1), done_at=now)
    published: list[int] = []
    monkeypatch.setattr(outbox_deliver_many_task, "apply_async", lambda args, queue: published.extend(args[0]))
    assert outbox_redeliver(now=now) == 1
    assert published == [due.pk]
    due.refresh_from_db()
    assert due.available_at == now + backoff(1)  # not published again by the next run


def test_a_failed_publish_during_redelivery_keeps_the_message_pending_for_the_next_run(broker_down):
    with transaction.atomic():
        message = outbox_enqueue(handler="tests.record", payload={"n": 1})
    now = timezone.now() + backoff(1)
    assert outbox_redeliver(now=now) == 0
    message.refresh_from_db()
    assert message.done_at is None and message.available_at > now


def test_a_message_that_stays_pending_is_published_again_less_and_less_often(broker_down):
    with transaction.atomic():
        message = outbox_enqueue(handler="tests.record", payload={"n": 1})
    waits = []
    for _run in range(4):
        message.refresh_from_db()
        now = message.available_at
        outbox_redeliver(now=now)
        message.refresh_from_db()
        waits.append((message.available_at - now) / backoff(1))
    assert waits == [1, 2, 4, 8]


def test_a_delivered_message_is_not_run_twice(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue(handler="tests.record", payload={"n": 1})
    assert outbox_deliver(message_id=message.pk) is False
    outbox_deliver_many_task([message.pk])
    assert runs == [{"n": 1}]
    assert OutboxMessage.objects.filter(handler="tests.side-effect").count() == 1


def test_a_failing_handler_is_rolled_back_recorded_and_retried_with_a_growing_backoff(broker_down):
    with transaction.atomic():
        message = outbox_enqueue(handler="tests.record", payload={"n": 1})
    failures.extend(["SMTP is down again", "SMTP is down"])
    before = timezone.now()
    assert outbox_deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert (message.attempts, message.last_error, message.done_at) == (1, "RuntimeError: SMTP is down", None)
    assert message.available_at >= before + backoff(1)
    assert not OutboxMessage.objects.filter(handler="tests.side-effect").exists()  # its writes rolled back
    outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.attempts == 2 and message.available_at >= before + backoff(2) > before + backoff(1)
    assert outbox_deliver(message_id=message.pk) is True
    message.refresh_from_db()
    assert message.done_at is not None and message.attempts == 3 and message.last_error == ""
    assert OutboxMessage.objects.filter(handler="tests.side-effect").count() == 1


def test_the_backoff_doubles_up_to_its_ceiling(settings):
    settings.OUTBOX_REDELIVER_AFTER, settings.OUTBOX_BACKOFF_MAX = 60, 600
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 5, 20)] == [60, 120, 240, 480, 600, 600]


def test_a_stepwise_handler_is_claimed_before_it_runs_so_a_dead_worker_leaves_it_due_later(broker_down):
    with transaction.atomic():
        message = outbox_enqueue(handler="tests.record_stepwise", payload={"n": 1})
    failures.append("killed")
    before = timezone.now()
    assert outbox_deliver(message_id=message.pk) is False
    message.refresh_from_db()
    assert (message.attempts, message.last_error, message.done_at) == (1, "RuntimeError: killed", None)
    assert message.available_at >= before + backoff(1)
    assert outbox_deliver(message_id=message.pk) is True
    message.refresh_from_db()
    assert message.done_at is not None and message.attempts == 2 and runs == [{"n": 1}, {"n": 1}]


def test_the_command_publishes_every_pending_message_for_the_embedded_default(broker_down, monkeypatch):
    with transaction.atomic():
        outbox_enqueue(handler="tests.record", payload={"n": 1})
        outbox_enqueue(handler="tests.record", payload={"n": 2})
    monkeypatch.undo()
    out = StringIO()
    call_command("outbox_redeliver", "--all", stdout=out)
    assert "Published 2" in out.getvalue()
    assert sorted(run["n"] for run in runs) == [1, 2]
    assert not OutboxMessage.objects.filter(handler="tests.record", done_at__isnull=True).exists()


def test_the_beat_schedule_runs_redelivery(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["lms-outbox-redeliver"]
    assert entry == {"task": "lms.tasks.outbox_redeliver_task", "schedule": settings.OUTBOX_REDELIVER_EVERY}


def test_a_batch_is_published_in_chunks_of_one_queue_each(monkeypatch, settings, django_capture_on_commit_callbacks):
    settings.OUTBOX_PUBLISH_CHUNK = 2
    sent: list[tuple[list[int], str | None]] = []
    monkeypatch.setattr(outbox_deliver_many_task, "apply_async", lambda args, queue: sent.append((args[0], queue)))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = outbox_enqueue_many(handler="tests.record", payloads=[{"n": n} for n in range(5)])
    assert [ids for ids, _queue in sent] == [[m.pk for m in first[0:2]], [m.pk for m in first[2:4]], [first[4].pk]]
    assert {queue for _ids, queue in sent} == {None}  # the default queue, as one-message tasks had


def test_a_failing_message_does_not_stop_the_rest_of_its_chunk(django_capture_on_commit_callbacks, broker_down):
    with transaction.atomic():
        messages = outbox_enqueue_many(handler="tests.record", payloads=[{"n": 1}, {"n": 2}, {"n": 3}])
    failures.append("SMTP refused the first")
    outbox_deliver_many_task([m.pk for m in messages])
    assert runs == [{"n": 1}, {"n": 2}, {"n": 3}]
    states = dict(OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).values_list("pk", "done_at"))
    assert states[messages[0].pk] is None  # recorded as failed, due again after its backoff
    assert states[messages[1].pk] is not None and states[messages[2].pk] is not None
