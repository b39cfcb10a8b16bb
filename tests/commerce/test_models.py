"""Commerce rows as people read them in the admin: discount tiers and tax rates."""

from decimal import Decimal

import pytest
from django.utils import translation

from commerce.models import DiscountTier, Province, TaxRate

pytestmark = pytest.mark.django_db


def test_a_discount_tier_label_reads_its_percent_without_exponent_notation():
    tier = DiscountTier.objects.create(min_seats=5, percent=Decimal("10.00"))
    with translation.override("en"):
        assert str(DiscountTier.objects.get(pk=tier.pk)) == "5+ seats: 10% off"


def test_a_tax_rate_label_keeps_its_three_decimals_in_french():
    rate = TaxRate.objects.update_or_create(province=Province.QC, defaults={"name": "TPS + TVQ", "percent": "14.975"})[
        0
    ]
    with translation.override("fr"):
        assert str(TaxRate.objects.get(pk=rate.pk)) == "QC TPS + TVQ 14,975\N{NO-BREAK SPACE}%"
