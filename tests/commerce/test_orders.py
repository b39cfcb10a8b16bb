"""Orders: placing, coupons under a race, fulfilment exactly once, declines, refunds."""

from decimal import Decimal
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied

from commerce.models import Coupon, DiscountTier, Order, OrderLine, OrderStatus, Refund
from commerce.pricing import CouponRefused
from commerce.services import (
    OrderError,
    order_create,
    order_decline,
    order_refund,
    payment_confirm,
    refund_seats,
)
from organizations.models import SeatBundle
from organizations.services import seat_assign
from progress.models import Enrolment
from tests.concurrency import race
from tests.factories import make_course, make_user
from tests.org_factories import make_member, make_org, org_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    return make_course(price="200.00", lessons_per_module=1)


def test_an_individual_order_enrols_the_buyer_once_paid(course):
    buyer = make_user()
    order = order_create(buyer=buyer, items=[(course, 1)], provider="test", province="ON")
    assert order.total == Decimal("226.00")
    assert not Enrolment.objects.filter(user=buyer).exists()
    payment_confirm(order=order, provider="test")
    assert Enrolment.objects.get(user=buyer, course=course).source == "purchase"


def test_confirming_twice_fulfils_once(course):
    org = make_org()
    order = order_create(buyer=org_admin(org), organization=org, items=[(course, 10)], provider="test")
    payment_confirm(order=order, provider="test")
    payment_confirm(order=order, provider="test")
    assert SeatBundle.objects.filter(organization=org).count() == 1
    assert OrderLine.objects.get(order=order).seat_bundle.seats_bought == 10


def test_an_organization_order_at_a_tier_makes_a_seat_bundle(course):
    DiscountTier.objects.create(min_seats=20, percent=Decimal("15"))
    org = make_org()
    order = order_create(buyer=org_admin(org), organization=org, items=[(course, 25)], provider="test")
    assert (order.subtotal, order.discount, order.tax, order.total) == (
        Decimal("5000.00"),
        Decimal("750.00"),
        Decimal("552.50"),
        Decimal("4802.50"),
    )
    payment_confirm(order=order, provider="test")
    assert SeatBundle.objects.get(organization=org).seats_bought == 25


def test_only_an_organization_admin_buys_its_seats(course):
    org = make_org()
    with pytest.raises(PermissionDenied):
        order_create(buyer=make_member(org), organization=org, items=[(course, 5)], provider="test")


def test_a_free_course_is_not_sold():
    free = make_course(price="0.00", lessons_per_module=1)
    with pytest.raises(OrderError):
        order_create(buyer=make_user(), items=[(free, 1)], provider="test")


def test_a_declined_order_is_never_fulfilled_and_gives_its_coupon_use_back(course):
    coupon = Coupon.objects.create(code="ONCE", kind="percent", value=Decimal("10"), max_uses=1)
    order = order_create(buyer=make_user(), items=[(course, 1)], provider="test", coupon_code="once")
    assert Coupon.objects.get(pk=coupon.pk).uses == 1
    order_decline(order=order, reason="card declined")
    assert Coupon.objects.get(pk=coupon.pk).uses == 0
    with pytest.raises(OrderError):
        payment_confirm(order=order, provider="test")
    assert not Enrolment.objects.filter(course=course).exists()


def test_a_used_up_coupon_is_refused(course):
    Coupon.objects.create(code="ONCE", kind="percent", value=Decimal("10"), max_uses=1)
    order_create(buyer=make_user(), items=[(course, 1)], provider="test", coupon_code="ONCE")
    with pytest.raises(CouponRefused):
        order_create(buyer=make_user(), items=[(course, 1)], provider="test", coupon_code="ONCE")


def test_the_database_refuses_a_coupon_use_too_many():
    from django.db import IntegrityError

    coupon = Coupon.objects.create(code="DB", kind="percent", value=Decimal("10"), max_uses=1)
    Coupon.objects.filter(pk=coupon.pk).update(uses=1)
    with pytest.raises(IntegrityError):
        Coupon.objects.filter(pk=coupon.pk).update(uses=2)


def test_a_full_refund_of_a_learner_order_ends_the_enrolment(course):
    buyer = make_user()
    order = payment_confirm(order=order_create(buyer=buyer, items=[(course, 1)], provider="test"), provider="test")
    refund = order_refund(order=order, actor=None, reason="changed mind")
    order.refresh_from_db()
    assert (order.status, order.refunded, refund.amount, refund.tax) == (
        OrderStatus.REFUNDED,
        order.total,
        Decimal("226.00"),
        Decimal("26.00"),
    )
    assert Enrolment.objects.get(user=buyer, course=course).status == "unenrolled"


def test_unused_seats_are_refunded_at_their_share_and_leave_the_bundle(course):
    DiscountTier.objects.create(min_seats=5, percent=Decimal("10"))
    org = make_org()
    order = order_create(buyer=org_admin(org), organization=org, items=[(course, 10)], provider="test")
    payment_confirm(order=order, provider="test")
    line = OrderLine.objects.get(order=order)
    seat_assign(bundle=line.seat_bundle, user=make_member(org), actor=None)
    refund = refund_seats(line=line, seats=3, actor=None)
    # line total 1800.00 (10 × 200 − 10 %); three seats are 540.00, plus 13 % HST 70.20
    assert (refund.amount, refund.tax) == (Decimal("610.20"), Decimal("70.20"))
    bundle = SeatBundle.objects.get(pk=line.seat_bundle_id)
    assert (bundle.seats_bought, bundle.seats_used) == (7, 1)


def test_a_used_seat_cannot_be_refunded(course):
    org = make_org()
    order = payment_confirm(
        order=order_create(buyer=org_admin(org), organization=org, items=[(course, 1)], provider="test"),
        provider="test",
    )
    line = OrderLine.objects.get(order=order)
    seat_assign(bundle=line.seat_bundle, user=make_member(org), actor=None)
    with pytest.raises(OrderError):
        refund_seats(line=line, seats=1, actor=None)
    with pytest.raises(OrderError):
        order_refund(order=order, actor=None)
    assert not Refund.objects.exists()


def test_refunding_every_seat_refunds_the_exact_total(course):
    org = make_org()
    order = order_create(buyer=org_admin(org), organization=org, items=[(course, 3)], provider="test")
    payment_confirm(order=order, provider="test")
    line = OrderLine.objects.get(order=order)
    refund_seats(line=line, seats=1, actor=None)
    refund_seats(line=line, seats=2, actor=None)
    order.refresh_from_db()
    assert order.refunded == order.total
    assert order.status == OrderStatus.REFUNDED


def test_only_a_platform_admin_refunds(course):
    order = payment_confirm(
        order=order_create(buyer=make_user(), items=[(course, 1)], provider="test"), provider="test"
    )
    with pytest.raises(PermissionDenied):
        order_refund(order=order, actor=order.buyer)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_checkouts_never_use_a_coupon_more_than_allowed():
    course = make_course(price="50.00", lessons_per_module=1)
    coupon = Coupon.objects.create(code="LAST2", kind="percent", value=Decimal("50"), max_uses=2)
    buyers = [make_user() for _ in range(8)]
    checkouts = [
        partial(order_create, buyer=buyer, items=[(course, 1)], provider="test", coupon_code="LAST2")
        for buyer in buyers
    ]

    results = race(*checkouts, named={CouponRefused: "refused"})

    assert sorted(results) == ["ok"] * 2 + ["refused"] * 6
    assert Coupon.objects.get(pk=coupon.pk).uses == 2
    assert Order.objects.filter(coupon=coupon).count() == 2
