"""Prices, volume tiers, coupons and tax: pure arithmetic on `Decimal`, never float.

Rounding: every computed amount (a line's volume discount, a line's share of a coupon, the tax) is rounded
to the cent with ROUND_HALF_UP (half a cent goes up: 0.005 → 0.01), once, where it is computed; sums of
rounded amounts are exact. Tax is computed once on the order's net total, not per line.

Which tier applies: of the active tiers whose `min_seats` the line reaches (for its course, or for every
course), the one with the largest percentage; with equal percentages, the course's own tier.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.models import Coupon, CouponKind, DiscountTier, TaxRate
from content.models import CoursePage
from lms.db import FixedQuery, fixed_query

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
# Ontario's HST, when no rate is stored for the province (the platform's home province).
FALLBACK_TAX = ("HST", Decimal("13"))


def cents(amount: Decimal) -> Decimal:
    """Round to the cent, half up."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    return cents(amount * percent / HUNDRED)


class CouponRefused(Exception):
    """The coupon does not apply; the message says why, for the buyer."""


@dataclass
class QuoteLine:
    course: CoursePage
    seats: int
    unit_price: Decimal
    tier: DiscountTier | None = None
    tier_percent: Decimal = Decimal("0")
    tier_discount: Decimal = Decimal("0.00")
    coupon_discount: Decimal = Decimal("0.00")

    @property
    def subtotal(self) -> Decimal:
        return self.unit_price * self.seats

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.tier_discount - self.coupon_discount


@dataclass
class Quote:
    lines: list[QuoteLine]
    province: str
    tax_name: str
    tax_percent: Decimal
    coupon: Coupon | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.subtotal for line in self.lines), Decimal("0.00"))

    @property
    def discount(self) -> Decimal:
        return sum((line.tier_discount + line.coupon_discount for line in self.lines), Decimal("0.00"))

    @property
    def net(self) -> Decimal:
        return self.subtotal - self.discount

    @property
    def tax(self) -> Decimal:
        return percent_of(self.net, self.tax_percent)

    @property
    def total(self) -> Decimal:
        return self.net + self.tax


# No province and no course has these: the statements are composed with them, and run with the quote's.
_NO_PROVINCE = "--"
_NO_COURSE = -1


@functools.cache
def _tax_query() -> FixedQuery:
    """A province's tax rate, composed by the ORM once per process and run prepared: with the tiers' read, composing
    them was a fifth of a checkout page's CPU (issue 19: the checkout quote <= 2x the 12-row render)."""
    return fixed_query(TaxRate.objects.filter(province=_NO_PROVINCE), placeholder=_NO_PROVINCE)  # unique: one row


@functools.cache
def _course_tiers_query() -> FixedQuery:
    """The active tiers of one course and of every course, composed once per process (see `_tax_query`)."""
    return fixed_query(_active_tiers().filter(Q(course__isnull=True) | Q(course=_NO_COURSE)), placeholder=_NO_COURSE)


def _active_tiers() -> QuerySet[DiscountTier]:
    return DiscountTier.objects.filter(active=True).order_by("pk")


def tax_for(province: str | None) -> tuple[str, Decimal]:
    province = province or settings.SALES_TAX_DEFAULT_PROVINCE
    found = cast(list[TaxRate], _tax_query().objects(province))
    if not found:
        return FALLBACK_TAX
    return found[0].name, found[0].percent


def tiers_for(courses: list[CoursePage]) -> list[DiscountTier]:
    """The active tiers that may apply to `courses`, by id."""
    if len(courses) == 1:  # every checkout: a learner's one course, an organization's one line
        return cast(list[DiscountTier], _course_tiers_query().objects(courses[0].pk))
    return list(_active_tiers().filter(Q(course__isnull=True) | Q(course__in=courses)))


def best_tier(*, course: CoursePage, seats: int, tiers: list[DiscountTier]) -> DiscountTier | None:
    applicable = [t for t in tiers if t.min_seats <= seats and t.course_id in (None, course.pk)]
    if not applicable:
        return None
    return max(applicable, key=lambda t: (t.percent, t.course_id is not None, t.min_seats))


def coupon_check(*, coupon: Coupon, email: str, courses: list[CoursePage], now=None) -> set[int]:
    """The ids of the courses the coupon applies to; raises CouponRefused when it does not apply at all.

    The use limit is checked here for the buyer's information and enforced again, under a row lock and a
    check constraint, when the order is placed.
    """
    now = now or timezone.now()
    if not coupon.active:
        raise CouponRefused(_("This coupon is no longer valid."))
    if coupon.expires_at is not None and coupon.expires_at <= now:
        raise CouponRefused(_("This coupon has expired."))
    if coupon.max_uses is not None and coupon.uses >= coupon.max_uses:
        raise CouponRefused(_("This coupon has been used up."))
    if coupon.email_domain and email.rsplit("@", 1)[-1].lower() != coupon.email_domain:
        raise CouponRefused(_("This coupon is for addresses at %(domain)s.") % {"domain": coupon.email_domain})
    allowed = set(coupon.courses.values_list("pk", flat=True))
    eligible = {c.pk for c in courses if not allowed or c.pk in allowed}
    if not eligible:
        raise CouponRefused(_("This coupon does not apply to these courses."))
    return eligible


def quote(
    *,
    items: list[tuple[CoursePage, int]],
    province: str | None = None,
    coupon: Coupon | None = None,
    email: str = "",
) -> Quote:
    """Price `items` (course, seats): list price × seats, volume tier, coupon, then tax on the net total."""
    courses = [course for course, _seats in items]
    tiers = tiers_for(courses)
    lines = []
    for course, seats in items:
        if seats < 1:
            raise ValueError("a line has at least one seat")
        line = QuoteLine(course=course, seats=seats, unit_price=cents(course.list_price))
        line.tier = best_tier(course=course, seats=seats, tiers=tiers)
        if line.tier is not None:
            line.tier_percent = line.tier.percent
            line.tier_discount = percent_of(line.subtotal, line.tier.percent)
        lines.append(line)
    if coupon is not None:
        eligible = coupon_check(coupon=coupon, email=email, courses=courses)
        targets = [line for line in lines if line.course.pk in eligible]
        if coupon.kind == CouponKind.PERCENT:
            for line in targets:
                line.coupon_discount = percent_of(line.total, coupon.value)
        else:
            # An amount off fills the eligible lines in order, never below zero.
            left = cents(coupon.value)
            for line in targets:
                share = min(left, line.total)
                line.coupon_discount, left = share, left - share
    tax_name, tax_percent = tax_for(province)
    return Quote(
        lines=lines,
        province=province or settings.SALES_TAX_DEFAULT_PROVINCE,
        tax_name=tax_name,
        tax_percent=tax_percent,
        coupon=coupon,
    )
