"""Thin Celery tasks: they take ids and call badges.services."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_init

from badges import services
from lms.outbox import notifications_queue, outbox_handler

logger = logging.getLogger(__name__)


# Issuing tasks: retried with a growing backoff, acknowledged late (a killed worker's task is delivered again;
# issuing is idempotent), and no result stored (nobody reads it: the award row is the result).
ISSUING_TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
    "ignore_result": True,
}


@shared_task(**ISSUING_TASK_OPTIONS)
def award_issue_task(self, enrolment_id: int) -> int | None:
    """Issue the badge of a completed enrolment. Idempotent, so retries and duplicate deliveries are safe."""
    award = services.award_issue_for_enrolment(enrolment_id=enrolment_id)
    return award.pk if award else None


@shared_task(**ISSUING_TASK_OPTIONS)
def award_issue_batch_task(self, enrolment_ids: list[int]) -> int:
    """Issue the badges of up to `services.AWARD_BATCH_SIZE` completed enrolments. A retry redoes only the awards
    that are not issued, so a failed one is retried without issuing the others twice."""
    return len(services.award_issue_for_enrolments(enrolment_ids=enrolment_ids).issued)


@shared_task(autoretry_for=(Exception,), retry_backoff=30, max_retries=5, acks_late=True, ignore_result=True)
def award_notify_task(award_id: int) -> None:
    """Not published since the outbox (`badges.award_notify`); kept one release for messages a broker still holds."""
    services.award_notify(award_id=award_id)


@shared_task(acks_late=True, ignore_result=True)
def award_notify_many_task(award_ids: list[int]) -> None:
    """Not published since the outbox; kept one release for messages a broker still holds. Each e-mail is sent at
    most once (`Award.notified_at`)."""
    for award_id in award_ids:
        services.award_notify(award_id=award_id)


# The outbox's handlers (lms.outbox): what "course completed" and the admin's batch issuing record, and the
# e-mail recorded with each new award. Issuing commits in steps of its own (a failure is recorded on the award for
# admins), so it is claimed, not run inside the outbox's transaction; it is idempotent, so a repeat is harmless.


@outbox_handler("badges.award_issue", atomic=False)
def award_issue_handler(*, enrolment_id: int) -> None:
    services.award_issue_for_enrolment(enrolment_id=enrolment_id)


@outbox_handler("badges.award_issue_batch", atomic=False)
def award_issue_batch_handler(*, enrolment_ids: list[int]) -> None:
    """A failed award fails the message, so the batch is retried; the retry redoes only what is not issued."""
    services.award_issue_for_enrolments(enrolment_ids=enrolment_ids)


@outbox_handler("badges.award_notify", queue=notifications_queue)
def award_notify_handler(*, award_id: int) -> None:
    services.award_notify(award_id=award_id)


@outbox_handler("badges.award_revoked_notify", queue=notifications_queue)
def award_revoked_notify_handler(*, award_id: int) -> None:
    services.award_revoked_notify(award_id=award_id)


@outbox_handler("badges.pathway_evaluate_batch", atomic=False)
def pathway_evaluate_batch_handler(*, pathway_id: int, learner_ids: list[int]) -> None:
    """Issue a pathway to the learners of one batch who qualify; idempotent, so a repeat issues nothing twice."""
    services.pathway_issue_to_learners(pathway_id=pathway_id, learner_ids=learner_ids)


@worker_init.connect(dispatch_uid="badges.warm_up_worker")
def warm_up_worker(**_kwargs: object) -> None:
    """Pay a worker's one-time costs when it starts, not in the first learner's task (about a second): the
    URLconf, imported on the first `reverse()` (course URLs in a credential), and the JSON-LD contexts,
    processed on the first signature. Runs before the pool starts, so prefork children inherit it."""
    try:
        services.worker_warm_up()
    except Exception:  # a cold worker is slower, never broken
        logger.exception("Warming up the worker failed")
