"""Checkout pages: the Buy box on paid courses, and the bundle checkout showing lines, tier, tax and total."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.models import DiscountTier, Order
from progress.models import Enrolment
from tests.factories import make_course, make_user
from tests.org_factories import make_org, org_admin

pytestmark = pytest.mark.django_db


def test_a_paid_course_shows_a_buy_button(client):
    course = make_course(price="149.00", lessons_per_module=1)
    client.force_login(make_user())
    html = client.get(course.url).content.decode()
    assert reverse("commerce:course_checkout", args=[course.pk]) in html
    assert "Buy for $149.00" in html


def test_a_free_course_has_no_buy_button(client):
    course = make_course(price="0.00", lessons_per_module=1)
    assert "/checkout/course/" not in client.get(course.url).content.decode()


def test_the_bundle_checkout_shows_lines_tier_tax_and_total(client):
    DiscountTier.objects.create(min_seats=20, percent=Decimal("15"))
    course = make_course(price="100.00", lessons_per_module=1)
    org = make_org()
    client.force_login(org_admin(org))
    html = client.get(
        reverse("commerce:bundle_checkout"),
        {"organization": org.slug, "course": course.pk, "seats": 25, "province": "ON", "provider": "test"},
    ).content.decode()
    for text in ("$100.00", "15% (−$375.00)", "$2,125.00", "HST 13% (ON)", "$276.25", "$2,401.25"):
        assert text in html


def test_placing_a_bundle_order_goes_to_the_test_provider(client):
    course = make_course(price="100.00", lessons_per_module=1)
    org = make_org()
    admin = org_admin(org)
    client.force_login(admin)
    response = client.post(
        reverse("commerce:bundle_checkout"),
        {
            "organization": org.slug,
            "course": course.pk,
            "seats": 5,
            "province": "ON",
            "provider": "test",
            "action": "place",
        },
    )
    order = Order.objects.get(buyer=admin)
    assert order.organization == org
    assert response.url == reverse("commerce:test_pay", args=[order.number])


def test_a_bad_coupon_is_shown_next_to_its_field(client):
    course = make_course(price="100.00", lessons_per_module=1)
    client.force_login(make_user())
    html = client.post(
        reverse("commerce:course_checkout", args=[course.pk]),
        {"province": "ON", "coupon": "NOPE", "provider": "test", "action": "place"},
    ).content.decode()
    assert "There is no coupon NOPE." in html
    assert not Order.objects.exists()


def test_the_bundle_checkout_warns_of_the_course_prerequisites(client):
    prerequisite = make_course(title="Linux basics", lessons_per_module=1)
    course = make_course(title="Cloud operations", price="100.00", lessons_per_module=1)
    course.prerequisites.set([prerequisite])
    course.save_revision().publish()
    org = make_org()
    client.force_login(org_admin(org))
    html = client.get(
        reverse("commerce:bundle_checkout"),
        {"organization": org.slug, "course": course.pk, "seats": 5, "province": "ON", "provider": "test"},
    ).content.decode()
    assert "Cloud operations has a prerequisite: Linux basics." in html


def test_the_bundle_checkout_of_a_course_without_prerequisites_warns_of_none(client):
    course = make_course(price="100.00", lessons_per_module=1)
    org = make_org()
    client.force_login(org_admin(org))
    html = client.get(
        reverse("commerce:bundle_checkout"),
        {"organization": org.slug, "course": course.pk, "seats": 5, "province": "ON", "provider": "test"},
    ).content.decode()
    assert "prerequisite" not in html


def test_a_learner_checkout_page_prices_the_course_in_five_queries(client, django_assert_num_queries):
    """The learner's checkout page reads the course, the learner's enrolment, the tiers and the tax rate, each by a
    statement composed once per process (issue 19: the checkout quote <= 2x the 12-row render)."""
    DiscountTier.objects.create(min_seats=5, percent=Decimal("10"))  # a bundle's: not for one seat
    course = make_course(price="100.00", lessons_per_module=1)
    client.force_login(make_user())
    url = reverse("commerce:course_checkout", args=[course.pk])
    client.get(url)  # the form's markup is kept after the first page
    with django_assert_num_queries(5):  # the user, the course, the enrolment, the tiers, the tax rate
        html = client.get(url).content.decode()
    for text in ("$100.00", "HST 13% (ON)", "$13.00", "$113.00"):
        assert text in html
    assert "10% (" not in html


def test_an_enrolled_learner_is_sent_back_to_the_course(client):
    course = make_course(price="100.00", lessons_per_module=1)
    learner = make_user()
    Enrolment.objects.create(user=learner, course=course, status="active")
    client.force_login(learner)
    response = client.get(reverse("commerce:course_checkout", args=[course.pk]))
    assert response.status_code == 302
    assert response.url == course.url


def test_a_learner_who_left_the_course_may_buy_it_again(client):
    course = make_course(price="100.00", lessons_per_module=1)
    learner = make_user()
    Enrolment.objects.create(user=learner, course=course, status="unenrolled")
    Enrolment.objects.create(user=make_user(), course=course, status="active")  # someone else's seat
    client.force_login(learner)
    assert client.get(reverse("commerce:course_checkout", args=[course.pk])).status_code == 200


def test_a_course_that_is_not_live_or_not_there_has_no_checkout(client):
    course = make_course(price="100.00", lessons_per_module=1)
    course.unpublish()
    client.force_login(make_user())
    assert client.get(reverse("commerce:course_checkout", args=[course.pk])).status_code == 404
    assert client.get(reverse("commerce:course_checkout", args=[course.pk + 1000])).status_code == 404
