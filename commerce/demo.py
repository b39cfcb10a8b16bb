"""Demo: volume tiers, and Northwind Networks buying 25 seats of each Cloud Systems course. Idempotent.

The purchase goes through the real pipeline: an order at the 20+ seats tier, paid with the test provider,
fulfilled into seat bundles; then organizations.demo gives the seats to staff at different stages.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from commerce.models import DiscountTier, Order, OrderStatus, ProviderCode
from commerce.services import order_create, payment_confirm
from content.models import CoursePage
from organizations.demo import ADMIN_EMAIL, DEMO_PASSWORD, northwind_ensure, northwind_staff_seed

CLOUD_SYSTEMS = ("linux-for-the-cloud", "containers-and-kubernetes", "cloud-networking")
SEATS = 25
TIERS = ((5, "10"), (20, "15"), (100, "25"))


@dataclass(frozen=True)
class NorthwindDemo:
    order: Order | None
    seats_held: int
    admin_email: str = ADMIN_EMAIL
    password: str = DEMO_PASSWORD


def tiers_seed() -> None:
    for seats, percent in TIERS:
        DiscountTier.objects.get_or_create(min_seats=seats, course=None, defaults={"percent": Decimal(percent)})


@transaction.atomic
def northwind_seed() -> NorthwindDemo:
    tiers_seed()
    organization, admin = northwind_ensure()
    courses = list(CoursePage.objects.live().filter(slug__in=CLOUD_SYSTEMS).order_by("path"))
    order = Order.objects.filter(organization=organization, status=OrderStatus.FULFILLED).order_by("created_at").first()
    if order is None and courses:
        order = order_create(
            buyer=admin,
            organization=organization,
            items=[(course, SEATS) for course in courses],
            provider=ProviderCode.TEST,
            province="ON",
        )
        order = payment_confirm(order=order, provider=ProviderCode.TEST, reference="demo")
    held = northwind_staff_seed(organization=organization, admin=admin)
    return NorthwindDemo(order=order, seats_held=held)
