"""Every change to orders goes through here: place, confirm payment (fulfil once), decline, invoice, refund.

Fulfilment happens exactly once: `payment_confirm` locks the order row and moves it from pending to
fulfilled with a conditional UPDATE; a second confirmation (a replayed webhook, a double click) finds it
fulfilled and changes nothing. Seat bundles are unique per order line, enrolments per (learner, course).

A payment is known by its provider reference (a Stripe Checkout session, the test page, an invoice number).
The same payment notified again is idempotent; a different payment for an order already paid (or no longer
payable) is money to give back: it is recorded once per reference as an `ExtraPayment`, which platform
admins see in the Wagtail admin, never absorbed silently.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.learning import enrol_buyer, prerequisites_missing, unenrol_buyer
from commerce.models import (
    Coupon,
    CouponRedemption,
    ExtraPayment,
    Invoice,
    Order,
    OrderLine,
    OrderStatus,
    ProviderCode,
    Refund,
)
from commerce.pricing import CouponRefused, Quote, cents, percent_of, quote
from content.models import CoursePage
from lms.models import User
from lms.roles import user_is_platform_admin
from organizations.models import Organization
from organizations.services import NoSeatsLeft, is_org_admin, seat_bundle_create, seat_bundle_reduce

logger = logging.getLogger(__name__)

INVOICE_TERMS_DAYS = 30


class OrderError(Exception):
    """The order cannot change this way; the message is for the user."""


def _order_number() -> str:
    return f"SO-{timezone.localdate():%Y%m%d}-{secrets.token_hex(3).upper()}"


def coupon_find(code: str) -> Coupon | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    coupon = Coupon.objects.filter(code=code).first()
    if coupon is None:
        raise CouponRefused(_("There is no coupon %(code)s.") % {"code": code})
    return coupon


def checkout_quote(
    *, buyer: User, items: list[tuple[CoursePage, int]], province: str | None, coupon_code: str = ""
) -> Quote:
    """What the checkout page shows; raises CouponRefused for a coupon that does not apply."""
    return quote(items=items, province=province, coupon=coupon_find(coupon_code), email=buyer.email)


@transaction.atomic
def order_create(
    *,
    buyer: User,
    items: list[tuple[CoursePage, int]],
    provider: str,
    province: str | None = None,
    coupon_code: str = "",
    organization: Organization | None = None,
) -> Order:
    """Place an order at today's prices. Locks the coupon row, so racing checkouts never exceed its uses.

    An individual buys one seat of one paid course; an organization's administrator buys seat bundles.
    """
    if provider not in ProviderCode.values:
        raise OrderError(_("Unknown payment method."))
    if not items:
        raise OrderError(_("The order is empty."))
    if organization is None:
        if len(items) != 1 or items[0][1] != 1:
            raise OrderError(_("A learner buys one seat of one course; organizations buy seat bundles."))
        if provider == ProviderCode.INVOICE:
            raise OrderError(_("Invoices are for organizations."))
    elif not is_org_admin(user=buyer, organization=organization):
        raise PermissionDenied(_("Only an administrator of this organization may buy its seats."))
    for course, _seats in items:
        if course.is_free or not course.live:
            raise OrderError(_("%(course)s is not for sale.") % {"course": course.title})
        if organization is None and prerequisites_missing(user=buyer, course=course):
            raise OrderError(_("Complete the prerequisite courses of %(course)s first.") % {"course": course.title})
    coupon = coupon_find(coupon_code)
    if coupon is not None:
        coupon = Coupon.objects.select_for_update().get(pk=coupon.pk)
    priced = quote(items=items, province=province, coupon=coupon, email=buyer.email)
    order = Order.objects.create(
        number=_order_number(),
        buyer=buyer,
        organization=organization,
        provider=provider,
        province=priced.province,
        coupon=coupon,
        subtotal=priced.subtotal,
        discount=priced.discount,
        tax_name=priced.tax_name,
        tax_percent=priced.tax_percent,
        tax=priced.tax,
        total=priced.total,
    )
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                course=line.course,
                seats=line.seats,
                unit_price=line.unit_price,
                tier=line.tier,
                tier_percent=line.tier_percent,
                tier_discount=line.tier_discount,
                coupon_discount=line.coupon_discount,
                total=line.total,
            )
            for line in priced.lines
        ]
    )
    if coupon is not None:
        # The check constraint uses <= max_uses refuses a use too many even if a lock were missed.
        Coupon.objects.filter(pk=coupon.pk).update(uses=F("uses") + 1)
        CouponRedemption.objects.create(coupon=coupon, order=order)
    return order


def _release_coupon(order: Order) -> None:
    redemption = CouponRedemption.objects.filter(order=order).first()
    if redemption is not None:
        Coupon.objects.filter(pk=redemption.coupon_id, uses__gt=0).update(uses=F("uses") - 1)
        redemption.delete()


@dataclass(frozen=True)
class PaymentReceived:
    """What one payment notification did: fulfilled the order, repeated a known payment, or is owed back."""

    order: Order
    fulfilled: bool
    extra: ExtraPayment | None = None


@transaction.atomic
def extra_payment_record(
    *, order: Order, provider: str, reference: str, amount: Decimal, reason: str, currency: str = "CAD"
) -> ExtraPayment:
    """Record money taken for `order` that must be refunded. Idempotent on (provider, reference)."""
    extra, created = ExtraPayment.objects.get_or_create(
        provider=provider,
        reference=reference,
        defaults={"order": order, "amount": amount, "currency": currency, "reason": reason[:255]},
    )
    if created:
        logger.error(
            "order %s: payment %s %s of %s %s is flagged for refund (%s)",
            order.number,
            provider,
            reference,
            amount,
            currency,
            reason,
        )
    return extra


@transaction.atomic
def payment_receive(
    *, order: Order, provider: str, reference: str = "", amount: Decimal | None = None
) -> PaymentReceived:
    """A provider says money arrived for `order`. Locks the order row.

    The first payment fulfils the order (once). The same payment again (same reference, or none given)
    changes nothing. Another payment for an order already paid, or for one declined, cancelled or refunded,
    is flagged for refund (`ExtraPayment`) and fulfils nothing. `amount` defaults to the order's total.
    """
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if provider != locked.provider:
        raise OrderError(_("This order is paid through another method."))
    paid = amount if amount is not None else locked.total
    if locked.status != OrderStatus.PENDING:
        if locked.paid_at is not None and (not reference or reference == locked.provider_reference):
            return PaymentReceived(order=locked, fulfilled=False)
        if not reference:
            raise OrderError(
                _("Order %(number)s is %(status)s: it cannot be paid.")
                % {"number": locked.number, "status": locked.get_status_display()}
            )
        if locked.paid_at is not None:
            reason = _("a second payment of order %(number)s, already paid by %(first)s") % {
                "number": locked.number,
                "first": locked.provider_reference or locked.get_provider_display(),
            }
        else:
            reason = _("a payment of order %(number)s, which is %(status)s") % {
                "number": locked.number,
                "status": locked.get_status_display(),
            }
        extra = extra_payment_record(
            order=locked, provider=provider, reference=reference, amount=paid, reason=str(reason)
        )
        return PaymentReceived(order=locked, fulfilled=False, extra=extra)
    return PaymentReceived(order=_fulfil(locked=locked, reference=reference), fulfilled=True)


def payment_confirm(*, order: Order, provider: str, reference: str = "") -> Order:
    """The provider says the money is there: fulfil the order, once (see `payment_receive`, which flags a
    second payment for refund). Raises OrderError for an order that can no longer be paid and no reference."""
    return payment_receive(order=order, provider=provider, reference=reference).order


def _fulfil(*, locked: Order, reference: str) -> Order:
    """Individual order: enrol the buyer (source "purchase"). Organization order: one seat bundle per line.

    The caller holds the order row's lock and has checked it is pending."""
    now = timezone.now()
    claimed = Order.objects.filter(pk=locked.pk, status=OrderStatus.PENDING, fulfilled_at__isnull=True).update(
        status=OrderStatus.FULFILLED,
        paid_at=now,
        fulfilled_at=now,
        provider_reference=reference or F("provider_reference"),
    )
    if claimed == 0:  # someone else fulfilled it between our read and our write
        return Order.objects.get(pk=locked.pk)
    for line in OrderLine.objects.filter(order=locked).select_related("course"):
        if locked.organization is None:
            enrol_buyer(user=locked.buyer, course=line.course)
        else:
            bundle = seat_bundle_create(
                organization=locked.organization,
                course=line.course,
                seats=line.seats,
                order_reference=f"{locked.number}/{line.pk}",
            )
            OrderLine.objects.filter(pk=line.pk, seat_bundle__isnull=True).update(seat_bundle=bundle)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def order_decline(*, order: Order, reason: str = "") -> Order:
    """The payment failed or was abandoned: a pending order is declined and its coupon use is given back."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != OrderStatus.PENDING:
        return locked
    Order.objects.filter(pk=locked.pk, status=OrderStatus.PENDING).update(status=OrderStatus.DECLINED)
    _release_coupon(locked)
    logger.info("order %s declined: %s", locked.number, reason)
    locked.refresh_from_db()
    return locked


# --- invoices ----------------------------------------------------------------------------------------


@transaction.atomic
def invoice_issue(*, order: Order) -> Invoice:
    """An organization pays by invoice (purchase order): number, due date and terms. Idempotent."""
    if order.provider != ProviderCode.INVOICE or order.organization_id is None:
        raise OrderError(_("Only an organization's invoice order gets an invoice."))
    existing = Invoice.objects.filter(order=order).first()
    if existing is not None:
        return existing
    today = timezone.localdate()
    invoice = Invoice.objects.create(
        order=order,
        number=f"TMP-{secrets.token_hex(6)}",
        issued_on=today,
        due_on=today + timedelta(days=INVOICE_TERMS_DAYS),
        terms=_("Net %(days)d days. Pay by bank transfer quoting the invoice number.") % {"days": INVOICE_TERMS_DAYS},
    )
    invoice.number = f"INV-{today:%Y}-{invoice.pk:05d}"
    invoice.save(update_fields=["number"])
    return invoice


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice, actor: User) -> Order:
    """A platform admin records the bank transfer: the order is fulfilled (once)."""
    if not user_is_platform_admin(actor):
        raise PermissionDenied(_("Only a platform administrator may mark an invoice paid."))
    locked = Invoice.objects.select_for_update(of=("self",)).select_related("order").get(pk=invoice.pk)
    if locked.paid_at is None:
        locked.paid_at, locked.marked_paid_by = timezone.now(), actor
        locked.save(update_fields=["paid_at", "marked_paid_by"])
    return payment_confirm(order=locked.order, provider=ProviderCode.INVOICE, reference=locked.number)


# --- refunds -----------------------------------------------------------------------------------------


def _refund_record(
    *, order: Order, line: OrderLine | None, seats: int, net: Decimal, actor: User | None, reason: str
) -> Refund:
    tax = percent_of(net, order.tax_percent)
    amount = min(net + tax, order.total - order.refunded)
    if amount <= 0:
        raise OrderError(_("Nothing is left to refund on this order."))
    refund = Refund.objects.create(
        order=order, line=line, seats=seats, amount=amount, tax=min(tax, amount), reason=reason, created_by=actor
    )
    Order.objects.filter(pk=order.pk).update(refunded=F("refunded") + amount)
    return refund


@transaction.atomic
def refund_seats(*, line: OrderLine, seats: int, actor: User | None, reason: str = "") -> Refund:
    """Refund `seats` unused seats of an organization's line: the bundle shrinks, the money is the seats' share.

    Locks the order row, then the bundle row (seat_bundle_reduce). A seat in use cannot be refunded.
    """
    order = Order.objects.select_for_update().get(pk=line.order_id)
    line = OrderLine.objects.select_for_update().get(pk=line.pk)
    if actor is not None and not user_is_platform_admin(actor):
        raise PermissionDenied(_("Only a platform administrator may refund."))
    if order.status == OrderStatus.REFUNDED:
        raise OrderError(_("Nothing is left to refund on this order."))
    if order.status != OrderStatus.FULFILLED or line.seat_bundle is None:
        raise OrderError(_("Only the seats of a paid organization order can be refunded."))
    if seats < 1 or seats > line.seats - line.seats_refunded:
        raise OrderError(_("That is more seats than are left on this line."))
    try:
        seat_bundle_reduce(bundle=line.seat_bundle, seats=seats)
    except NoSeatsLeft as refused:
        raise OrderError(str(refused)) from refused
    # The seats' share of what the line cost after discounts; the last seats take whatever is left.
    left_seats = line.seats - line.seats_refunded
    already = sum((r.amount - r.tax for r in line.refunds.all()), Decimal("0.00"))
    net = line.total - already if seats == left_seats else cents(line.total * seats / line.seats)
    OrderLine.objects.filter(pk=line.pk).update(seats_refunded=F("seats_refunded") + seats)
    refund = _refund_record(order=order, line=line, seats=seats, net=net, actor=actor, reason=reason)
    order.refresh_from_db()
    if order.refunded >= order.total:
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.REFUNDED)
    return refund


@transaction.atomic
def order_refund(*, order: Order, actor: User | None, reason: str = "") -> Refund:
    """Refund the whole order and take back what it gave: the learner's enrolment, or every (unused) seat."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if actor is not None and not user_is_platform_admin(actor):
        raise PermissionDenied(_("Only a platform administrator may refund."))
    if locked.status == OrderStatus.REFUNDED:
        raise OrderError(_("Nothing is left to refund on this order."))
    if locked.status != OrderStatus.FULFILLED:
        raise OrderError(_("Only a paid order can be refunded."))
    lines = list(OrderLine.objects.select_related("course", "seat_bundle").filter(order=locked))
    if locked.organization_id is not None:
        for line in lines:
            if line.seat_bundle is not None and line.seat_bundle.seats_used:
                raise OrderError(_("Seats of this order are in use: refund the unused seats instead."))
        for line in lines:
            unrefunded = line.seats - line.seats_refunded
            if line.seat_bundle is not None and unrefunded:
                seat_bundle_reduce(bundle=line.seat_bundle, seats=unrefunded)
            OrderLine.objects.filter(pk=line.pk).update(seats_refunded=line.seats)
    else:
        for line in lines:
            unenrol_buyer(user=locked.buyer, course=line.course)
    earlier = list(locked.refunds.all())
    amount = locked.total - locked.refunded
    if amount <= 0:
        raise OrderError(_("Nothing is left to refund on this order."))
    tax = locked.tax - sum((r.tax for r in earlier), Decimal("0.00"))
    refund = Refund.objects.create(
        order=locked, seats=0, amount=amount, tax=max(tax, Decimal("0.00")), reason=reason, created_by=actor
    )
    Order.objects.filter(pk=locked.pk).update(refunded=F("refunded") + amount)
    Order.objects.filter(pk=locked.pk).update(status=OrderStatus.REFUNDED)
    return refund


def order_for_buyer(*, number: str, user: User) -> Order:
    order = Order.objects.select_related("organization", "buyer").filter(number=number).first()
    if order is None or not user.is_authenticated:
        raise Order.DoesNotExist
    if (
        order.buyer_id != user.pk
        and not (order.organization is not None and is_org_admin(user=user, organization=order.organization))
        and not user_is_platform_admin(user)
    ):
        raise Order.DoesNotExist
    return order
