"""Reads for the webhooks page: a fixed number of queries whatever the organization's size."""

from __future__ import annotations

from django.db.models import Prefetch

from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from organizations.models import Organization

RECENT_DELIVERIES = 50


def endpoints_of(*, organization: Organization) -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(organization=organization).order_by("pk"))


def deliveries_recent(*, organization: Organization, limit: int = RECENT_DELIVERIES) -> list[WebhookDelivery]:
    """The organization's latest deliveries, newest event first, with their event, endpoint and attempts (two
    queries)."""
    return list(
        WebhookDelivery.objects.filter(endpoint__organization=organization)
        .select_related("event", "endpoint")
        .prefetch_related(Prefetch("attempt_records", queryset=WebhookAttempt.objects.order_by("attempted_at", "pk")))
        .order_by("-event__sequence", "-pk")[:limit]
    )
