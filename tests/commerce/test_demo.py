"""The Northwind demo: bought through the test provider at a tier, staff at every stage, idempotent."""

from decimal import Decimal

import pytest

from commerce.demo import northwind_seed
from commerce.models import Order
from content.demo import seed_content
from lms.demo import users_seed
from organizations.models import Membership, SeatBundle
from organizations.selectors import StaffFilters, private_courses_of, seats_by_course, staff_rows

pytestmark = pytest.mark.django_db


def test_the_northwind_demo_is_complete_and_idempotent(client):
    seed_content(instructors=users_seed())
    first = northwind_seed()
    second = northwind_seed()
    assert first.order.pk == second.order.pk and Order.objects.count() == 1
    order = first.order
    assert order.status == "fulfilled" and order.provider == "test"
    assert {line.tier_percent for line in order.lines.all()} == {Decimal("15")}
    bundles = SeatBundle.objects.filter(organization__slug="northwind")
    assert sorted(b.seats_bought for b in bundles) == [25, 25, 25]
    org = bundles.first().organization
    statuses = {row.status for row in staff_rows(organization=org, filters=StaffFilters())}
    assert statuses == {"not_started", "in_progress", "completed"}
    assert sum(course.completed for course in seats_by_course(organization=org)) >= 1
    assert Membership.objects.get(organization=org, user__email="orgadmin@northwind.test").role == "admin"
    assert client.login(email="orgadmin@northwind.test", password="stackable-demo")
    assert client.get("/org/northwind/").status_code == 200
    assert Membership.objects.get(organization=org, user__email="trainer@northwind.test").role == "instructor"
    [onboarding] = private_courses_of(organization=org)
    assert onboarding.live and onboarding.title == "Northwind onboarding"
    assert "Northwind onboarding" in client.get("/courses/").content.decode()  # the admin is a member
    client.logout()
    assert "Northwind onboarding" not in client.get("/courses/").content.decode()
