"""Payment providers: the test provider, Stripe Checkout (fake HTTP, signed webhooks) and invoices."""

import logging
from decimal import Decimal

import pytest
from django.urls import reverse

from commerce import providers
from commerce.invoices import invoice_pdf
from commerce.models import Invoice, Order, OrderStatus, PaymentEvent
from commerce.providers import StripeProvider
from commerce.services import invoice_issue, invoice_mark_paid, order_create
from lms.roles import role_groups_ensure
from organizations.models import SeatBundle
from progress.models import Enrolment
from tests.commerce.helpers import WEBHOOK_SECRET, FakeStripeApi, session_event, signed
from tests.factories import make_course, make_user
from tests.org_factories import make_org, org_admin

pytestmark = pytest.mark.django_db
WEBHOOK = "/checkout/stripe/webhook/"


@pytest.fixture
def course():
    return make_course(price="80.00", lessons_per_module=1)


@pytest.fixture
def stripe_settings(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return settings


def stripe_order(course, buyer=None):
    return order_create(buyer=buyer or make_user(), items=[(course, 1)], provider="stripe")


def post_event(client, event, **sign):
    payload, header = signed(event, **sign)
    return client.post(WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


# --- test provider -----------------------------------------------------------------------------------


def test_the_test_provider_confirms_on_demand(client, course):
    buyer = make_user()
    client.force_login(buyer)
    response = client.post(
        reverse("commerce:course_checkout", args=[course.pk]),
        {"province": "ON", "coupon": "", "provider": "test", "action": "place"},
    )
    order = Order.objects.get(buyer=buyer)
    assert response.url == reverse("commerce:test_pay", args=[order.number])
    client.post(response.url, {"decision": "confirm"})
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert Enrolment.objects.get(user=buyer, course=course).source == "purchase"


def test_the_test_provider_declines_on_demand(client, course):
    buyer = make_user()
    client.force_login(buyer)
    order = order_create(buyer=buyer, items=[(course, 1)], provider="test")
    client.post(reverse("commerce:test_pay", args=[order.number]), {"decision": "decline"})
    order.refresh_from_db()
    assert order.status == OrderStatus.DECLINED
    assert not Enrolment.objects.filter(user=buyer).exists()


def test_a_double_click_on_confirm_fulfils_once(client, course):
    org = make_org()
    admin = org_admin(org)
    client.force_login(admin)
    order = order_create(buyer=admin, organization=org, items=[(course, 5)], provider="test")
    url = reverse("commerce:test_pay", args=[order.number])
    client.post(url, {"decision": "confirm"})
    client.post(url, {"decision": "confirm"})
    assert SeatBundle.objects.filter(organization=org).count() == 1


def test_another_user_cannot_pay_or_see_an_order(client, course):
    order = order_create(buyer=make_user(), items=[(course, 1)], provider="test")
    client.force_login(make_user())
    assert client.post(reverse("commerce:test_pay", args=[order.number]), {"decision": "confirm"}).status_code == 404
    assert client.get(reverse("commerce:order", args=[order.number])).status_code == 404


# --- Stripe ------------------------------------------------------------------------------------------


def test_a_checkout_session_is_created_through_stripes_api_at_the_pinned_version(rf, course, stripe_settings):
    stripe_settings.STRIPE_API_VERSION = "2026-10-28.endive"
    api = FakeStripeApi(
        body={"id": "cs_test_abc", "object": "checkout.session", "url": "https://checkout.stripe.test/c/cs_test_abc"}
    )
    order = stripe_order(course)
    url = StripeProvider(http_client=api).start(order=order, request=rf.get("/"))
    assert url == "https://checkout.stripe.test/c/cs_test_abc"
    [sent] = api.requests
    assert (sent["method"], sent["url"]) == ("post", "https://api.stripe.com/v1/checkout/sessions")
    assert sent["headers"]["Authorization"] == "Bearer sk_test_123"
    assert sent["headers"]["Stripe-Version"] == "2026-10-28.endive"
    assert sent["headers"]["Idempotency-Key"] == f"checkout-{order.number}"
    fields = sent["form"]
    assert fields["mode"] == "payment"
    assert fields["line_items[0][quantity]"] == "1"
    assert fields["line_items[0][price_data][currency]"] == "cad"
    assert fields["line_items[0][price_data][unit_amount]"] == "9040"  # 80.00 + 13 % HST
    assert fields["metadata[order_number]"] == order.number
    assert fields["client_reference_id"] == order.number
    assert Order.objects.get(pk=order.pk).provider_reference == "cs_test_abc"


def test_a_stripe_error_tells_the_buyer(client, course, stripe_settings, monkeypatch):
    api = FakeStripeApi(status=402, body={"error": {"type": "card_error", "message": "no"}})
    monkeypatch.setattr(providers, "STRIPE_HTTP_CLIENT", api)
    buyer = make_user()
    client.force_login(buyer)
    response = client.post(
        reverse("commerce:course_checkout", args=[course.pk]),
        {"province": "ON", "provider": "stripe", "action": "place"},
        follow=True,
    )
    assert len(api.requests) == 1
    assert "could not be started" in response.content.decode()
    assert Order.objects.get(buyer=buyer).provider_reference == ""


def test_stripe_is_tried_once_while_the_buyer_waits(rf, course, stripe_settings):
    api = FakeStripeApi(status=503, body={"error": {"type": "api_error", "message": "unavailable"}})
    order = stripe_order(course)
    with pytest.raises(providers.ProviderError, match="could not be started"):
        StripeProvider(http_client=api).start(order=order, request=rf.get("/"))
    assert len(api.requests) == 1


def test_a_session_without_a_payment_page_tells_the_buyer(rf, course, stripe_settings):
    api = FakeStripeApi(body={"id": "cs_test_nourl", "object": "checkout.session", "url": None})
    order = stripe_order(course)
    with pytest.raises(providers.ProviderError, match="could not be started"):
        StripeProvider(http_client=api).start(order=order, request=rf.get("/"))
    assert Order.objects.get(pk=order.pk).provider_reference == ""


def test_without_a_secret_key_card_payments_are_not_configured(rf, course, stripe_settings):
    api = FakeStripeApi(body={})
    with pytest.raises(providers.ProviderError, match="not configured"):
        StripeProvider(http_client=api, secret_key="").start(order=stripe_order(course), request=rf.get("/"))
    assert api.requests == []


def test_a_signed_completed_event_fulfils_the_order(client, course, stripe_settings):
    order = stripe_order(course)
    response = post_event(client, session_event(order, event_id="evt_1"))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert PaymentEvent.objects.get(event_id="evt_1").outcome == "processed"


def test_a_forged_signature_is_refused_and_logged(client, course, stripe_settings, caplog):
    order = stripe_order(course)
    with caplog.at_level(logging.WARNING, logger="commerce.views"):
        response = post_event(client, session_event(order, event_id="evt_forged"), secret="whsec_wrong")
    assert response.status_code == 400
    assert "No signatures found matching the expected signature" in caplog.text
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING
    assert not PaymentEvent.objects.exists()


def test_a_tampered_body_is_refused(client, course, stripe_settings):
    order = stripe_order(course)
    payload, header = signed(session_event(order, event_id="evt_t"))
    tampered = payload.replace(b'"paid"', b'"paid" ')
    response = client.post(WEBHOOK, tampered, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    assert response.status_code == 400


def test_a_stale_event_is_refused_and_logged(client, course, stripe_settings, caplog):
    import time

    order = stripe_order(course)
    with caplog.at_level(logging.WARNING, logger="commerce.views"):
        response = post_event(client, session_event(order, event_id="evt_old"), timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    assert "tolerance" in caplog.text
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING


def test_a_missing_signature_header_is_refused(client, course, stripe_settings):
    order = stripe_order(course)
    payload, _header = signed(session_event(order, event_id="evt_x"))
    assert client.post(WEBHOOK, payload, content_type="application/json").status_code == 400


def test_a_replayed_event_is_refused_logged_and_fulfils_once(client, course, stripe_settings, caplog):
    org = make_org()
    order = order_create(buyer=org_admin(org), organization=org, items=[(course, 5)], provider="stripe")
    post_event(client, session_event(order, event_id="evt_same"))
    with caplog.at_level(logging.WARNING, logger="commerce.stripe_webhooks"):
        replay = post_event(client, session_event(order, event_id="evt_same"))
    assert replay.json() == {"received": True, "duplicate": True}
    assert "replay" in caplog.text
    assert SeatBundle.objects.filter(organization=org).count() == 1
    assert PaymentEvent.objects.filter(event_id="evt_same").count() == 1


def test_a_second_completion_with_a_new_id_fulfils_nothing_more(client, course, stripe_settings):
    buyer = make_user()
    order = stripe_order(course, buyer)
    post_event(client, session_event(order, event_id="evt_a"))
    post_event(client, session_event(order, event_id="evt_b"))
    assert Enrolment.objects.filter(user=buyer).count() == 1


def test_an_expiry_arriving_after_the_payment_changes_nothing(client, course, stripe_settings):
    order = stripe_order(course)
    post_event(client, session_event(order, event_id="evt_paid"))
    post_event(client, session_event(order, event_id="evt_exp", type_="checkout.session.expired", paid=False))
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert PaymentEvent.objects.get(event_id="evt_exp").outcome == "ignored"


def test_a_payment_arriving_after_the_expiry_is_not_fulfilled(client, course, stripe_settings, caplog):
    order = stripe_order(course)
    post_event(client, session_event(order, event_id="evt_exp", type_="checkout.session.expired", paid=False))
    with caplog.at_level(logging.ERROR, logger="commerce.stripe_webhooks"):
        post_event(client, session_event(order, event_id="evt_late"))
    order.refresh_from_db()
    assert order.status == OrderStatus.DECLINED
    assert order.number in caplog.text


def test_an_unpaid_completion_waits_for_the_async_payment(client, course, stripe_settings):
    order = stripe_order(course)
    post_event(client, session_event(order, event_id="evt_c", paid=False))
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING
    post_event(client, session_event(order, event_id="evt_s", type_="checkout.session.async_payment_succeeded"))
    assert Order.objects.get(pk=order.pk).status == OrderStatus.FULFILLED


def test_a_failed_async_payment_declines(client, course, stripe_settings):
    order = stripe_order(course)
    post_event(
        client, session_event(order, event_id="evt_f", type_="checkout.session.async_payment_failed", paid=False)
    )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DECLINED


def test_an_amount_that_differs_from_the_order_is_not_fulfilled(client, course, stripe_settings):
    order = stripe_order(course)
    post_event(client, session_event(order, event_id="evt_m", amount=100))
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING


def test_the_signature_accepts_any_of_several_v1_values(client, course, stripe_settings):
    order = stripe_order(course)
    payload, header = signed(session_event(order, event_id="evt_rolled"))
    t, v1 = header.split(",")
    response = client.post(
        WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=f"{t},v1=deadbeef,{v1}"
    )
    assert response.status_code == 200
    assert Order.objects.get(pk=order.pk).status == OrderStatus.FULFILLED


def test_without_a_webhook_secret_every_event_is_refused(client, course, stripe_settings):
    order = stripe_order(course)
    stripe_settings.STRIPE_WEBHOOK_SECRET = ""
    assert post_event(client, session_event(order, event_id="evt_nosecret")).status_code == 400
    assert not PaymentEvent.objects.exists()


def test_a_signed_body_that_is_not_an_event_is_refused(client, stripe_settings):
    payload, header = signed({"object": "event"})
    response = client.post(WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    assert response.status_code == 400
    assert not PaymentEvent.objects.exists()


# --- invoices ----------------------------------------------------------------------------------------


def test_an_invoice_order_gets_a_numbered_pdf_with_lines_tax_and_terms(course):
    org = make_org(name="Northwind Test")
    order = order_create(buyer=org_admin(org), organization=org, items=[(course, 4)], provider="invoice")
    invoice = invoice_issue(order=order)
    assert invoice.number.startswith("INV-")
    assert invoice_issue(order=order).pk == invoice.pk
    pdf = invoice_pdf(invoice=invoice)
    assert pdf.startswith(b"%PDF")
    for text in (invoice.number, course.title, "HST 13%", "Net 30 days", f"${order.total:,.2f}"):
        assert text.encode() in pdf


def test_a_platform_admin_marks_an_invoice_paid_which_fulfils_it(client, course):
    org = make_org()
    order = order_create(buyer=org_admin(org), organization=org, items=[(course, 4)], provider="invoice")
    invoice = invoice_issue(order=order)
    _instructors, admins = role_groups_ensure()
    platform_admin = make_user(is_staff=True)
    platform_admin.groups.add(admins)
    client.force_login(platform_admin)
    response = client.post(reverse("commerce_invoices"), {"invoice": invoice.pk})
    assert response.status_code == 302
    assert Order.objects.get(pk=order.pk).status == OrderStatus.FULFILLED
    assert SeatBundle.objects.get(organization=org).seats_bought == 4
    assert Invoice.objects.get(pk=invoice.pk).marked_paid_by == platform_admin


def test_an_organization_admin_cannot_mark_their_own_invoice_paid(course):
    from django.core.exceptions import PermissionDenied

    org = make_org()
    order = order_create(buyer=org_admin(org), organization=org, items=[(course, 4)], provider="invoice")
    with pytest.raises(PermissionDenied):
        invoice_mark_paid(invoice=invoice_issue(order=order), actor=org_admin(org))
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING


def test_the_invoice_pdf_downloads_for_the_buyer(client, course):
    org = make_org()
    admin = org_admin(org)
    order = order_create(buyer=admin, organization=org, items=[(course, 4)], provider="invoice")
    invoice_issue(order=order)
    client.force_login(admin)
    response = client.get(reverse("commerce:invoice_pdf", args=[order.number]))
    assert response["Content-Type"] == "application/pdf"
    assert Decimal(order.total) > 0
