"""Webhooks through a real Celery worker on Redis (four threads, so deliveries to one endpoint could race): a
receiver that fails the first two requests still gets every event once, in order, signed."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection

from integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from integrations.tasks import webhooks_retry_task
from lms.celery import app
from progress.services import enrolment_create
from tests.badges.test_tasks_worker import routed_to_test_queues
from tests.factories import make_course
from tests.integrations.conftest import register

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(transactional_db) -> Iterator[str]:
    queue = f"webhooks-test-{uuid.uuid4().hex}"
    with (
        routed_to_test_queues(queue) as queues,
        start_worker(app, pool="threads", concurrency=4, perform_ping_check=False, queues=queues, loglevel="WARNING"),
    ):
        yield queue
    with connection.cursor() as cursor:  # the worker threads' sessions, or the test database cannot be dropped
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def test_the_worker_delivers_each_event_once_in_order_after_two_failures(
    worker, settings, receiver, organization, member
):
    settings.WEBHOOKS_BACKOFF_BASE = 0.3
    receiver.fail_first = 2
    register(organization, receiver, events=["enrolment.created"])
    courses = [make_course(title=f"Course {n}", lessons_per_module=1) for n in range(3)]
    for course in courses:
        enrolment_create(user=member, course=course)  # committed: the outbox publishes to the worker
    deadline = time.monotonic() + 60
    while len(receiver.accepted) < 3 and time.monotonic() < deadline:
        webhooks_retry_task()  # as beat does, every few seconds in production
        time.sleep(0.3)
    assert [document["data"]["course"]["title"] for document in receiver.accepted] == [
        "Course 0",
        "Course 1",
        "Course 2",
    ]
    assert [request.answered for request in receiver.requests] == [500, 500, 204, 204, 204]
    assert all(request.signed for request in receiver.requests)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
    assert WebhookAttempt.objects.count() == 5
