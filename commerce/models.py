"""Money: discount tiers, tax rates, coupons, orders and their lines, payment events, invoices and refunds.

Amounts are `Decimal` with two places (CAD cents); commerce.pricing does the arithmetic and says how it rounds.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypedDict

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel

from lms.formatting import format_percent


class DecimalOptions(TypedDict):
    """The keyword arguments a DecimalField is given by MONEY and PERCENT, typed so that `**` unpacks check."""

    max_digits: int
    decimal_places: int


class PercentOptions(DecimalOptions):
    validators: list[Callable[[Any], None]]


MONEY: DecimalOptions = {"max_digits": 12, "decimal_places": 2}
PERCENT: PercentOptions = {
    "max_digits": 6,
    "decimal_places": 3,
    "validators": [MinValueValidator(0), MaxValueValidator(100)],
}


class DiscountTier(models.Model):
    """A volume discount: from `min_seats` seats on one line, `percent` off (for one course, or any)."""

    min_seats = models.PositiveIntegerField(_("from seats"), validators=[MinValueValidator(2)])
    percent = models.DecimalField(_("discount (%)"), **PERCENT)
    course = models.ForeignKey(
        "content.CoursePage",
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Leave empty for every course."),
    )
    active = models.BooleanField(_("active"), default=True)

    panels = [FieldPanel("min_seats"), FieldPanel("percent"), FieldPanel("course"), FieldPanel("active")]

    class Meta:
        verbose_name = _("discount tier")
        verbose_name_plural = _("discount tiers")
        ordering = ["course_id", "min_seats"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name="commerce_tier_percent_0_100"),
            models.CheckConstraint(condition=Q(min_seats__gte=2), name="commerce_tier_min_seats_2"),
            models.UniqueConstraint(
                fields=["min_seats"], condition=Q(course__isnull=True), name="commerce_tier_unique_general"
            ),
            models.UniqueConstraint(fields=["course", "min_seats"], name="commerce_tier_unique_per_course"),
        ]

    def __str__(self) -> str:
        return _("%(seats)d+ seats: %(percent)s off") % {
            "seats": self.min_seats,
            "percent": format_percent(self.percent),
        }


class Province(models.TextChoices):
    AB = "AB", _("Alberta")
    BC = "BC", _("British Columbia")
    MB = "MB", _("Manitoba")
    NB = "NB", _("New Brunswick")
    NL = "NL", _("Newfoundland and Labrador")
    NS = "NS", _("Nova Scotia")
    NT = "NT", _("Northwest Territories")
    NU = "NU", _("Nunavut")
    ON = "ON", _("Ontario")
    PE = "PE", _("Prince Edward Island")
    QC = "QC", _("Quebec")
    SK = "SK", _("Saskatchewan")
    YT = "YT", _("Yukon")


class TaxRate(models.Model):
    province = models.CharField(_("province"), max_length=2, choices=Province.choices, unique=True)
    name = models.CharField(_("tax name"), max_length=40, help_text=_("For example HST, or GST + PST."))
    percent = models.DecimalField(_("rate (%)"), **PERCENT)

    panels = [FieldPanel("province"), FieldPanel("name"), FieldPanel("percent")]

    class Meta:
        verbose_name = _("sales tax rate")
        verbose_name_plural = _("sales tax rates")
        ordering = ["province"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name="commerce_tax_percent_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.province} {self.name} {format_percent(self.percent, max_decimals=3)}"


class CouponKind(models.TextChoices):
    PERCENT = "percent", _("Percentage off")
    AMOUNT = "amount", _("Amount off (CAD)")


class Coupon(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True, help_text=_("Stored in capitals."))
    kind = models.CharField(_("kind"), max_length=10, choices=CouponKind.choices, default=CouponKind.PERCENT)
    value = models.DecimalField(_("value"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    max_uses = models.PositiveIntegerField(_("maximum uses"), null=True, blank=True, help_text=_("Empty: no limit."))
    uses = models.PositiveIntegerField(_("uses"), default=0, editable=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    email_domain = models.CharField(
        _("e-mail domain"), max_length=190, blank=True, help_text=_("Only buyers with an address at this domain.")
    )
    courses = models.ManyToManyField(
        "content.CoursePage", verbose_name=_("courses"), blank=True, related_name="+", help_text=_("Empty: any course.")
    )
    active = models.BooleanField(_("active"), default=True)

    panels = [
        FieldPanel("code"),
        FieldPanel("kind"),
        FieldPanel("value"),
        FieldPanel("max_uses"),
        FieldPanel("expires_at"),
        FieldPanel("email_domain"),
        FieldPanel("courses"),
        FieldPanel("active"),
    ]

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [
            # The last line against a race for the last use: the database refuses one use too many.
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(uses__lte=F("max_uses")), name="commerce_coupon_uses_within_max"
            ),
            models.CheckConstraint(
                condition=~Q(kind=CouponKind.PERCENT) | Q(value__lte=100), name="commerce_coupon_percent_at_most_100"
            ),
            models.UniqueConstraint(Upper("code"), name="commerce_coupon_code_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs) -> None:
        self.code = self.code.strip().upper()
        self.email_domain = self.email_domain.strip().lower().lstrip("@")
        super().save(*args, **kwargs)


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    FULFILLED = "fulfilled", _("Paid")
    DECLINED = "declined", _("Payment declined")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


class ProviderCode(models.TextChoices):
    TEST = "test", _("Test payment")
    STRIPE = "stripe", _("Card (Stripe)")
    INVOICE = "invoice", _("Invoice (purchase order)")


class Order(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    organization = models.ForeignKey(
        "organizations.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    provider = models.CharField(_("payment"), max_length=10, choices=ProviderCode.choices)
    provider_reference = models.CharField(_("provider reference"), max_length=255, blank=True)
    currency = models.CharField(max_length=3, default="CAD", editable=False)
    province = models.CharField(_("province"), max_length=2, choices=Province.choices)
    coupon = models.ForeignKey(Coupon, null=True, blank=True, on_delete=models.PROTECT, related_name="orders")
    subtotal = models.DecimalField(_("subtotal"), **MONEY)
    discount = models.DecimalField(_("discounts"), **MONEY, default=Decimal("0.00"))
    tax_name = models.CharField(_("tax"), max_length=40)
    tax_percent = models.DecimalField(_("tax rate (%)"), **PERCENT)
    tax = models.DecimalField(_("tax amount"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)
    refunded = models.DecimalField(_("refunded"), **MONEY, default=Decimal("0.00"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0, tax__gte=0), name="commerce_order_amounts_not_negative"),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") - F("discount") + F("tax")), name="commerce_order_total_adds_up"
            ),
            models.CheckConstraint(condition=Q(refunded__lte=F("total")), name="commerce_order_refund_within_total"),
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="commerce_order_status_valid"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_paid(self) -> bool:
        return self.fulfilled_at is not None

    @property
    def net(self) -> Decimal:
        return self.subtotal - self.discount


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    course = models.ForeignKey("content.CoursePage", on_delete=models.PROTECT, related_name="+")
    seats = models.PositiveIntegerField(_("seats"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    tier = models.ForeignKey(DiscountTier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    tier_percent = models.DecimalField(_("volume discount (%)"), **PERCENT, default=Decimal("0"))
    tier_discount = models.DecimalField(_("volume discount"), **MONEY, default=Decimal("0.00"))
    coupon_discount = models.DecimalField(_("coupon discount"), **MONEY, default=Decimal("0.00"))
    total = models.DecimalField(_("line total"), **MONEY)
    seats_refunded = models.PositiveIntegerField(_("seats refunded"), default=0)
    # What fulfilment made of the line: a seat bundle for an organization (unique: made once).
    seat_bundle = models.OneToOneField(
        "organizations.SeatBundle", null=True, blank=True, on_delete=models.SET_NULL, related_name="order_line"
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total=F("unit_price") * F("seats") - F("tier_discount") - F("coupon_discount")),
                name="commerce_line_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(seats_refunded__lte=F("seats")), name="commerce_line_refund_within_seats"
            ),
            models.UniqueConstraint(fields=["order", "course"], name="commerce_line_one_per_course"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.seats} × {self.course_id}"

    @property
    def subtotal(self) -> Decimal:
        return self.unit_price * self.seats


class CouponRedemption(models.Model):
    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="redemption")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("coupon redemption")
        constraints = [models.UniqueConstraint(fields=["coupon", "order"], name="commerce_redemption_once_per_order")]

    def __str__(self) -> str:
        return f"{self.coupon_id} on {self.order_id}"


class PaymentEventOutcome(models.TextChoices):
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FLAGGED = "flagged", _("Flagged for refund")


class PaymentEvent(models.Model):
    """A provider's notification, stored once per event id: a replay finds its row and changes nothing."""

    provider = models.CharField(max_length=10, choices=ProviderCode.choices)
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    outcome = models.CharField(max_length=10, choices=PaymentEventOutcome.choices)
    note = models.CharField(max_length=255, blank=True)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="commerce_event_unique_id")]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} {self.type}"


class ExtraPayment(models.Model):
    """Money a provider took for an order that was already paid (or no longer payable): it is owed back.

    One row per (provider, reference): the same payment notified twice is recorded once.
    """

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="extra_payments")
    provider = models.CharField(_("payment"), max_length=10, choices=ProviderCode.choices)
    reference = models.CharField(_("provider reference"), max_length=255)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="CAD")
    reason = models.CharField(_("reason"), max_length=255)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("payment to refund")
        verbose_name_plural = _("payments to refund")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "reference"], name="commerce_extra_payment_unique_reference"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="commerce_extra_payment_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.reference} on {self.order_id}"


class Invoice(models.Model):
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="invoice")
    number = models.CharField(_("invoice number"), max_length=20, unique=True)
    issued_on = models.DateField(_("issued on"), default=timezone.localdate)
    due_on = models.DateField(_("due on"))
    terms = models.CharField(_("payment terms"), max_length=200)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    marked_paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_on", "-pk"]

    def __str__(self) -> str:
        return self.number


class Refund(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    line = models.ForeignKey(OrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds")
    seats = models.PositiveIntegerField(_("seats"), default=0)
    amount = models.DecimalField(_("amount"), **MONEY)
    tax = models.DecimalField(_("tax refunded"), **MONEY)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="commerce_refund_positive")]

    def __str__(self) -> str:
        return f"refund {self.amount} on {self.order_id}"
