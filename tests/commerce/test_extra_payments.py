"""A second payment of a paid order is flagged for refund, not absorbed; the same payment twice stays a no-op."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.models import ExtraPayment, OrderStatus, PaymentEvent
from commerce.services import order_create, payment_receive
from lms.roles import role_groups_ensure
from organizations.models import SeatBundle
from tests.commerce.helpers import WEBHOOK_SECRET, session_event, signed
from tests.factories import make_course, make_user
from tests.org_factories import make_org, org_admin

pytestmark = pytest.mark.django_db
WEBHOOK = "/checkout/stripe/webhook/"


@pytest.fixture(autouse=True)
def stripe_settings(settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_123", WEBHOOK_SECRET


@pytest.fixture
def order():
    org = make_org()
    course = make_course(price="100.00", lessons_per_module=1)
    return order_create(buyer=org_admin(org), organization=org, items=[(course, 4)], provider="stripe")


def paid(client, order, *, event_id, session_id):
    payload, header = signed(session_event(order, event_id=event_id, session_id=session_id))
    return client.post(WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


def test_a_second_payment_with_another_reference_is_flagged_for_refund_with_its_amount(client, order):
    paid(client, order, event_id="evt_1", session_id="cs_first")
    response = paid(client, order, event_id="evt_2", session_id="cs_second")
    assert response.json()["outcome"] == "flagged"
    extra = ExtraPayment.objects.get(order=order)
    assert (extra.reference, extra.amount, extra.provider) == ("cs_second", order.total, "stripe")
    assert PaymentEvent.objects.get(event_id="evt_2").outcome == "flagged"


def test_twenty_payments_of_one_order_fulfil_it_once_and_flag_nineteen(client, order):
    for n in range(20):
        paid(client, order, event_id=f"evt_{n}", session_id=f"cs_{n}")
    assert SeatBundle.objects.filter(organization=order.organization).count() == 1
    assert ExtraPayment.objects.filter(order=order).count() == 19
    assert PaymentEvent.objects.filter(order=order, outcome="processed").count() == 1


def test_the_same_payment_notified_again_under_a_new_event_id_is_not_flagged(client, order):
    paid(client, order, event_id="evt_1", session_id="cs_first")
    paid(client, order, event_id="evt_again", session_id="cs_first")
    assert not ExtraPayment.objects.exists()
    assert PaymentEvent.objects.get(event_id="evt_again").outcome == "ignored"


def test_the_same_webhook_delivered_twice_records_one_extra_payment(client, order):
    paid(client, order, event_id="evt_1", session_id="cs_first")
    paid(client, order, event_id="evt_2", session_id="cs_second")
    replay = paid(client, order, event_id="evt_2", session_id="cs_second")
    assert replay.json()["duplicate"] is True
    assert ExtraPayment.objects.count() == 1


def test_a_payment_of_a_declined_order_is_flagged_for_refund(client, order):
    expired = session_event(order, event_id="evt_exp", type_="checkout.session.expired", paid=False)
    payload, header = signed(expired)
    client.post(WEBHOOK, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    paid(client, order, event_id="evt_late", session_id="cs_late")
    order.refresh_from_db()
    assert order.status == OrderStatus.DECLINED
    assert ExtraPayment.objects.get(order=order).reference == "cs_late"


def test_a_second_payment_records_the_amount_the_provider_took(order):
    payment_receive(order=order, provider="stripe", reference="cs_first")
    received = payment_receive(order=order, provider="stripe", reference="cs_other", amount=Decimal("12.34"))
    assert not received.fulfilled
    assert received.extra is not None and received.extra.amount == Decimal("12.34")


def test_a_platform_admin_sees_the_payments_to_refund_in_the_wagtail_admin(client, order):
    paid(client, order, event_id="evt_1", session_id="cs_first")
    paid(client, order, event_id="evt_2", session_id="cs_second")
    _instructors, admins = role_groups_ensure()
    finance = make_user()
    finance.groups.add(admins)
    client.force_login(finance)
    listing = client.get(reverse("commerce_extra_payments:index")).content.decode()
    assert "cs_second" in listing and order.number in listing
    inspect = client.get(reverse("commerce_orders:inspect", args=[order.pk])).content.decode()
    assert "cs_second" in inspect and f"{order.total}" in inspect


def test_an_organization_admin_does_not_see_the_payments_to_refund(client, order):
    paid(client, order, event_id="evt_1", session_id="cs_first")
    paid(client, order, event_id="evt_2", session_id="cs_second")
    client.force_login(org_admin(order.organization))
    response = client.get(reverse("commerce_extra_payments:index"))
    assert response.status_code in (302, 403)
    assert "cs_second" not in response.content.decode()
