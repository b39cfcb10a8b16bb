"""The outbox's Celery tasks (lms.outbox): deliver messages, publish again what is still pending, prune."""

from __future__ import annotations

from celery import shared_task

from lms import outbox


@shared_task(acks_late=True, ignore_result=True)
def outbox_deliver_many_task(message_ids: list[int]) -> None:
    """Run the handlers of a chunk of outbox messages in turn (what `outbox._publish` sends); idempotent: a done
    message is skipped, a locked one left to its owner, and a redelivered chunk runs only what is still pending.
    A handler's failure is recorded on its row and does not stop the chunk."""
    for message_id in message_ids:
        outbox.outbox_deliver(message_id=message_id)


@shared_task(acks_late=True, ignore_result=True)
def outbox_redeliver_task() -> int:
    """Run by beat every OUTBOX_REDELIVER_EVERY seconds."""
    return outbox.outbox_redeliver()


@shared_task(acks_late=True, ignore_result=True)
def outbox_prune_task() -> int:
    """Run by beat every hour: forget messages done more than OUTBOX_KEEP_DONE_DAYS ago."""
    return outbox.outbox_prune()
