"""A real Celery worker on Redis issues badges against PostgreSQL: exactly once, whatever the deliveries.

The worker runs in threads of this process (celery.contrib.testing.worker) and consumes a queue of its
own on the broker in CELERY_BROKER_URL, so runs on the same Redis never take each other's messages.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from badges.models import Award, AwardStatus
from badges.tasks import award_issue_task, award_notify_task
from lms.celery import app
from lms.outbox import handler_get
from progress.models import Enrolment
from progress.services import enrolment_create, lesson_complete

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


@contextmanager
def routed_to_test_queues(queue: str) -> Iterator[list[str]]:
    """Send this test's tasks to `queue` and its e-mails to a notifications queue of its own.

    Yields the queues a worker must consume, as a deployment's worker consumes `celery` and the
    notifications queue (CELERY_TASK_ROUTES, and NOTIFICATIONS_QUEUE for the outbox's e-mails).
    """
    notifications = f"{queue}-notifications"
    broker = settings.CELERY_BROKER_URL_FOR_WORKER_TESTS
    keys = ("task_always_eager", "broker_url", "result_backend", "task_default_queue", "task_routes")
    saved = {key: app.conf[key] for key in keys}
    routes = {task: {**route, "queue": notifications} for task, route in settings.CELERY_TASK_ROUTES.items()}
    app.conf.update(
        task_always_eager=False, broker_url=broker, result_backend=broker, task_default_queue=queue, task_routes=routes
    )
    # The app caches its result backend on first use (earlier eager tests cached the disabled one), and
    # its router caches the routes.
    saved_backend = (app._backend_cache, getattr(app._local, "backend", None))
    app._backend_cache = app._local.backend = None
    _flush_router()
    try:
        with override_settings(NOTIFICATIONS_QUEUE=notifications):
            yield [queue, notifications]
    finally:
        app.conf.update(saved)
        app._backend_cache, app._local.backend = saved_backend
        _flush_router()


def _flush_router() -> None:
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


@pytest.fixture
def worker_queue(transactional_db) -> Iterator[str]:
    queue = f"badges-test-{uuid.uuid4().hex}"
    with (
        routed_to_test_queues(queue) as queues,
        start_worker(app, pool="threads", concurrency=4, perform_ping_check=False, queues=queues, loglevel="WARNING"),
    ):
        yield queue
    # Worker threads keep their database connection between tasks (lms.celery), and their threads are gone now:
    # end those sessions, or the test database cannot be dropped at the end of the run.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def completed_enrolment(learner, course) -> Enrolment:
    return Enrolment.objects.create(
        user=learner, course=course, completed_at=timezone.now(), final_grade=Decimal("91.00")
    )


def test_repeated_and_concurrent_tasks_make_exactly_one_award(worker_queue, issuer, achievement, learner):
    enrolment = completed_enrolment(learner, achievement.course)
    # The task stores no result (nobody reads one); this test asks for them, to know when all eight are done.
    results = [
        award_issue_task.apply_async(args=[enrolment.pk], queue=worker_queue, ignore_result=False) for _ in range(8)
    ]
    award_ids = {result.get(timeout=120) for result in results}
    assert len(award_ids) == 1
    award = Award.objects.get()
    assert award.status == AwardStatus.ISSUED
    assert award.attempts == 1
    assert award.credential["credentialSubject"]["result"][0]["value"] == "91"


def test_completing_a_course_issues_the_badge_through_the_worker(worker_queue, issuer, learner, mailoutbox):
    from tests.badges.conftest import make_achievement
    from tests.factories import make_course

    course = make_course(modules=1, lessons_per_module=1)
    achievement = make_achievement(issuer, course=course)
    lesson = course.get_descendants().type(__import__("content.models").models.LessonPage).specific().get()
    enrolment_create(user=learner, course=course)
    lesson_complete(user=learner, lesson=lesson)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        award = Award.objects.filter(learner=learner, achievement=achievement, status=AwardStatus.ISSUED).first()
        if award is not None:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the worker did not issue the badge")
    assert Award.objects.filter(learner=learner).count() == 1
    # The e-mail travels on the notifications queue, which the worker consumes as well.
    while not mailoutbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [message.to for message in mailoutbox] == [[learner.email]]
    assert award.url in mailoutbox[0].body


def test_badge_tasks_store_no_result_since_the_award_row_is_their_outcome():
    assert award_issue_task.ignore_result
    assert award_notify_task.ignore_result


def test_award_emails_are_routed_to_the_notifications_queue():
    route = app.amqp.router.route({}, "badges.tasks.award_notify_task")
    assert route["queue"].name == settings.NOTIFICATIONS_QUEUE == "notifications"
    assert handler_get("badges.award_notify").queue_name() == settings.NOTIFICATIONS_QUEUE
    assert app.amqp.router.route({}, "badges.tasks.award_issue_task")["queue"].name == app.conf.task_default_queue
