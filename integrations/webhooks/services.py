"""The organization admin's changes to webhooks: register an endpoint (its secret shown once), disable, enable or
delete it, replay a delivery. Each checks that the actor administers the endpoint's organization."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
    WebhookSequence,
)
from integrations.webhooks.addresses import AddressRefused, url_check
from integrations.webhooks.events import DELIVER_HANDLER
from integrations.webhooks.signing import secret_encrypt, secret_generate
from lms.models import User
from lms.outbox import outbox_enqueue
from organizations.models import Organization
from organizations.services import is_org_admin

MAX_ENDPOINTS = 20


class WebhookError(ValueError):
    """A refused change; the message is for the admin."""


def _check_admin(*, actor: User, organization: Organization) -> None:
    if not is_org_admin(user=actor, organization=organization):
        raise PermissionDenied(_("Only an administrator of this organization may manage its webhooks."))


def _deliver_after_commit(endpoint_id: int) -> None:
    outbox_enqueue(handler=DELIVER_HANDLER, payload={"endpoint_id": endpoint_id})


@transaction.atomic
def endpoint_create(
    *, organization: Organization, url: str, events: Sequence[str], actor: User
) -> tuple[WebhookEndpoint, str]:
    """Register `url` for `events`; returns the endpoint and its signing secret, which is shown this once."""
    _check_admin(actor=actor, organization=organization)
    chosen = sorted(set(events))
    if not chosen:
        raise WebhookError(_("Choose at least one event."))
    unknown = [event for event in chosen if event not in WebhookEventType.values]
    if unknown:
        raise WebhookError(_("Unknown event: %(events)s.") % {"events": ", ".join(unknown)})
    try:
        url_check(url)
    except AddressRefused as refused:
        raise WebhookError(str(refused)) from None
    WebhookSequence.objects.get_or_create(organization=organization)
    if WebhookEndpoint.objects.filter(organization=organization).count() >= MAX_ENDPOINTS:
        raise WebhookError(_("An organization has at most %(count)d endpoints.") % {"count": MAX_ENDPOINTS})
    secret = secret_generate()
    endpoint = WebhookEndpoint.objects.create(
        organization=organization, url=url, events=chosen, secret_encrypted=secret_encrypt(secret), created_by=actor
    )
    return endpoint, secret


@transaction.atomic
def endpoint_set_active(*, endpoint: WebhookEndpoint, active: bool, actor: User) -> WebhookEndpoint:
    """Disable an endpoint (it gets no new events; its pending deliveries wait), or enable it again (they go)."""
    _check_admin(actor=actor, organization=endpoint.organization)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=active)
    endpoint.active = active
    if active:
        _deliver_after_commit(endpoint.pk)
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, actor: User) -> None:
    """Delete an endpoint with its deliveries and their attempts."""
    _check_admin(actor=actor, organization=endpoint.organization)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()


@transaction.atomic
def delivery_replay(*, delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """Send a delivery again through the worker (delivered or failed: its retry budget starts over). It keeps its
    event's place in the endpoint's order and its `webhook-id`, so a receiver that has it can ignore it."""
    locked = WebhookDelivery.objects.select_for_update(of=("self",)).select_related("endpoint__organization")
    delivery = locked.get(pk=delivery.pk)
    _check_admin(actor=actor, organization=delivery.endpoint.organization)
    if not delivery.endpoint.active:
        raise WebhookError(_("Enable the endpoint before replaying its deliveries."))
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    _deliver_after_commit(delivery.endpoint_id)
    return delivery
