"""PDFs of orders (reportlab): an organization's invoice (number, dates, terms) and the receipt of any paid order."""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from commerce.models import Invoice, Order, OrderLine
from lms.formatting import format_date_iso, format_percent, format_price


def _money(amount: Decimal) -> str:
    return format_price(amount)


def _order_pdf(*, order: Order, title: str, heading: list[str], footer: list[tuple[str, bool]]) -> bytes:
    """One page: the heading lines, the order's lines with their discounts, subtotal, tax and total, the footer."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=LETTER, pageCompression=0)
    pdf.setTitle(title)
    _width, height = LETTER
    left = 20 * mm
    y = height - 25 * mm

    def line(text: str, *, size: int = 10, x: float = left, bold: bool = False) -> None:
        pdf.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        pdf.drawString(x, y, text)

    def down(step: float) -> None:
        nonlocal y
        y -= step

    line("Stackable", size=16, bold=True)
    down(8 * mm)
    line(title, size=13, bold=True)
    for text in heading:
        down(5 * mm)
        line(text)
    down(10 * mm)
    columns = (left, left + 85 * mm, left + 105 * mm, left + 135 * mm)
    for x, label in zip(columns, (_("Course"), _("Seats"), _("Unit price"), _("Amount")), strict=True):
        line(label, x=x, bold=True)
    down(6 * mm)
    for order_line in OrderLine.objects.filter(order=order).select_related("course"):
        line(order_line.course.title[:48], x=columns[0])
        line(str(order_line.seats), x=columns[1])
        line(_money(order_line.unit_price), x=columns[2])
        line(_money(order_line.subtotal), x=columns[3])
        down(5 * mm)
        if order_line.tier_discount:
            line(
                _("Volume discount %(percent)s") % {"percent": format_percent(order_line.tier_percent, max_decimals=3)},
                x=columns[0] + 4 * mm,
            )
            line(_money(-order_line.tier_discount), x=columns[3])
            down(5 * mm)
        if order_line.coupon_discount:
            line(_("Coupon %(code)s") % {"code": order.coupon.code if order.coupon else ""}, x=columns[0] + 4 * mm)
            line(_money(-order_line.coupon_discount), x=columns[3])
            down(5 * mm)
    down(4 * mm)
    for label, amount, bold in (
        (_("Subtotal"), order.subtotal - order.discount, False),
        (
            f"{order.tax_name} {format_percent(order.tax_percent, max_decimals=3)} ({order.province})",
            order.tax,
            False,
        ),
        (_("Total (CAD)"), order.total, True),
    ):
        line(label, x=columns[2], bold=bold)
        line(_money(amount), x=columns[3], bold=bold)
        down(5 * mm)
    down(3 * mm)
    for text, bold in footer:
        down(6 * mm)
        line(text, bold=bold)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _billed_to(order: Order) -> str:
    return _("Billed to: %(org)s (%(email)s)") % {
        "org": order.organization.name if order.organization else "",
        "email": order.buyer.email,
    }


def invoice_pdf(*, invoice: Invoice) -> bytes:
    order = invoice.order
    footer = [(_("Payment terms: %(terms)s") % {"terms": invoice.terms}, False)]
    if invoice.paid_at:
        footer.append((_("Paid on %(date)s. Thank you.") % {"date": format_date_iso(invoice.paid_at)}, True))
    return _order_pdf(
        order=order,
        title=_("Invoice %(number)s") % {"number": invoice.number},
        heading=[
            _("Order %(number)s") % {"number": order.number},
            _("Issued on %(date)s · due on %(due)s")
            % {"date": format_date_iso(invoice.issued_on), "due": format_date_iso(invoice.due_on)},
            _billed_to(order),
        ],
        footer=footer,
    )


def receipt_pdf(*, order: Order) -> bytes:
    """The receipt of a paid order, whatever paid it (card, test payment, invoice): what was paid, when, how."""
    if order.paid_at is None:
        raise ValueError("only a paid order has a receipt")
    paid_by = (
        _billed_to(order)
        if order.organization is not None
        else _("Paid by: %(name)s (%(email)s)") % {"name": order.buyer, "email": order.buyer.email}
    )
    footer = [
        (
            _("Paid on %(date)s by %(method)s%(reference)s. Thank you.")
            % {
                "date": format_date_iso(timezone.localdate(order.paid_at)),
                "method": order.get_provider_display(),
                "reference": f" ({order.provider_reference})" if order.provider_reference else "",
            },
            True,
        )
    ]
    if order.refunded:
        footer.append((_("Refunded since: %(amount)s") % {"amount": _money(order.refunded)}, False))
    return _order_pdf(
        order=order,
        title=_("Receipt for order %(number)s") % {"number": order.number},
        heading=[_("Order %(number)s") % {"number": order.number}, paid_by],
        footer=footer,
    )
