"""Every paid order has a receipt PDF, for its buyer and its organization's admins; nobody else sees it."""

import pytest
from django.urls import reverse

from commerce.invoices import receipt_pdf
from commerce.services import order_create, payment_confirm
from tests.commerce.helpers import WEBHOOK_SECRET, session_event, signed
from tests.factories import make_course, make_user
from tests.org_factories import make_member, make_org, org_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    return make_course(title="Receipts 101", price="80.00", lessons_per_module=1)


def card_paid_order(client, course, settings, buyer):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_123", WEBHOOK_SECRET
    order = order_create(buyer=buyer, items=[(course, 1)], provider="stripe")
    payload, header = signed(session_event(order, event_id="evt_paid"))
    client.post("/checkout/stripe/webhook/", payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    order.refresh_from_db()
    return order


def org_order(course):
    org = make_org()
    order = order_create(buyer=org_admin(org), organization=org, items=[(course, 3)], provider="test")
    return payment_confirm(order=order, provider="test", reference=f"test-{order.number}")


def receipt(client, order):
    return client.get(reverse("commerce:receipt_pdf", args=[order.number]))


def test_the_buyer_downloads_the_receipt_of_a_card_paid_order(client, course, settings):
    buyer = make_user()
    order = card_paid_order(client, course, settings, buyer)
    client.force_login(buyer)
    response = receipt(client, order)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert order.number.encode() in response.content


def test_the_order_page_links_to_the_receipt(client, course, settings):
    buyer = make_user()
    order = card_paid_order(client, course, settings, buyer)
    client.force_login(buyer)
    page = client.get(reverse("commerce:order", args=[order.number])).content.decode()
    assert reverse("commerce:receipt_pdf", args=[order.number]) in page


def test_an_organization_admin_downloads_the_receipt_of_an_order_placed_by_another_admin(client, course):
    order = org_order(course)
    other_admin = make_member(order.organization)
    order.organization.memberships.filter(user=other_admin).update(role="admin")
    client.force_login(other_admin)
    assert receipt(client, order).status_code == 200


def test_the_receipt_says_how_and_when_the_order_was_paid(course):
    order = org_order(course)
    pdf = receipt_pdf(order=order)
    assert b"Paid on" in pdf and order.provider_reference.encode() in pdf
    assert b"Receipts 101" in pdf


def test_a_learner_of_the_organization_gets_no_receipt(client, course):
    order = org_order(course)
    client.force_login(make_member(order.organization))
    assert receipt(client, order).status_code == 404


def test_another_organizations_admin_gets_no_receipt(client, course):
    order = org_order(course)
    client.force_login(org_admin(make_org()))
    assert receipt(client, order).status_code == 404


def test_an_unpaid_order_has_no_receipt(client, course):
    buyer = make_user()
    order = order_create(buyer=buyer, items=[(course, 1)], provider="test")
    client.force_login(buyer)
    assert receipt(client, order).status_code == 404


def test_a_visitor_is_sent_to_sign_in(client, course):
    order = org_order(course)
    response = receipt(client, order)
    assert response.status_code == 302 and "/accounts/login/" in response.url
