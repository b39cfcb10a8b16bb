"""Recording webhook events, in the transaction of the change they tell of (DESIGN: "Nothing earned waits on the
broker"): the event, one delivery a subscribed endpoint, and an outbox message an endpoint that delivers them
after the commit. A rolled-back change records nothing; a broker outage leaves the outbox message pending.

Which organizations an event belongs to: a seat's own organization; for a learner's enrolment, completion or
credential, every organization the learner is a member of (organizations' `learner_memberships`). A learner in no
organization, or organizations without an active endpoint for the event, cost one query and record nothing.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookEventType, WebhookSequence
from lms.db import FixedQuery, fixed_query
from lms.outbox import outbox_enqueue_many
from organizations.selectors import learner_memberships

DELIVER_HANDLER = "integrations.webhook_deliver"

Payload = Callable[[], dict[str, Any]]


def _sequence_take(organization_id: int, count: int) -> int:
    """Reserve `count` numbers of the organization's sequence; returns the last. The UPDATE locks the row until the
    commit, so a concurrent event of the same organization takes the next numbers after this one commits."""
    if not WebhookSequence.objects.filter(pk=organization_id).update(last=F("last") + count):
        # Registering an endpoint makes the row; should it be missing, make it without failing the change.
        try:
            with transaction.atomic():
                WebhookSequence.objects.create(organization_id=organization_id, last=0)
        except IntegrityError:
            pass  # made by a concurrent event meanwhile
        WebhookSequence.objects.filter(pk=organization_id).update(last=F("last") + count)
    return int(WebhookSequence.objects.values_list("last", flat=True).get(pk=organization_id))


_ENDPOINT_FIELDS = ("pk", "organization_id", "events")
_ANY_LEARNER = -1  # no learner has this key: the statement is composed with it, and run with the learner's


@functools.cache
def _learner_endpoints() -> FixedQuery:
    """The active endpoints of one learner's organizations, composed by the ORM once per process and run prepared:
    every enrolment, completion and credential of a learner asks, and composing it cost more than running it."""
    memberships = learner_memberships(user_ids=[_ANY_LEARNER]).values("organization_id")
    endpoints = WebhookEndpoint.objects.filter(organization_id__in=memberships, active=True).only(*_ENDPOINT_FIELDS)
    return fixed_query(endpoints, placeholder=_ANY_LEARNER)


def webhook_events_record(
    *,
    event_type: str,
    by_learner: Sequence[tuple[int, Payload]] = (),
    by_organization: Sequence[tuple[int, Payload]] = (),
) -> list[WebhookEvent]:
    """Record `event_type` events in the caller's transaction: one for each (learner id, payload) in each of the
    learner's organizations, and one for each (organization id, payload). A payload is built only when an endpoint
    wants it. Returns the events recorded."""
    if event_type not in WebhookEventType.values:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    learner_ids = sorted({user_id for user_id, _payload in by_learner})
    if not by_organization and len(learner_ids) == 1:  # one learner's event: most of them
        candidates = cast(list[WebhookEndpoint], _learner_endpoints().objects(learner_ids[0]))
    else:
        where = Q(organization_id__in=[organization_id for organization_id, _payload in by_organization])
        if learner_ids:
            where |= Q(organization_id__in=learner_memberships(user_ids=learner_ids).values("organization_id"))
        candidates = list(WebhookEndpoint.objects.filter(where, active=True).only(*_ENDPOINT_FIELDS))
    endpoints = [endpoint for endpoint in candidates if endpoint.subscribes_to(event_type)]
    if not endpoints:
        return []
    endpoints_of: dict[int, list[WebhookEndpoint]] = defaultdict(list)
    for endpoint in endpoints:
        endpoints_of[endpoint.organization_id].append(endpoint)
    targets: dict[int, list[Payload]] = defaultdict(list)
    for organization_id, payload in by_organization:
        if organization_id in endpoints_of:
            targets[organization_id].append(payload)
    if learner_ids:
        organizations_of: dict[int, list[int]] = defaultdict(list)
        memberships = learner_memberships(user_ids=learner_ids).filter(organization_id__in=list(endpoints_of))
        for row in memberships.order_by("organization_id"):
            organizations_of[row["user_id"]].append(row["organization_id"])
        for user_id, payload in by_learner:
            for organization_id in organizations_of[user_id]:
                targets[organization_id].append(payload)
    built: dict[int, dict[str, Any]] = {}
    events: list[WebhookEvent] = []
    # Sequences are locked in organization order, so two changes touching the same organizations cannot deadlock.
    for organization_id in sorted(targets):
        payloads = targets[organization_id]
        last = _sequence_take(organization_id, len(payloads))
        for offset, payload in enumerate(payloads):
            if id(payload) not in built:  # a learner in two organizations: one payload, built once
                built[id(payload)] = payload()
            data = built[id(payload)]
            events.append(
                WebhookEvent(
                    organization_id=organization_id,
                    type=event_type,
                    sequence=last - len(payloads) + 1 + offset,
                    payload=data,
                )
            )
    WebhookEvent.objects.bulk_create(events)
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(endpoint=endpoint, event=event)
            for event in events
            for endpoint in endpoints_of[event.organization_id]
        ]
    )
    touched = sorted({endpoint.pk for event in events for endpoint in endpoints_of[event.organization_id]})
    outbox_enqueue_many(handler=DELIVER_HANDLER, payloads=[{"endpoint_id": pk} for pk in touched])
    return events
