"""Thin Celery tasks and outbox handlers of integrations: they take ids and call the webhooks' delivery."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from integrations.webhooks.delivery import endpoint_drain, endpoints_due
from lms.celery import app
from lms.outbox import outbox_handler


@outbox_handler("integrations.webhook_deliver", atomic=False)
def webhook_deliver(*, endpoint_id: int) -> None:
    """Recorded with each new event (and a replay) for each endpoint it goes to: send the endpoint's due
    deliveries in order. Not atomic: it commits each attempt on its own, and makes HTTP requests."""
    endpoint_drain(endpoint_id=endpoint_id)


@shared_task(acks_late=True)
def webhook_endpoint_drain_task(endpoint_id: int) -> int:
    return endpoint_drain(endpoint_id=endpoint_id)


@shared_task(acks_late=True)
def webhooks_retry_task() -> int:
    """Run by beat: hand each endpoint whose next retry has come to a worker. Returns how many."""
    due = endpoints_due()
    for endpoint_id in due:
        webhook_endpoint_drain_task.delay(endpoint_id)
    return len(due)


app.conf.beat_schedule["integrations.webhooks-retry"] = {
    "task": "integrations.tasks.webhooks_retry_task",
    "schedule": float(getattr(settings, "WEBHOOKS_RETRY_EVERY_SECONDS", 30.0)),
}
