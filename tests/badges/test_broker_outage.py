"""Issue 14: a broker outage delays a badge and its e-mail, it never loses them (DESIGN: "Nothing earned waits on the
broker"). A real Redis broker of the test's own is stopped while two learners complete a course, as their requests
would; once it is back, the real worker and beat deliver what the outbox kept: one award and one e-mail each."""

from __future__ import annotations

import time

import pytest

from badges.models import Award, AwardStatus
from content.models import LessonPage
from lms import outbox
from lms.models import OutboxMessage
from progress.models import Enrolment
from progress.services import enrolment_create, lesson_complete
from tests.badges.brokered import (
    RedisBroker,
    beat,
    emails_to,
    end_worker_sessions,
    publishing_to,
    stop,
    wait_for,
    worker,
)
from tests.badges.conftest import make_achievement
from tests.factories import make_course, make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


def test_badges_earned_while_the_broker_is_down_are_issued_and_emailed_once_when_it_is_back(
    issuer, tmp_path, settings, monkeypatch
):
    settings.OUTBOX_REDELIVER_AFTER = 2  # as the worker's and beat's environment says
    course = make_course(modules=1, lessons_per_module=1)
    make_achievement(issuer, course=course)
    lesson = LessonPage.objects.live().descendant_of(course).get()
    learners = [make_user(), make_user()]
    for learner in learners:
        enrolment_create(user=learner, course=course)
    broker = RedisBroker(tmp_path)
    broker.start()
    processes = []
    try:
        processes += [worker(broker, tmp_path), beat(broker, tmp_path)]
        broker.stop()
        publishing: list[float] = []
        publish = outbox._publish

        def timed(messages):
            started = time.monotonic()
            try:
                return publish(messages)
            finally:
                publishing.append(time.monotonic() - started)

        monkeypatch.setattr(outbox, "_publish", timed)
        with publishing_to(broker):
            for learner in learners:
                lesson_complete(user=learner, lesson=lesson)  # what the learner's request does
        assert len(publishing) == 2 and max(publishing) < 2  # a broker that is down never makes a request hang
        assert Enrolment.objects.filter(course=course, completed_at__isnull=False).count() == 2
        assert OutboxMessage.objects.filter(handler="progress.course_completed", done_at__isnull=True).count() == 2
        assert not Award.objects.exists()

        broker.start()  # the same port: the worker and beat reconnect
        emails = tmp_path / "emails"
        wait_for(
            lambda: (
                all(emails_to(emails, learner.email) for learner in learners)
                and not OutboxMessage.objects.filter(done_at__isnull=True).exists()
            ),
            seconds=60,
            what="both badges and their e-mails",
        )
    finally:
        for process in processes:
            stop(process)
        broker.stop()
        end_worker_sessions()
    for learner in learners:
        award = Award.objects.get(learner=learner)
        assert award.status == AwardStatus.ISSUED and award.notified_at is not None
        assert emails_to(emails, learner.email) == 1
