"""The commerce pages inside the Wagtail admin follow Wagtail's accessibility conventions (issue #17)."""

import pytest
from django.urls import reverse

from commerce.models import OrderLine
from commerce.services import order_create, payment_confirm
from lms.roles import role_groups_ensure
from tests.admin_a11y import assert_admin_page_accessible
from tests.factories import make_course, make_user
from tests.org_factories import make_org, org_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_admin():
    _instructors, admins = role_groups_ensure()
    user = make_user()
    user.groups.add(admins)
    return user


@pytest.fixture
def order():
    course = make_course(title="Cloud Basics", price="200.00", lessons_per_module=1)
    org = make_org()
    order = order_create(buyer=org_admin(org), organization=org, items=[(course, 10)], provider="test")
    return payment_confirm(order=order, provider="test")


def test_the_invoices_page(client, platform_admin, order):
    client.force_login(platform_admin)
    soup = assert_admin_page_accessible(client.get(reverse("commerce_invoices")).content)
    assert soup.select_one("main table caption.w-sr-only").get_text(strip=True) == "Invoices"


def test_the_order_inspect_page(client, platform_admin, order):
    client.force_login(platform_admin)
    soup = assert_admin_page_accessible(client.get(reverse("commerce_orders:inspect", args=[order.pk])).content)
    assert len(soup.select("main table[aria-labelledby]")) == 4


def test_a_refused_seat_refund_ties_each_error_to_its_field(client, platform_admin, order):
    line = OrderLine.objects.get(order=order)
    client.force_login(platform_admin)
    url = reverse("commerce_orders:refund_seats", args=[order.pk, line.pk])
    assert_admin_page_accessible(client.get(url).content)

    response = client.post(url, {"seats": "0", "reason": ""})

    assert response.status_code == 400
    soup = assert_admin_page_accessible(response.content, invalid={"seats": "1", "reason": "required"})
    reason = soup.find("input", attrs={"name": "reason"})
    assert reason["aria-describedby"] == "id_reason-helptext id_reason-errors"
