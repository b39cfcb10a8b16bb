"""Payment providers behind one interface: `start(order=..., request=...)` gives the URL to send the buyer to.

- test: built in, the embedded default and the demo; the buyer confirms or declines on a page of ours.
  Disabled under the production settings.
- stripe: a Checkout Session created with the official SDK at the pinned `settings.STRIPE_API_VERSION`
  (its HTTP client injectable); the order is fulfilled only by a signed webhook (commerce.stripe_webhooks).
- invoice: an organization receives a PDF invoice; a platform admin marks it paid in the Wagtail admin.
"""

from __future__ import annotations

import logging
import os
from decimal import Decimal
from typing import Protocol

import stripe
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from stripe.params.checkout import SessionCreateParams

from commerce.models import Order, OrderLine, ProviderCode
from commerce.pricing import HUNDRED

logger = logging.getLogger(__name__)

# One attempt of at most 20 s: the buyer's request waits on it and gunicorn ends a worker at 30 s. The
# idempotency key makes the buyer's own retry safe (Stripe returns the same session).
STRIPE_TIMEOUT_SECONDS = 20


class ProviderError(Exception):
    """The provider could not start the payment; the message is for the buyer."""


class PaymentProvider(Protocol):
    @property
    def code(self) -> str: ...

    def start(self, *, order: Order, request: HttpRequest) -> str: ...


class TestProvider:
    code = ProviderCode.TEST

    def start(self, *, order: Order, request: HttpRequest) -> str:
        return reverse("commerce:test_pay", args=[order.number])


def in_cents(amount: Decimal) -> int:
    return int((amount * HUNDRED).to_integral_value())


class StripeProvider:
    code = ProviderCode.STRIPE

    def __init__(self, *, http_client: stripe.HTTPClient | None = None, secret_key: str | None = None) -> None:
        self.http_client = http_client
        self.secret_key = secret_key if secret_key is not None else settings.STRIPE_SECRET_KEY

    def session_params(self, *, order: Order, success_url: str, cancel_url: str) -> SessionCreateParams:
        """One line for the whole order at its exact total, so Stripe charges what our invoice says (tax included)."""
        lines = list(OrderLine.objects.filter(order=order).select_related("course"))
        name = ", ".join(f"{line.course.title} × {line.seats}" for line in lines)[:250]
        return {
            "mode": "payment",
            "success_url": success_url,
            "cancel_url": cancel_url,
            "client_reference_id": order.number,
            "customer_email": order.buyer.email,
            "metadata": {"order_number": order.number},
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": order.currency.lower(),
                        "unit_amount": in_cents(order.total),
                        "product_data": {"name": name or order.number},
                    },
                }
            ],
        }

    def start(self, *, order: Order, request: HttpRequest) -> str:
        if not self.secret_key:
            raise ProviderError(_("Card payments are not configured."))
        detail = request.build_absolute_uri(reverse("commerce:order", args=[order.number]))
        client = stripe.StripeClient(
            self.secret_key,
            stripe_version=settings.STRIPE_API_VERSION,
            http_client=self.http_client or stripe.RequestsClient(timeout=STRIPE_TIMEOUT_SECONDS),
            max_network_retries=0,
        )
        try:
            session: stripe.checkout.Session | None = client.v1.checkout.sessions.create(
                self.session_params(order=order, success_url=detail, cancel_url=detail + "?cancelled=1"),
                {"idempotency_key": f"checkout-{order.number}"},
            )
        except stripe.StripeError as refused:
            logger.warning("stripe refused the checkout session of order %s: %r", order.number, refused)
            session = None
        if session is None or not session.url:
            raise ProviderError(_("The card payment could not be started. Please try again."))
        Order.objects.filter(pk=order.pk).update(provider_reference=session.id)
        return session.url


class InvoiceProvider:
    code = ProviderCode.INVOICE

    def start(self, *, order: Order, request: HttpRequest) -> str:
        from commerce.services import invoice_issue

        invoice_issue(order=order)
        return reverse("commerce:order", args=[order.number])


def test_provider_enabled() -> bool:
    module = settings.SETTINGS_MODULE or os.environ.get("DJANGO_SETTINGS_MODULE", "")
    return not module.endswith(".production")


def providers_available(*, organization: bool) -> list[str]:
    codes: list[str] = []
    if test_provider_enabled():
        codes.append(ProviderCode.TEST)
    if settings.STRIPE_SECRET_KEY:
        codes.append(ProviderCode.STRIPE)
    if organization:
        codes.append(ProviderCode.INVOICE)
    return codes


# Tests put a fake of Stripe's HTTP API here (a stripe.HTTPClient); None is the SDK's own client.
STRIPE_HTTP_CLIENT: stripe.HTTPClient | None = None


def provider_for(code: str) -> PaymentProvider:
    if code == ProviderCode.TEST:
        return TestProvider()
    if code == ProviderCode.STRIPE:
        return StripeProvider(http_client=STRIPE_HTTP_CLIENT)
    if code == ProviderCode.INVOICE:
        return InvoiceProvider()
    raise ProviderError(_("Unknown payment method."))
