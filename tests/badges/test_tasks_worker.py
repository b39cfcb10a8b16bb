"""A real Celery worker on Redis issues badges against PostgreSQL: exactly once, whatever the deliveries.

The worker runs in threads of this process (celery.contrib.testing.worker) and consumes a queue of its
own on the broker in CELERY_BROKER_URL, so runs on the same Redis never take each other's messages.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from badges.models import Award, AwardStatus
from badges.tasks import award_issue_task
from lms.celery import app
from progress.models import Enrolment
from progress.services import enrolment_create, lesson_complete

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def worker_queue(transactional_db) -> Iterator[str]:
    broker = settings.CELERY_BROKER_URL_FOR_WORKER_TESTS
    queue = f"badges-test-{uuid.uuid4().hex}"
    keys = ("task_always_eager", "broker_url", "result_backend", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(task_always_eager=False, broker_url=broker, result_backend=broker, task_default_queue=queue)
    # The app caches its result backend on first use; earlier eager tests cached the disabled one.
    saved_backend = (app._backend_cache, getattr(app._local, "backend", None))
    app._backend_cache = app._local.backend = None
    try:
        with start_worker(
            app, pool="threads", concurrency=4, perform_ping_check=False, queues=[queue], loglevel="WARNING"
        ):
            yield queue
    finally:
        app.conf.update(saved)
        app._backend_cache, app._local.backend = saved_backend


def completed_enrolment(learner, course) -> Enrolment:
    return Enrolment.objects.create(
        user=learner, course=course, completed_at=timezone.now(), final_grade=Decimal("91.00")
    )


def test_repeated_and_concurrent_tasks_make_exactly_one_award(worker_queue, issuer, achievement, learner):
    enrolment = completed_enrolment(learner, achievement.course)
    results = [award_issue_task.apply_async(args=[enrolment.pk], queue=worker_queue) for _ in range(8)]
    award_ids = {result.get(timeout=120) for result in results}
    assert len(award_ids) == 1
    award = Award.objects.get()
    assert award.status == AwardStatus.ISSUED
    assert award.attempts == 1
    assert award.credential["credentialSubject"]["result"][0]["value"] == "91"


def test_completing_a_course_issues_the_badge_through_the_worker(worker_queue, issuer, learner):
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
