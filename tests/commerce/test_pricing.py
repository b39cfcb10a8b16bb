"""Prices: tier boundaries, per-course tiers, coupons, tax by province, and half-up rounding to the cent."""

from decimal import Decimal

import pytest

from commerce.models import Coupon, DiscountTier, TaxRate
from commerce.pricing import FALLBACK_TAX, CouponRefused, cents, quote, tax_for, tiers_for
from tests.factories import make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiers():
    for seats, percent in ((5, "10"), (20, "15"), (100, "25")):
        DiscountTier.objects.create(min_seats=seats, percent=Decimal(percent))


@pytest.fixture
def course():
    return make_course(price="100.00", lessons_per_module=1)


@pytest.mark.parametrize(
    ("seats", "percent"),
    [(1, "0"), (4, "0"), (5, "10"), (19, "10"), (20, "15"), (99, "15"), (100, "25"), (500, "25")],
)
def test_the_tier_starts_exactly_at_its_minimum(tiers, course, seats, percent):
    line = quote(items=[(course, seats)], province="ON").lines[0]
    assert line.tier_percent == Decimal(percent)
    assert line.tier_discount == cents(Decimal(100 * seats) * Decimal(percent) / 100)


def test_a_course_tier_wins_over_a_smaller_general_tier(tiers, course):
    DiscountTier.objects.create(min_seats=5, percent=Decimal("12"), course=course)
    other = make_course(price="100.00", lessons_per_module=1)
    priced = quote(items=[(course, 5), (other, 5)], province="ON")
    assert [line.tier_percent for line in priced.lines] == [Decimal("12"), Decimal("10")]


def test_ontario_hst_is_the_default_tax(course, settings):
    settings.SALES_TAX_DEFAULT_PROVINCE = "ON"
    priced = quote(items=[(course, 1)])
    assert (priced.tax_name, priced.tax_percent, priced.tax, priced.total) == (
        "HST",
        Decimal("13"),
        Decimal("13.00"),
        Decimal("113.00"),
    )


def test_quebec_tax_rounds_half_up_to_the_cent():
    course = make_course(price="19.99", lessons_per_module=1)
    priced = quote(items=[(course, 1)], province="QC")
    # 19.99 × 14.975 % = 2.99350… → 2.99
    assert priced.tax == Decimal("2.99")
    assert priced.total == Decimal("22.98")


def test_half_a_cent_rounds_up():
    TaxRate.objects.update_or_create(province="AB", defaults={"name": "GST", "percent": Decimal("5")})
    course = make_course(price="0.10", lessons_per_module=1)
    # 0.10 × 5 % = 0.005 → 0.01 (ROUND_HALF_UP; banker's rounding would give 0.00)
    assert quote(items=[(course, 1)], province="AB").tax == Decimal("0.01")


def test_a_discount_of_half_a_cent_rounds_up(course):
    DiscountTier.objects.create(min_seats=2, percent=Decimal("12.5"))
    cheap = make_course(price="0.05", lessons_per_module=1)
    # 0.05 × 3 = 0.15; 12.5 % of it = 0.01875 → 0.02
    assert quote(items=[(cheap, 3)], province="ON").lines[0].tier_discount == Decimal("0.02")


def test_amounts_are_decimal_never_float(tiers, course):
    priced = quote(items=[(course, 7)], province="NS")
    for amount in (priced.subtotal, priced.discount, priced.tax, priced.total):
        assert isinstance(amount, Decimal)
        assert amount == amount.quantize(Decimal("0.01"))


def test_a_percentage_coupon_applies_after_the_tier(tiers, course):
    coupon = Coupon.objects.create(code="save10", kind="percent", value=Decimal("10"))
    line = quote(items=[(course, 5)], province="ON", coupon=coupon).lines[0]
    assert (line.tier_discount, line.coupon_discount, line.total) == (
        Decimal("50.00"),
        Decimal("45.00"),
        Decimal("405.00"),
    )


def test_an_amount_coupon_never_goes_below_zero(course):
    coupon = Coupon.objects.create(code="BIG", kind="amount", value=Decimal("500"))
    assert quote(items=[(course, 1)], province="ON", coupon=coupon).total == Decimal("0.00")


def test_a_coupon_for_other_courses_is_refused(course):
    coupon = Coupon.objects.create(code="OTHER", kind="percent", value=Decimal("10"))
    coupon.courses.add(make_course(price="10.00", lessons_per_module=1))
    with pytest.raises(CouponRefused):
        quote(items=[(course, 1)], coupon=coupon)


def test_an_expired_coupon_is_refused(course):
    from django.utils import timezone

    coupon = Coupon.objects.create(code="OLD", kind="percent", value=Decimal("10"), expires_at=timezone.now())
    with pytest.raises(CouponRefused):
        quote(items=[(course, 1)], coupon=coupon)


def test_a_domain_coupon_is_for_that_domain_only(course):
    coupon = Coupon.objects.create(code="NW", kind="percent", value=Decimal("10"), email_domain="@Northwind.test")
    assert quote(items=[(course, 1)], coupon=coupon, email="a@northwind.test").lines[0].coupon_discount
    with pytest.raises(CouponRefused):
        quote(items=[(course, 1)], coupon=coupon, email="a@elsewhere.test")


def test_one_course_takes_its_own_tiers_and_every_course_s_active_ones(course):
    """`tiers_for` of one course (every checkout) runs a statement composed once; several courses take the ORM's."""
    other = make_course(price="100.00", lessons_per_module=1)
    general = DiscountTier.objects.create(min_seats=5, percent=Decimal("10"))
    own = DiscountTier.objects.create(min_seats=5, percent=Decimal("12"), course=course)
    theirs = DiscountTier.objects.create(min_seats=5, percent=Decimal("20"), course=other)
    DiscountTier.objects.create(min_seats=50, percent=Decimal("30"), active=False)
    DiscountTier.objects.create(min_seats=50, percent=Decimal("30"), course=course, active=False)
    assert tiers_for([course]) == [general, own]
    assert tiers_for([other]) == [general, theirs]
    assert tiers_for([course, other]) == [general, own, theirs]
    own.active = False
    own.save()
    assert tiers_for([course]) == [general]  # read afresh each time: nothing of the rows is kept


def test_a_province_without_a_stored_rate_is_taxed_at_the_fallback_and_a_changed_rate_is_read_afresh():
    TaxRate.objects.filter(province="NS").delete()
    assert tax_for("NS") == FALLBACK_TAX
    TaxRate.objects.create(province="NS", name="HST", percent=Decimal("14"))
    assert tax_for("NS") == ("HST", Decimal("14"))
