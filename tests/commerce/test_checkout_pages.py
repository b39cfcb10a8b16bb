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


def test_the_course_list_is_django_s_select_built_in_python(client):
    """`QuickSelect` writes what Django's select templates write, for the field as the bundle checkout shows it:
    bound, with a value chosen, with an error's attributes, and with option groups and an escaped label."""
    from django import forms

    from commerce.forms import BundleForm, QuickSelect

    make_course(title='Cloud & "ops" <basics>', price="100.00", lessons_per_module=1)
    chosen = make_course(title="Linux", price="49.50", lessons_per_module=1)
    make_course(title="Free", price="0.00", lessons_per_module=1)  # not for sale: not listed
    form = BundleForm({"course": chosen.pk}, organizations=[make_org()], providers=["test"])
    field = form["course"]
    attrs = {"aria-describedby": "id_course_error", "aria-invalid": True, "required": True, "disabled": False}
    quick = field.as_widget(attrs=attrs)
    django = forms.Select(choices=field.field.choices).render(
        field.html_name, field.value(), attrs={**attrs, "id": "id_course"}
    )
    assert quick == django
    assert "selected>Linux ($49.50)</option>" in quick and "Cloud &amp; &quot;ops&quot; &lt;basics&gt;" in quick
    assert "Free" not in quick
    grouped = [("Paid", [(1, "One"), (2, "Two <b>")]), (3, "Three")]
    assert QuickSelect(choices=grouped).render("c", "2") == forms.Select(choices=grouped).render("c", "2")


def test_the_bundle_checkout_lists_every_course_for_sale_in_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    for n in range(30):
        make_course(title=f"Course {n}", price="10.00", lessons_per_module=1)
    org = make_org()
    client.force_login(org_admin(org))
    query = {"organization": org.slug, "seats": 5, "province": "ON", "provider": "test"}
    first = client.get(reverse("commerce:bundle_checkout"), {**query, "course": make_course(price="10.00").pk})
    assert first.status_code == 200
    with django_assert_max_num_queries(12):
        html = client.get(
            reverse("commerce:bundle_checkout"), {**query, "course": first.context["form"]["course"].value()}
        ).content.decode()
    assert html.count("<option") >= 31 + 1
