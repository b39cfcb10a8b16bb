"""Stripe webhooks: the stripe SDK verifies the `Stripe-Signature` header; each event is stored once, then acted on.

The SDK checks Stripe's documented scheme (HMAC-SHA256 of `"<t>." + raw body`, keyed by the endpoint's signing
secret, compared in constant time against every v1 value) and refuses a timestamp older than the tolerance
(300 s, Stripe's default). The event is kept as the JSON Stripe sent, not as the SDK's object.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

import stripe
from django.db import IntegrityError, transaction

from commerce.models import Order, OrderStatus, PaymentEvent, PaymentEventOutcome, ProviderCode
from commerce.providers import in_cents
from commerce.services import OrderError, order_decline, payment_receive

logger = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300


def stripe_event_verify(*, payload: bytes, header: str, secret: str) -> dict[str, Any]:
    """The event `payload` carries if `header` signs it with `secret` within the tolerance window.

    Raises stripe.SignatureVerificationError for a missing secret or header, a bad or stale signature,
    and ValueError for a body that is not a Stripe event.
    """
    stripe.WebhookSignature.verify_header(payload, header, secret, TOLERANCE_SECONDS)
    event = json.loads(payload)
    if not isinstance(event, dict) or "id" not in event or "type" not in event:
        raise ValueError("not a Stripe event")
    return event


def _order_of(session: dict[str, Any]) -> Order | None:
    number = (session.get("metadata") or {}).get("order_number") or session.get("client_reference_id")
    return Order.objects.filter(number=number, provider=ProviderCode.STRIPE).first() if number else None


@transaction.atomic
def stripe_event_handle(*, event: dict[str, Any]) -> PaymentEvent | None:
    """Store the event (unique id) and act on it. Returns None for a replay: nothing is done twice.

    Out of order: an expiry or failure after the payment changes nothing (a fulfilled order stays paid);
    a payment after an expiry fulfils nothing (the order was declined). A second payment (another Checkout
    session) for an order already paid, or a payment of a declined order, is flagged for refund: an
    `ExtraPayment` for a human, and the event's outcome says so. The same session notified again stays a no-op.
    """
    event_type = event.get("type", "")
    session = (event.get("data") or {}).get("object") or {}
    order = _order_of(session)
    try:
        with transaction.atomic():
            record = PaymentEvent.objects.create(
                provider=ProviderCode.STRIPE,
                event_id=event["id"],
                type=event_type,
                order=order,
                outcome=PaymentEventOutcome.IGNORED,
                payload=event,
            )
    except IntegrityError:
        logger.warning("stripe webhook refused: event %s was already received (replay)", event.get("id"))
        return None
    note, outcome = "", PaymentEventOutcome.IGNORED
    if order is None:
        note = "no matching order"
    elif event_type in {"checkout.session.completed", "checkout.session.async_payment_succeeded"}:
        if session.get("payment_status") != "paid":
            note = "payment not settled yet"
        elif (
            session.get("amount_total") != in_cents(order.total)
            or (session.get("currency") or "").upper() != order.currency
        ):
            note = "amount or currency differs from the order"
            logger.error(
                "stripe event %s: amount %s differs from order %s",
                event["id"],
                session.get("amount_total"),
                order.number,
            )
        else:
            try:
                received = payment_receive(
                    order=order,
                    provider=ProviderCode.STRIPE,
                    reference=session.get("id", ""),
                    amount=Decimal(session["amount_total"]) / 100,
                )
            except OrderError as refused:
                note = str(refused)
                logger.error("stripe event %s paid order %s, which is %s", event["id"], order.number, order.status)
            else:
                if received.extra is not None:
                    outcome, note = PaymentEventOutcome.FLAGGED, f"flagged for refund: {received.extra.reason}"
                    logger.error("stripe event %s paid order %s again: flagged for refund", event["id"], order.number)
                elif received.fulfilled:
                    outcome = PaymentEventOutcome.PROCESSED
                else:
                    note = "this payment was already received"
    elif event_type in {"checkout.session.expired", "checkout.session.async_payment_failed"}:
        if order.status == OrderStatus.PENDING:
            order_decline(order=order, reason=event_type)
            outcome = PaymentEventOutcome.PROCESSED
        else:
            note = f"order already {order.status}"
    else:
        note = "event type not handled"
    PaymentEvent.objects.filter(pk=record.pk).update(outcome=outcome, note=note[:255])
    record.outcome, record.note = outcome, note
    return record
