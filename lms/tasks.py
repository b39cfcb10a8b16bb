"""The outbox's two Celery tasks (lms.outbox): deliver one message, and publish again what is still pending."""

from __future__ import annotations

from celery import shared_task

from lms import outbox


@shared_task(acks_late=True, ignore_result=True)
def outbox_deliver_task(message_id: int) -> None:
    """Run one outbox message's handler; idempotent (a done message is skipped, a locked one left to its owner)."""
    outbox.outbox_deliver(message_id=message_id)


@shared_task(acks_late=True, ignore_result=True)
def outbox_redeliver_task() -> int:
    """Run by beat every OUTBOX_REDELIVER_EVERY seconds."""
    return outbox.outbox_redeliver()
