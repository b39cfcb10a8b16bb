"""Delivering an endpoint's webhooks, in the worker: in order, one at a time, each attempt recorded.

`endpoint_drain` is what the outbox message of a new event (and a replay) runs, and what beat runs for an endpoint
whose next retry has come (`deliveries_retry_due`). It takes the endpoint's lease (one worker at a time delivers
to an endpoint), then sends its pending deliveries in their events' order: the first pending one is sent when its
time has come; a 2xx answer marks it delivered and the next goes; any other answer, a timeout or a refused address
is recorded and retried later with an exponential backoff (WEBHOOKS_BACKOFF_BASE seconds, doubling, at most
WEBHOOKS_BACKOFF_MAX), and the later ones wait behind it, until WEBHOOKS_MAX_ATTEMPTS attempts mark it failed. So
an endpoint's later event is never sent before its earlier ones succeeded or finally failed.

No transaction is held open across a request: the lease is a timestamp on the endpoint, taken and released in
short transactions, and long enough for one request (WEBHOOKS_TIMEOUT) before it is renewed.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from integrations.webhooks.addresses import AddressRefused, url_check
from integrations.webhooks.signing import secret_decrypt, signed_headers

logger = logging.getLogger(__name__)

EXCERPT_CHARS = 1000
USER_AGENT = "Stackable-Webhooks/1"


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def retry_backoff(attempts: int) -> timedelta:
    """How long a delivery waits after its `attempts`-th failed attempt."""
    base, ceiling = _setting("WEBHOOKS_BACKOFF_BASE", 30), _setting("WEBHOOKS_BACKOFF_MAX", 6 * 3600)
    return timedelta(seconds=min(base * 2 ** min(max(attempts - 1, 0), 32), ceiling))


def max_attempts() -> int:
    return max(int(_setting("WEBHOOKS_MAX_ATTEMPTS", 8)), 1)


def event_body(event: WebhookEvent) -> bytes:
    """The JSON body of every delivery of `event`: `id`, `type`, `created` and `data`."""
    document = {
        "id": event.message_id,
        "type": event.type,
        "created": event.created_at.isoformat(),
        "data": event.payload,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    excerpt: str
    duration_ms: int
    error: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _post(endpoint: WebhookEndpoint, event: WebhookEvent) -> Outcome:
    """One signed POST, never raising: what came back, or why nothing did."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        url_check(endpoint.url)
        body = event_body(event)
        headers = signed_headers(
            secret=secret_decrypt(endpoint.secret_encrypted), message_id=event.message_id, body=body
        )
        response = requests.post(
            endpoint.url,
            data=body,
            headers={**headers, "Content-Type": "application/json", "User-Agent": USER_AGENT},
            timeout=_setting("WEBHOOKS_TIMEOUT", 5),
            allow_redirects=False,  # a redirect could lead anywhere, a private address included: it is a failure
            stream=True,
        )
        with response:
            excerpt = next(response.iter_content(EXCERPT_CHARS * 4), b"").decode("utf-8", errors="replace")
        return Outcome(response.status_code, excerpt[:EXCERPT_CHARS], took(), "")
    except AddressRefused as refused:
        return Outcome(None, "", took(), str(refused))
    except requests.RequestException as failed:
        return Outcome(None, "", took(), f"{type(failed).__name__}: {failed}"[:EXCERPT_CHARS])


def _lease_seconds() -> float:
    return _setting("WEBHOOKS_TIMEOUT", 5) * 2 + 30


def _lease_take(endpoint_id: int) -> bool:
    now = timezone.now()
    return bool(
        WebhookEndpoint.objects.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now), pk=endpoint_id).update(
            lease_until=now + timedelta(seconds=_lease_seconds())
        )
    )


def _lease_renew(endpoint_id: int) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint_id).update(
        lease_until=timezone.now() + timedelta(seconds=_lease_seconds())
    )


def _lease_release(endpoint_id: int) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint_id).update(lease_until=None)


def _head(endpoint_id: int) -> WebhookDelivery | None:
    """The endpoint's first pending delivery, in its events' order."""
    return (
        WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status=DeliveryStatus.PENDING)
        .select_related("event")
        .order_by("event__sequence", "pk")
        .first()
    )


def _due(endpoint_id: int, now: datetime) -> bool:
    """Whether the endpoint is active and its first pending delivery's time has come (what `_drain` sends)."""
    if not WebhookEndpoint.objects.filter(pk=endpoint_id, active=True).exists():
        return False
    head = _head(endpoint_id)
    return head is not None and head.next_attempt_at <= now


def _record(delivery: WebhookDelivery, outcome: Outcome, attempted_at: datetime) -> bool:
    """Record the attempt and move the delivery on; returns True when the next delivery may go."""
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=attempted_at,
            status_code=outcome.status_code,
            response_excerpt=outcome.excerpt,
            duration_ms=outcome.duration_ms,
            error=outcome.error,
        )
        attempts = delivery.attempts + 1
        if outcome.succeeded:
            status, next_at = DeliveryStatus.SUCCEEDED, delivery.next_attempt_at
        elif attempts >= max_attempts():
            status, next_at = DeliveryStatus.FAILED, delivery.next_attempt_at
        else:
            status, next_at = DeliveryStatus.PENDING, timezone.now() + retry_backoff(attempts)
        # Only a delivery still pending moves (a concurrent replay or deletion wins).
        WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
            status=status, attempts=attempts, next_attempt_at=next_at
        )
    return status != DeliveryStatus.PENDING


def _drain(endpoint_id: int) -> int:
    attempted = 0
    while True:
        endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, active=True).first()
        head = _head(endpoint_id) if endpoint is not None else None
        now = timezone.now()
        if endpoint is None or head is None or head.next_attempt_at > now:
            return attempted
        outcome = _post(endpoint, head.event)
        attempted += 1
        if not outcome.succeeded:
            logger.warning("Webhook %s to %s failed: %s %s", head.pk, endpoint.url, outcome.status_code, outcome.error)
        if not _record(head, outcome, now):
            return attempted
        _lease_renew(endpoint_id)


def endpoint_drain(*, endpoint_id: int) -> int:
    """Send the endpoint's due deliveries in order (see the module); returns how many attempts were made.

    When another worker holds the lease, it returns at once: that worker looks again for due deliveries after it
    releases the lease, so a delivery recorded meanwhile is not left behind."""
    attempted = 0
    while _lease_take(endpoint_id):
        try:
            round_attempts = _drain(endpoint_id)
        finally:
            _lease_release(endpoint_id)
        attempted += round_attempts
        if not _due(endpoint_id, timezone.now()):  # recorded while we held the lease: deliver it too
            break
    return attempted


def endpoints_due(*, now: datetime | None = None) -> list[int]:
    """The active endpoints with a pending delivery whose time has come and no worker delivering to them."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            Q(endpoint__lease_until__isnull=True) | Q(endpoint__lease_until__lt=now),
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            endpoint__active=True,
        )
        .order_by("endpoint_id")
        .values_list("endpoint_id", flat=True)
        .distinct()
    )
