"""Thin Celery tasks: they take ids, re-fetch, and call a service or send a message."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.urls import reverse

from assessments.models import Attempt, AttemptState, Submission, SubmissionState
from assessments.services import attempt_close_expired
from lms.celery import app
from lms.mail import absolute, mail_send, page_in, page_url, recipient_language
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

    def context(language: str) -> dict[str, Any]:
        return {
            "submission": submission,
            "title": page_in(submission.task, language).title,
            "task_url": page_url(submission.task, language),
            "graded": submission.state == SubmissionState.GRADED,
        }

    mail_send(
        to=submission.learner.email,
        template="assessments/email/submission",
        language=recipient_language(submission.learner),
        context=context,
    )


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

    def context(language: str) -> dict[str, Any]:
        return {
            "attempt": attempt,
            "title": page_in(attempt.quiz, language).title,
            "passed": attempt.passed(attempt.quiz.pass_mark),
            "result_url": absolute(reverse("assessments:result", args=[attempt.pk])),
        }

    mail_send(
        to=attempt.learner.email,
        template="assessments/email/attempt",
        language=recipient_language(attempt.learner),
        context=context,
    )


# Beat imports every app's tasks before it reads the schedule, so the entry lives next to its task.
app.conf.beat_schedule["assessments.close-expired"] = {
    "task": attempt_close_expired_task.name,
    "schedule": CLOSE_EXPIRED_EVERY_SECONDS,
}
