"""The orders admin: platform admins list, search, filter and inspect orders, and refund them behind a confirmation."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.models import Order, OrderLine, OrderStatus, Refund
from commerce.services import invoice_issue, order_create, payment_confirm
from lms.roles import role_groups_ensure
from organizations.models import SeatBundle
from organizations.services import seat_assign
from progress.models import Enrolment
from tests.factories import make_course, make_user
from tests.org_factories import make_member, make_org, org_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    return make_course(title="Cloud Basics", price="200.00", lessons_per_module=1)


@pytest.fixture
def platform_admin():
    _instructors, admins = role_groups_ensure()
    user = make_user(email="finance@stackable.test")
    user.groups.add(admins)
    return user


def paid_org_order(course, seats=10):
    org = make_org()
    order = order_create(buyer=org_admin(org), organization=org, items=[(course, seats)], provider="test")
    return payment_confirm(order=order, provider="test")


def paid_learner_order(course, buyer=None):
    order = order_create(buyer=buyer or make_user(), items=[(course, 1)], provider="test", province="ON")
    return payment_confirm(order=order, provider="test")


# --- listing and permissions -------------------------------------------------------------------------


def test_a_platform_admin_sees_the_order_listing(client, course, platform_admin):
    order = paid_org_order(course)
    client.force_login(platform_admin)
    response = client.get(reverse("commerce_orders:index"))
    assert response.status_code == 200
    assert order.number in response.content.decode()


@pytest.mark.parametrize("who", ["instructor", "org_admin", "staff_without_group"])
def test_nobody_else_sees_the_orders_admin(client, course, who):
    order = paid_org_order(course)
    role_groups_ensure()
    user = {
        "instructor": lambda: make_user(instructor=True),
        "org_admin": lambda: org_admin(order.organization),
        "staff_without_group": lambda: make_user(is_staff=True),
    }[who]()
    client.force_login(user)
    for url in (
        reverse("commerce_orders:index"),
        reverse("commerce_orders:inspect", args=[order.pk]),
        reverse("commerce_orders:refund", args=[order.pk]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert order.number not in response.content.decode()


def test_a_visitor_is_sent_to_the_admin_login(client, course):
    response = client.get(reverse("commerce_orders:index"))
    assert response.status_code == 302
    assert "login" in response.url


def test_orders_are_never_edited_or_deleted_in_the_admin(client, course, platform_admin):
    order = paid_org_order(course)
    client.force_login(platform_admin)
    for url in (reverse("commerce_orders:edit", args=[order.pk]), reverse("commerce_orders:delete", args=[order.pk])):
        assert client.post(url, {"provider_reference": "edited by hand"}).status_code in (302, 403)
    assert Order.objects.get(pk=order.pk).provider_reference == order.provider_reference


def test_the_listing_filters_by_status_and_provider(client, course, platform_admin):
    paid = paid_org_order(course)
    pending = order_create(buyer=make_user(), items=[(course, 1)], provider="test")
    client.force_login(platform_admin)
    page = client.get(reverse("commerce_orders:index"), {"status": "pending"}).content.decode()
    assert pending.number in page and paid.number not in page
    page = client.get(reverse("commerce_orders:index"), {"provider": "invoice"}).content.decode()
    assert pending.number not in page and paid.number not in page


def test_the_listing_filters_by_organization(client, course, platform_admin):
    first, second = paid_org_order(course), paid_org_order(course)
    client.force_login(platform_admin)
    page = client.get(reverse("commerce_orders:index"), {"organization": first.organization_id}).content.decode()
    assert first.number in page and second.number not in page


def test_the_listing_searches_by_number_and_buyer_email(client, course, platform_admin):
    mine = paid_learner_order(course, buyer=make_user(email="ada@lovelace.test"))
    other = paid_learner_order(course)
    client.force_login(platform_admin)
    page = client.get(reverse("commerce_orders:index"), {"q": "lovelace"}).content.decode()
    assert mine.number in page and other.number not in page
    page = client.get(reverse("commerce_orders:index"), {"q": other.number}).content.decode()
    assert other.number in page and mine.number not in page


def test_the_order_page_shows_lines_tax_payments_and_refunds(client, course, platform_admin):
    order = paid_org_order(course)
    Refund.objects.create(order=order, amount=Decimal("1.00"), tax=Decimal("0.12"), reason="goodwill gesture")
    client.force_login(platform_admin)
    page = client.get(reverse("commerce_orders:inspect", args=[order.pk])).content.decode()
    for text in (
        "Cloud Basics",
        "HST",
        f"${order.tax:,.2f}",
        f"${order.total:,.2f}",
        "goodwill gesture",
        "Refund unused seats",
    ):
        assert text in page


def test_an_unpaid_invoice_order_offers_mark_paid(client, course, platform_admin):
    org = make_org()
    order = order_create(buyer=org_admin(org), organization=org, items=[(course, 4)], provider="invoice")
    invoice = invoice_issue(order=order)
    client.force_login(platform_admin)
    page = client.get(reverse("commerce_orders:inspect", args=[order.pk])).content.decode()
    assert "Mark invoice paid" in page and invoice.number in page


# --- refunds through the admin -----------------------------------------------------------------------


def test_the_refund_page_asks_for_confirmation_and_a_reason(client, course, platform_admin):
    order = paid_learner_order(course)
    client.force_login(platform_admin)
    response = client.get(reverse("commerce_orders:refund", args=[order.pk]))
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.FULFILLED


def test_a_full_refund_through_the_admin_refunds_the_total_and_ends_the_enrolment(client, course, platform_admin):
    order = paid_learner_order(course)
    client.force_login(platform_admin)
    response = client.post(reverse("commerce_orders:refund", args=[order.pk]), {"reason": "asked within 14 days"})
    assert response.status_code == 302
    assert response.url == reverse("commerce_orders:inspect", args=[order.pk])
    order.refresh_from_db()
    assert (order.status, order.refunded) == (OrderStatus.REFUNDED, order.total)
    refund = Refund.objects.get(order=order)
    assert (refund.reason, refund.created_by) == ("asked within 14 days", platform_admin)
    assert Enrolment.objects.get(user=order.buyer, course=course).status != "active"


def test_unused_seats_are_refunded_through_the_admin(client, course, platform_admin):
    order = paid_org_order(course, seats=10)
    line = OrderLine.objects.get(order=order)
    seat_assign(bundle=line.seat_bundle, user=make_member(order.organization))
    client.force_login(platform_admin)
    url = reverse("commerce_orders:refund_seats", args=[order.pk, line.pk])
    assert 'max="9"' in client.get(url).content.decode()
    response = client.post(url, {"seats": "4", "reason": "team shrank"})
    assert response.status_code == 302
    assert SeatBundle.objects.get(pk=line.seat_bundle_id).seats_bought == 6
    refund = Refund.objects.get(order=order)
    assert (refund.seats, refund.amount) == (4, Decimal("904.00"))  # 4 × 200 $ + 13 % HST
    assert Order.objects.get(pk=order.pk).status == OrderStatus.FULFILLED


@pytest.mark.parametrize("seats", ["0", "10", "-1", "many"])
def test_a_bad_seat_count_is_refused_with_a_message(client, course, platform_admin, seats):
    order = paid_org_order(course, seats=10)
    line = OrderLine.objects.get(order=order)
    seat_assign(bundle=line.seat_bundle, user=make_member(order.organization))
    client.force_login(platform_admin)
    response = client.post(
        reverse("commerce_orders:refund_seats", args=[order.pk, line.pk]), {"seats": seats, "reason": "x"}
    )
    assert response.status_code == 400
    assert 'class="error-message"' in response.content.decode()
    assert not Refund.objects.filter(order=order).exists()


def test_a_refund_without_a_reason_is_refused(client, course, platform_admin):
    order = paid_learner_order(course)
    client.force_login(platform_admin)
    response = client.post(reverse("commerce_orders:refund", args=[order.pk]), {"reason": ""})
    assert response.status_code == 400
    assert Order.objects.get(pk=order.pk).status == OrderStatus.FULFILLED


def test_refunding_a_refunded_order_says_nothing_is_left(client, course, platform_admin):
    order = paid_learner_order(course)
    client.force_login(platform_admin)
    client.post(reverse("commerce_orders:refund", args=[order.pk]), {"reason": "first"})
    response = client.post(reverse("commerce_orders:refund", args=[order.pk]), {"reason": "again"})
    assert response.status_code == 400
    assert "Nothing is left to refund on this order." in response.content.decode()
    assert Refund.objects.filter(order=order).count() == 1


def test_a_full_refund_of_an_order_whose_seats_are_in_use_is_refused(client, course, platform_admin):
    order = paid_org_order(course, seats=3)
    line = OrderLine.objects.get(order=order)
    seat_assign(bundle=line.seat_bundle, user=make_member(order.organization))
    client.force_login(platform_admin)
    response = client.post(reverse("commerce_orders:refund", args=[order.pk]), {"reason": "x"})
    assert response.status_code == 400
    assert "refund the unused seats instead" in response.content.decode()


def test_a_line_of_another_order_is_not_found(client, course, platform_admin):
    order, other = paid_org_order(course), paid_org_order(course)
    other_line = OrderLine.objects.get(order=other)
    client.force_login(platform_admin)
    response = client.get(reverse("commerce_orders:refund_seats", args=[order.pk, other_line.pk]))
    assert response.status_code == 404


def test_an_organization_admin_cannot_post_a_refund(client, course):
    order = paid_org_order(course, seats=5)
    role_groups_ensure()
    client.force_login(org_admin(order.organization))
    response = client.post(reverse("commerce_orders:refund", args=[order.pk]), {"reason": "mine"})
    assert response.status_code in (302, 403)
    assert not Refund.objects.filter(order=order).exists()


def test_the_invoices_page_turns_an_instructor_away(client):
    role_groups_ensure()
    client.force_login(make_user(instructor=True))
    response = client.get(reverse("commerce_invoices"))
    assert response.status_code == 302  # Wagtail answers a refused admin page with its dashboard and a message
    assert response.url == reverse("wagtailadmin_home")
