"""Thin Celery tasks: they take ids and call badges.services."""

from __future__ import annotations

from celery import shared_task

from badges import services


@shared_task(
    bind=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
    acks_late=True,
)
def award_issue_task(self, enrolment_id: int) -> int | None:
    """Issue the badge of a completed enrolment. Idempotent, so retries and duplicate deliveries are safe."""
    award = services.award_issue_for_enrolment(enrolment_id=enrolment_id)
    return award.pk if award else None


@shared_task(autoretry_for=(Exception,), retry_backoff=30, max_retries=5, acks_late=True)
def award_notify_task(award_id: int) -> None:
    services.award_notify(award_id=award_id)
