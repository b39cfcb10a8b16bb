"""Thin Celery tasks: they take ids, re-fetch, and call a service."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from content.models import CoursePage
from lms.models import User
from lms.outbox import outbox_handler
from progress.models import Enrolment
from progress.services import course_recompute
from progress.signals import course_completed


@shared_task(acks_late=True)
def course_recompute_task(*, course_id: int, actor_id: int, reset_completion: bool) -> dict[str, Any]:
    course = CoursePage.objects.get(pk=course_id)
    actor = User.objects.get(pk=actor_id)
    return course_recompute(course=course, actor=actor, reset_completion=reset_completion).as_dict()


@shared_task(acks_late=True)
def lrs_deliver_task() -> dict[str, Any]:
    """Run by beat every 30 seconds when LRS_ENDPOINT is set; retries live in each statement's backoff."""
    from progress.lrs import statements_deliver

    report = statements_deliver()
    return {"sent": report.sent, "failed": report.failed, "error": report.error}


@outbox_handler("progress.course_completed")
def course_completed_send(*, enrolment_id: int, user_id: int, course_id: int) -> None:
    """Send "course completed", recorded in the outbox with the completion, in the outbox's transaction: what the
    receivers record (badges' award) commits with the message's "done", so it is recorded exactly once."""
    course_completed.send(sender=Enrolment, enrolment_id=enrolment_id, user_id=user_id, course_id=course_id)
