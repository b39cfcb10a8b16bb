from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

import stripe

WEBHOOK_SECRET = "whsec_test_secret"


def signed(event: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[bytes, str]:
    """A payload and its Stripe-Signature header, built as Stripe documents it."""
    payload = json.dumps(event).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, f"t={timestamp},v1={digest}"


def session_event(
    order,
    *,
    event_id: str,
    type_: str = "checkout.session.completed",
    paid: bool = True,
    amount=None,
    session_id: str = "cs_test_123",
) -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": type_,
        "data": {
            "object": {
                "id": session_id,
                "object": "checkout.session",
                "client_reference_id": order.number,
                "metadata": {"order_number": order.number},
                "payment_status": "paid" if paid else "unpaid",
                "amount_total": int(order.total * 100) if amount is None else amount,
                "currency": "cad",
            }
        },
    }


class FakeStripeApi(stripe.HTTPClient):
    """Stripe's HTTP API as the SDK sees it: records each request and answers with a canned status and JSON body."""

    name = "fake-stripe"

    def __init__(self, *, status: int = 200, body: dict[str, Any]) -> None:
        super().__init__()
        self.status, self.body = status, body
        self.requests: list[dict[str, Any]] = []

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[str, int, Mapping[str, str]]:
        form = dict(parse_qsl(post_data.decode() if isinstance(post_data, bytes) else post_data or ""))
        self.requests.append({"method": method, "url": url, "headers": dict(headers or {}), "form": form})
        return json.dumps(self.body), self.status, {}

    def close(self) -> None:
        pass
