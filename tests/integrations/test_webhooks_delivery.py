"""Webhooks end to end, tasks inline: a real receiver on loopback checks every signature; events are recorded with
their change, delivered in order, retried with backoff, recorded attempt by attempt, and replayable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEvent
from integrations.tasks import webhooks_retry_task
from integrations.webhooks.delivery import retry_backoff
from integrations.webhooks.services import delivery_replay
from lms.models import OutboxMessage
from lms.outbox import backoff, outbox_redeliver
from lms.tasks import outbox_deliver_many_task
from progress.models import Enrolment
from progress.services import enrolment_create
from tests.factories import make_course, make_user
from tests.integrations.conftest import register
from tests.org_factories import org_admin

pytestmark = pytest.mark.django_db


class Clock:
    """The clock, moved forward by the test (backoffs of minutes pass at once)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta()
        real = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: real() + self.offset)

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def enrol(user, course, capture) -> Enrolment:
    with capture(execute=True):
        return enrolment_create(user=user, course=course)


def test_a_receiver_that_fails_twice_gets_each_event_once_and_in_order(
    receiver, organization, member, clock, django_capture_on_commit_callbacks
):
    receiver.fail_first = 2
    endpoint = register(organization, receiver)
    courses = [make_course(title=f"Course {n}", lessons_per_module=1) for n in range(3)]

    enrol(member, courses[0], django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1 and receiver.requests[0].answered == 500
    first = WebhookDelivery.objects.get(event__payload__course__id=courses[0].pk)
    assert first.status == DeliveryStatus.PENDING and first.attempts == 1
    # Later events wait behind the failing one: nothing of theirs is sent before it succeeds.
    enrol(member, courses[1], django_capture_on_commit_callbacks)
    enrol(member, courses[2], django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1

    clock.advance(retry_backoff(1))
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks_retry_task() == 1  # beat hands the endpoint to a worker (inline here)
    assert [request.answered for request in receiver.requests] == [500, 500]
    first.refresh_from_db()
    assert first.attempts == 2 and first.next_attempt_at >= timezone.now() + retry_backoff(2) - timedelta(seconds=5)

    clock.advance(retry_backoff(2))
    webhooks_retry_task()
    assert [request.answered for request in receiver.requests] == [500, 500, 204, 204, 204]
    assert all(request.signed for request in receiver.requests)
    accepted = receiver.accepted
    assert [document["data"]["course"]["title"] for document in accepted] == ["Course 0", "Course 1", "Course 2"]
    assert [document["type"] for document in accepted] == ["enrolment.created"] * 3
    assert len({document["id"] for document in accepted}) == 3  # each event accepted once
    # A retry is the same message: the same webhook-id and body, a fresh signature.
    assert receiver.requests[0].body == receiver.requests[2].body
    assert receiver.requests[0].headers["webhook-id"] == receiver.requests[2].headers["webhook-id"]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
    assert list(WebhookAttempt.objects.filter(delivery=first).values_list("status_code", flat=True)) == [500, 500, 204]
    assert WebhookAttempt.objects.filter(delivery__endpoint=endpoint).count() == 5
    assert WebhookAttempt.objects.filter(status_code=500).first().response_excerpt == "not now, sry"
    assert webhooks_retry_task() == 0


def test_the_body_has_its_id_type_creation_time_and_data(
    receiver, organization, member, django_capture_on_commit_callbacks
):
    register(organization, receiver)
    course = make_course(title="Safety first", lessons_per_module=1)
    enrolment = enrol(member, course, django_capture_on_commit_callbacks)
    (document,) = receiver.accepted
    event = WebhookEvent.objects.get()
    assert document == {
        "id": event.message_id,
        "type": "enrolment.created",
        "created": event.created_at.isoformat(),
        "data": {
            "enrolment_id": enrolment.pk,
            "learner": {"id": member.pk, "email": member.email, "name": "Sam Staff"},
            "course": {"id": course.pk, "title": "Safety first"},
            "source": "free",
            "enrolled_at": enrolment.enrolled_at.isoformat(),
        },
    }
    assert receiver.requests[0].headers["webhook-id"] == event.message_id
    assert receiver.requests[0].headers["content-type"] == "application/json"


def test_a_delivery_that_keeps_failing_is_marked_failed_and_the_next_one_goes(
    settings, receiver, organization, member, clock, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_MAX_ATTEMPTS = 3
    receiver.fail_first = 3
    register(organization, receiver)
    first, second = make_course(lessons_per_module=1), make_course(lessons_per_module=1)
    enrol(member, first, django_capture_on_commit_callbacks)
    enrol(member, second, django_capture_on_commit_callbacks)
    for attempts in (1, 2):
        clock.advance(retry_backoff(attempts))
        webhooks_retry_task()
    failed = WebhookDelivery.objects.get(event__payload__course__id=first.pk)
    assert failed.status == DeliveryStatus.FAILED and failed.attempts == 3
    delivered = WebhookDelivery.objects.get(event__payload__course__id=second.pk)
    assert delivered.status == DeliveryStatus.SUCCEEDED
    assert [request.answered for request in receiver.requests] == [500, 500, 500, 204]


def test_the_backoff_doubles_up_to_its_ceiling(settings):
    settings.WEBHOOKS_BACKOFF_BASE, settings.WEBHOOKS_BACKOFF_MAX = 30, 600
    assert [retry_backoff(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 480, 600]


def test_an_unreachable_receiver_is_recorded_as_an_attempt_without_an_answer(
    receiver, organization, member, django_capture_on_commit_callbacks
):
    register(organization, receiver)
    receiver.stop()
    enrol(member, make_course(lessons_per_module=1), django_capture_on_commit_callbacks)
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and "ConnectionError" in attempt.error
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING


def test_a_rolled_back_change_records_no_event_and_sends_nothing(
    receiver, organization, member, django_capture_on_commit_callbacks
):
    register(organization, receiver)
    course = make_course(lessons_per_module=1)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        enrolment_create(user=member, course=course)
        assert WebhookEvent.objects.count() == 1  # recorded in the change's transaction...
        raise RuntimeError("the request failed after enrolling")
    assert not Enrolment.objects.exists()
    assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()  # ...and undone with it
    assert not OutboxMessage.objects.filter(handler="integrations.webhook_deliver").exists()
    assert receiver.requests == []


def test_a_learner_in_no_organization_produces_no_webhook(receiver, organization, django_capture_on_commit_callbacks):
    register(organization, receiver)
    outsider = make_user()
    enrol(outsider, make_course(lessons_per_module=1), django_capture_on_commit_callbacks)
    assert not WebhookEvent.objects.exists() and receiver.requests == []


def test_events_go_only_to_the_endpoints_subscribed_to_them(
    receiver, organization, member, django_capture_on_commit_callbacks
):
    register(organization, receiver, events=["seat.assigned"])
    enrol(member, make_course(lessons_per_module=1), django_capture_on_commit_callbacks)
    assert not WebhookEvent.objects.exists() and receiver.requests == []


def test_a_broker_outage_loses_no_delivery(
    receiver, organization, member, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    register(organization, receiver)
    monkeypatch.setattr(outbox_deliver_many_task, "apply_async", refuse)
    enrolment = enrol(member, make_course(lessons_per_module=1), django_capture_on_commit_callbacks)
    assert Enrolment.objects.filter(pk=enrolment.pk).exists()  # the learner is enrolled all the same
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and receiver.requests == []
    assert OutboxMessage.objects.get(handler="integrations.webhook_deliver").done_at is None
    monkeypatch.undo()  # the broker is back: beat publishes what the outbox kept
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_redeliver(now=timezone.now() + backoff(1)) == 1
    assert [document["data"]["enrolment_id"] for document in receiver.accepted] == [enrolment.pk]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED


def test_replay_sends_a_delivered_event_again_with_the_same_id(
    receiver, organization, member, django_capture_on_commit_callbacks
):
    register(organization, receiver)
    enrol(member, make_course(lessons_per_module=1), django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        delivery_replay(delivery=delivery, actor=org_admin(organization))
    assert [request.answered for request in receiver.requests] == [204, 204]
    assert receiver.requests[0].headers["webhook-id"] == receiver.requests[1].headers["webhook-id"]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempt_records.count() == 2


def test_a_private_address_is_refused_when_sending_too(
    settings, receiver, organization, member, django_capture_on_commit_callbacks
):
    register(organization, receiver)
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False  # e.g. its name now points at the platform's own network
    enrol(member, make_course(lessons_per_module=1), django_capture_on_commit_callbacks)
    assert receiver.requests == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and "private or local address" in attempt.error


def test_a_disabled_endpoint_gets_no_new_events_and_its_pending_ones_go_when_enabled(
    receiver, organization, member, clock, django_capture_on_commit_callbacks
):
    from integrations.webhooks.services import endpoint_set_active

    receiver.fail_first = 1
    endpoint = register(organization, receiver)
    admin = org_admin(organization)
    enrol(member, make_course(lessons_per_module=1), django_capture_on_commit_callbacks)
    endpoint_set_active(endpoint=endpoint, active=False, actor=admin)
    enrol(member, make_course(lessons_per_module=1), django_capture_on_commit_callbacks)
    assert WebhookEvent.objects.count() == 1
    clock.advance(retry_backoff(1))
    assert webhooks_retry_task() == 0  # a disabled endpoint is not retried
    with django_capture_on_commit_callbacks(execute=True):
        endpoint_set_active(endpoint=endpoint, active=True, actor=admin)
    assert [request.answered for request in receiver.requests] == [500, 204]
