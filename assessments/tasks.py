"""Thin Celery tasks: they take ids, re-fetch, and call a service or send a message."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from assessments.models import Attempt, AttemptState, Submission, SubmissionState
from assessments.services import attempt_close_expired
from lms.celery import app
from lms.outbox import notifications_queue, outbox_handler

CLOSE_EXPIRED_EVERY_SECONDS = 60.0


@shared_task(acks_late=True)
def attempt_close_expired_task() -> int:
    """Close the attempts whose deadline passed, so a learner who closed the browser is still graded."""
    return attempt_close_expired()


@shared_task(acks_late=True)
def submission_notify_task(*, submission_id: int) -> None:
    submission_notify(submission_id=submission_id)


@outbox_handler("assessments.submission_notify", queue=notifications_queue)
def submission_notify(*, submission_id: int) -> None:
    """E-mail the learner that their submission was graded or returned (recorded in the outbox with the grade)."""
    submission = Submission.objects.select_related("learner", "task", "grade").get(pk=submission_id)
    if submission.state not in (SubmissionState.GRADED, SubmissionState.RETURNED):
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "submission": submission,
            "task_url": f"{settings.SITE_URL}{submission.task.url or ''}",
            "graded": submission.state == SubmissionState.GRADED,
        }
        subject = render_to_string("assessments/email/submission_subject.txt", context).strip()
        body = render_to_string("assessments/email/submission_body.txt", context)
    send_mail(subject, body, None, [submission.learner.email])


@shared_task(acks_late=True)
def attempt_graded_notify_task(*, attempt_id: int) -> None:
    attempt_graded_notify(attempt_id=attempt_id)


@outbox_handler("assessments.attempt_graded_notify", queue=notifications_queue)
def attempt_graded_notify(*, attempt_id: int) -> None:
    """E-mail the learner that the hand-graded answers of their quiz attempt were marked (recorded in the outbox
    with the marks)."""
    attempt = Attempt.objects.select_related("learner", "quiz").get(pk=attempt_id)
    if attempt.state != AttemptState.GRADED:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "attempt": attempt,
            "passed": attempt.passed(attempt.quiz.pass_mark),
            "result_url": f"{settings.SITE_URL}{reverse('assessments:result', args=[attempt.pk])}",
        }
        subject = render_to_string("assessments/email/attempt_subject.txt", context).strip()
        body = render_to_string("assessments/email/attempt_body.txt", context)
    send_mail(subject, body, None, [attempt.learner.email])


# Beat imports every app's tasks before it reads the schedule, so the entry lives next to its task.
app.conf.beat_schedule["assessments.close-expired"] = {
    "task": attempt_close_expired_task.name,
    "schedule": CLOSE_EXPIRED_EVERY_SECONDS,
}
