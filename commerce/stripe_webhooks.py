"""Stripe webhooks: verify the `Stripe-Signature` header, store each event once, act on Checkout events.

Stripe's documented scheme: the header is `t=<unix time>,v1=<hex>[,v1=<hex>…]`; the signature is
HMAC-SHA256, keyed by the endpoint's signing secret, of `"<t>." + raw body`. We compare in constant time
against every v1 value and refuse a timestamp further than the tolerance (300 s, Stripe's default) from now.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from commerce.models import Order, OrderStatus, PaymentEvent, PaymentEventOutcome, ProviderCode
from commerce.providers import in_cents
from commerce.services import OrderError, order_decline, payment_receive

logger = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    pass


def signature_verify(
    *, payload: bytes, header: str, secret: str, now: float | None = None, tolerance: int = TOLERANCE_SECONDS
) -> None:
    """Raise SignatureError unless `header` signs `payload` with `secret` within the tolerance window."""
    if not secret:
        raise SignatureError("no webhook secret configured")
    timestamp, signatures = None, []
    for part in (header or "").split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not timestamp.isdigit() or not signatures:
        raise SignatureError("malformed Stripe-Signature header")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureError("signature does not match")
    if abs((now if now is not None else time.time()) - int(timestamp)) > tolerance:
        raise SignatureError("timestamp outside the tolerance window")


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


def parse_event(payload: bytes) -> dict[str, Any]:
    event = json.loads(payload)
    if not isinstance(event, dict) or "id" not in event or "type" not in event:
        raise ValueError("not a Stripe event")
    return event
