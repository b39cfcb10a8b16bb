"""Two threads confirm the same order at once (a replayed webhook and the return page): one fulfilment.

PostgreSQL, real threads and connections: `payment_confirm` locks the order row, so the second confirmation
waits for the first to commit and then finds the order fulfilled.
"""

import pytest

from commerce.models import Order, OrderLine, OrderStatus, PaymentEvent
from commerce.services import order_create, payment_confirm
from commerce.stripe_webhooks import stripe_event_handle
from organizations.models import SeatBundle
from progress.models import Enrolment
from tests.commerce.helpers import session_event
from tests.concurrency import race
from tests.factories import make_course, make_user
from tests.org_factories import make_org, org_admin

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _webhook_and_return_page(order: Order, event_id: str) -> list[str]:
    return race(
        lambda: stripe_event_handle(event=session_event(order, event_id=event_id)),
        lambda: payment_confirm(order=order, provider="stripe", reference="cs_test_123"),
    )


def test_a_webhook_racing_the_return_page_enrols_the_learner_once():
    course = make_course(price="80.00", lessons_per_module=1)
    buyer = make_user()
    order = order_create(buyer=buyer, items=[(course, 1)], provider="stripe", province="ON")

    assert _webhook_and_return_page(order, "evt_race_learner") == ["ok", "ok"]

    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert Enrolment.objects.filter(user=buyer, course=course).count() == 1


def test_a_webhook_racing_the_return_page_makes_one_seat_bundle():
    course = make_course(price="80.00", lessons_per_module=1)
    org = make_org()
    order = order_create(buyer=org_admin(org), organization=org, items=[(course, 12)], provider="stripe")

    assert _webhook_and_return_page(order, "evt_race_org") == ["ok", "ok"]

    assert SeatBundle.objects.filter(organization=org).count() == 1
    line = OrderLine.objects.get(order=order)
    assert line.seat_bundle is not None and line.seat_bundle.seats_bought == 12
    assert Order.objects.get(pk=order.pk).fulfilled_at is not None


def test_the_same_webhook_delivered_twice_at_once_is_processed_once():
    course = make_course(price="80.00", lessons_per_module=1)
    org = make_org()
    order = order_create(buyer=org_admin(org), organization=org, items=[(course, 5)], provider="stripe")
    event = session_event(order, event_id="evt_twice")

    assert race(lambda: stripe_event_handle(event=event), lambda: stripe_event_handle(event=event)) == ["ok", "ok"]

    assert PaymentEvent.objects.filter(event_id="evt_twice").count() == 1
    assert SeatBundle.objects.filter(organization=org).count() == 1
