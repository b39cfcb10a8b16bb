"""Payment providers behind one interface: `start(order=..., request=...)` gives the URL to send the buyer to.

- test: built in, the embedded default and the demo; the buyer confirms or declines on a page of ours.
  Disabled under the production settings.
- stripe: a Checkout Session created through Stripe's API (form-encoded POST, the HTTP call injectable);
  the order is fulfilled only by a signed webhook (commerce.stripe).
- invoice: an organization receives a PDF invoice; a platform admin marks it paid in the Wagtail admin.
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Protocol

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from commerce.models import Order, OrderLine, ProviderCode
from commerce.pricing import HUNDRED

# (url, form fields, headers) -> (status, decoded JSON body)
HttpPost = Callable[[str, list[tuple[str, str]], dict[str, str]], tuple[int, dict]]
STRIPE_SESSIONS_URL = "https://api.stripe.com/v1/checkout/sessions"


class ProviderError(Exception):
    """The provider could not start the payment; the message is for the buyer."""


class PaymentProvider(Protocol):
    code: str

    def start(self, *, order: Order, request: HttpRequest) -> str: ...


class TestProvider:
    code = ProviderCode.TEST

    def start(self, *, order: Order, request: HttpRequest) -> str:
        return reverse("commerce:test_pay", args=[order.number])


def _urllib_post(url: str, fields: list[tuple[str, str]], headers: dict[str, str]) -> tuple[int, dict]:
    body = urllib.parse.urlencode(fields).encode()
    http_request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - fixed https URL
    try:
        with urllib.request.urlopen(http_request, timeout=20) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def in_cents(amount) -> int:
    return int((amount * HUNDRED).to_integral_value())


class StripeProvider:
    code = ProviderCode.STRIPE

    def __init__(self, *, http: HttpPost | None = None, secret_key: str | None = None) -> None:
        self.http = http or _urllib_post
        self.secret_key = secret_key if secret_key is not None else settings.STRIPE_SECRET_KEY

    def session_fields(self, *, order: Order, success_url: str, cancel_url: str) -> list[tuple[str, str]]:
        """One line for the whole order at its exact total, so Stripe charges what our invoice says (tax included)."""
        lines = list(OrderLine.objects.filter(order=order).select_related("course"))
        name = ", ".join(f"{line.course.title} × {line.seats}" for line in lines)[:250]
        return [
            ("mode", "payment"),
            ("success_url", success_url),
            ("cancel_url", cancel_url),
            ("client_reference_id", order.number),
            ("customer_email", order.buyer.email),
            ("metadata[order_number]", order.number),
            ("line_items[0][quantity]", "1"),
            ("line_items[0][price_data][currency]", order.currency.lower()),
            ("line_items[0][price_data][unit_amount]", str(in_cents(order.total))),
            ("line_items[0][price_data][product_data][name]", name or order.number),
        ]

    def start(self, *, order: Order, request: HttpRequest) -> str:
        if not self.secret_key:
            raise ProviderError(_("Card payments are not configured."))
        detail = request.build_absolute_uri(reverse("commerce:order", args=[order.number]))
        status, session = self.http(
            STRIPE_SESSIONS_URL,
            self.session_fields(order=order, success_url=detail, cancel_url=detail + "?cancelled=1"),
            {"Authorization": f"Bearer {self.secret_key}", "Idempotency-Key": f"checkout-{order.number}"},
        )
        if status != 200 or "url" not in session:
            raise ProviderError(_("The card payment could not be started. Please try again."))
        Order.objects.filter(pk=order.pk).update(provider_reference=session.get("id", ""))
        return session["url"]


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
    codes = []
    if test_provider_enabled():
        codes.append(ProviderCode.TEST)
    if settings.STRIPE_SECRET_KEY:
        codes.append(ProviderCode.STRIPE)
    if organization:
        codes.append(ProviderCode.INVOICE)
    return codes


# Tests swap in a StripeProvider with a fake HTTP client here.
STRIPE_HTTP: HttpPost | None = None


def provider_for(code: str) -> PaymentProvider:
    if code == ProviderCode.TEST:
        return TestProvider()
    if code == ProviderCode.STRIPE:
        return StripeProvider(http=STRIPE_HTTP)
    if code == ProviderCode.INVOICE:
        return InvoiceProvider()
    raise ProviderError(_("Unknown payment method."))
