"""The PDF invoice writes its amounts and discount rates with the shared formatting helpers."""

from decimal import Decimal

import pytest
from django.utils import translation

from commerce.invoices import invoice_pdf
from commerce.models import DiscountTier
from commerce.services import invoice_issue, order_create
from tests.factories import make_course
from tests.org_factories import make_org, org_admin

pytestmark = pytest.mark.django_db


def test_an_invoice_line_shows_grouped_prices_and_a_plain_discount_percent():
    DiscountTier.objects.create(min_seats=20, percent=Decimal("12.50"))
    course = make_course(price="100.00", lessons_per_module=1)
    org = make_org()
    order = order_create(buyer=org_admin(org), organization=org, items=[(course, 25)], provider="invoice")
    with translation.override("en"):
        pdf = invoice_pdf(invoice=invoice_issue(order=order))
    for text in ("$100.00", "$2,500.00", "Volume discount 12.5%", "-$312.50"):
        assert text.encode() in pdf
    assert b"E+" not in pdf
