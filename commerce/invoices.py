"""The PDF invoice of an organization's order (reportlab): number, dates, lines, discounts, tax, terms."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from commerce.models import Invoice, OrderLine
from lms.formatting import format_date_iso, format_percent, format_price


def _money(amount) -> str:
    return format_price(amount)


def invoice_pdf(*, invoice: Invoice) -> bytes:
    order = invoice.order
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=LETTER, pageCompression=0)
    pdf.setTitle(invoice.number)
    _width, height = LETTER
    left, y = 20 * mm, height - 25 * mm

    def line(text: str, *, size: int = 10, x: float = left, bold: bool = False) -> None:
        pdf.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        pdf.drawString(x, y, text)

    line("Stackable", size=16, bold=True)
    y -= 8 * mm
    line(_("Invoice %(number)s") % {"number": invoice.number}, size=13, bold=True)
    y -= 6 * mm
    line(_("Order %(number)s") % {"number": order.number})
    y -= 5 * mm
    line(
        _("Issued on %(date)s · due on %(due)s")
        % {"date": format_date_iso(invoice.issued_on), "due": format_date_iso(invoice.due_on)}
    )
    y -= 5 * mm
    line(
        _("Billed to: %(org)s (%(email)s)")
        % {"org": order.organization.name if order.organization else "", "email": order.buyer.email}
    )
    y -= 10 * mm
    columns = (left, left + 85 * mm, left + 105 * mm, left + 135 * mm)
    for x, heading in zip(columns, (_("Course"), _("Seats"), _("Unit price"), _("Amount")), strict=True):
        line(heading, x=x, bold=True)
    y -= 6 * mm
    for order_line in OrderLine.objects.filter(order=order).select_related("course"):
        line(order_line.course.title[:48], x=columns[0])
        line(str(order_line.seats), x=columns[1])
        line(_money(order_line.unit_price), x=columns[2])
        line(_money(order_line.subtotal), x=columns[3])
        y -= 5 * mm
        if order_line.tier_discount:
            line(
                _("Volume discount %(percent)s") % {"percent": format_percent(order_line.tier_percent, max_decimals=3)},
                x=columns[0] + 4 * mm,
            )
            line(_money(-order_line.tier_discount), x=columns[3])
            y -= 5 * mm
        if order_line.coupon_discount:
            line(_("Coupon %(code)s") % {"code": order.coupon.code if order.coupon else ""}, x=columns[0] + 4 * mm)
            line(_money(-order_line.coupon_discount), x=columns[3])
            y -= 5 * mm
    y -= 4 * mm
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
        y -= 5 * mm
    y -= 8 * mm
    line(_("Payment terms: %(terms)s") % {"terms": invoice.terms})
    if invoice.paid_at:
        y -= 6 * mm
        line(_("Paid on %(date)s. Thank you.") % {"date": format_date_iso(invoice.paid_at)}, bold=True)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
