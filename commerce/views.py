"""Checkout pages, the order page, the invoice PDF, the test provider's page and Stripe's webhook."""

from __future__ import annotations

import functools
import logging
from typing import Any, cast

import stripe
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from commerce.forms import BundleForm, CheckoutForm
from commerce.invoices import invoice_pdf, receipt_pdf
from commerce.learning import is_enrolled
from commerce.models import Invoice, Order, OrderStatus, ProviderCode
from commerce.pricing import CouponRefused, Quote
from commerce.providers import ProviderError, provider_for, providers_available, test_provider_enabled
from commerce.services import (
    OrderError,
    checkout_quote,
    order_create,
    order_decline,
    order_for_buyer,
    payment_confirm,
)
from commerce.stripe_webhooks import stripe_event_handle, stripe_event_verify
from content.models import CoursePage
from content.translations import localized_url, original_page
from lms.db import FixedQuery, fixed_query
from lms.fragments import cached_fragment, fragment_key
from lms.http import signed_in_user
from lms.models import User
from organizations.selectors import organizations_administered

logger = logging.getLogger(__name__)


def _place(request: HttpRequest, *, buyer: User, **order_fields: Any) -> HttpResponse | None:
    try:
        order = order_create(buyer=buyer, **order_fields)
        return redirect(provider_for(order.provider).start(order=order, request=request))
    except (OrderError, CouponRefused, ProviderError) as refused:
        messages.error(request, str(refused))
    return None


_NO_COURSE = -1  # no page has this id: the statement is composed with it, and run with the course's


@functools.cache
def _live_course_query() -> FixedQuery:
    """A live course by id, composed by the ORM once per process and run prepared: composing its join of Wagtail's
    page table was a tenth of the checkout page's CPU (issue 19: the checkout quote <= 2x the 12-row render)."""
    return fixed_query(CoursePage.objects.live().filter(pk=_NO_COURSE), placeholder=_NO_COURSE)


def _live_course(course_id: int) -> CoursePage:
    found = _live_course_query().objects(course_id)
    if not found:
        raise Http404("No live course has this id.")  # as get_object_or_404: for the log, not the page
    return cast(CoursePage, found[0])


@login_required
@require_http_methods(["GET", "POST"])
def course_checkout(request: HttpRequest, course_id: int) -> HttpResponse:
    buyer = signed_in_user(request)
    # A translation is sold as its original: one price, one enrolment (content/translations.py).
    course = original_page(_live_course(course_id))
    if course.is_free:
        return redirect(localized_url(course, request))
    if is_enrolled(user=buyer, course=course):
        messages.info(request, _("You are already enrolled in this course."))
        return redirect(localized_url(course, request))
    providers = providers_available(organization=False)
    form = CheckoutForm(request.POST or None, providers=providers)
    quote: Quote | None = None
    province, coupon = settings.SALES_TAX_DEFAULT_PROVINCE, ""
    if form.is_bound and form.is_valid():
        province, coupon = form.cleaned_data["province"], form.cleaned_data["coupon"]
        if request.POST.get("action") == "place":
            placed = _place(
                request,
                buyer=buyer,
                items=[(course, 1)],
                province=province,
                coupon_code=coupon,
                provider=form.cleaned_data["provider"],
            )
            if placed is not None:
                return placed
    try:
        quote = checkout_quote(buyer=buyer, items=[(course, 1)], province=province, coupon_code=coupon)
    except CouponRefused as refused:
        form.add_error("coupon", str(refused))
        quote = checkout_quote(buyer=buyer, items=[(course, 1)], province=province)
    context = {"form": form, "quote": quote, "course": course, "bundle": False}
    if not form.is_bound:
        context["form_markup"] = _unbound_checkout_form(form, providers=providers)
    return render(request, "commerce/checkout.html", context)


def _unbound_checkout_form(form: CheckoutForm, *, providers: list[str]) -> str:
    """The markup of a checkout form nobody has filled in yet: the same for every buyer, given the payment methods,
    the default province and the language (in the key), so rendered once and kept (lms.fragments). Its widgets
    were about a quarter of the checkout page's time."""
    key = fragment_key("checkout-form", tuple(str(code) for code in providers), settings.SALES_TAX_DEFAULT_PROVINCE)
    return cached_fragment(
        template_name="commerce/includes/checkout_form.html", key=key, context=lambda: {"form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def bundle_checkout(request: HttpRequest) -> HttpResponse:
    buyer = signed_in_user(request)
    organizations = organizations_administered(user=buyer)
    if not organizations:
        raise PermissionDenied
    data = request.POST if request.method == "POST" else (request.GET if "course" in request.GET else None)
    initial = {"organization": request.GET.get("organization")} if request.GET.get("organization") else None
    form = BundleForm(
        data, initial=initial, organizations=organizations, providers=providers_available(organization=True)
    )
    quote: Quote | None = None
    prerequisites: list[CoursePage] = []
    if form.is_bound and form.is_valid():
        fields = form.cleaned_data
        items = [(fields["course"], fields["seats"])]
        # Staff who lack them cannot take a seat unless the admin waives them when giving it out: say so now.
        prerequisites = list(fields["course"].prerequisites.order_by("title"))
        try:
            quote = checkout_quote(buyer=buyer, items=items, province=fields["province"], coupon_code=fields["coupon"])
        except CouponRefused as refused:
            form.add_error("coupon", str(refused))
        if quote is not None and request.method == "POST" and request.POST.get("action") == "place":
            placed = _place(
                request,
                buyer=buyer,
                items=items,
                province=fields["province"],
                coupon_code=fields["coupon"],
                provider=fields["provider"],
                organization=fields["organization"],
            )
            if placed is not None:
                return placed
    return render(
        request,
        "commerce/checkout.html",
        {"form": form, "quote": quote, "bundle": True, "prerequisites": prerequisites},
    )


def _order_or_404(request: HttpRequest, number: str) -> Order:
    try:
        return order_for_buyer(number=number, user=signed_in_user(request))
    except Order.DoesNotExist as missing:
        raise Http404 from missing


@login_required
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = _order_or_404(request, number)
    invoice = Invoice.objects.filter(order=order).first()
    return render(
        request,
        "commerce/order.html",
        {"order": order, "lines": order.lines.select_related("course", "seat_bundle"), "invoice": invoice},
    )


@login_required
def invoice_download(request: HttpRequest, number: str) -> HttpResponse:
    order = _order_or_404(request, number)
    invoice = get_object_or_404(Invoice, order=order)
    response = HttpResponse(invoice_pdf(invoice=invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response


@login_required
def receipt_download(request: HttpRequest, number: str) -> HttpResponse:
    """The receipt of a paid order: for its buyer, its organization's admins and platform admins (404 otherwise)."""
    order = _order_or_404(request, number)
    if order.paid_at is None:
        raise Http404
    response = HttpResponse(receipt_pdf(order=order), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{order.number}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def test_pay(request: HttpRequest, number: str) -> HttpResponse:
    """The built-in test provider: the buyer decides whether the payment goes through."""
    if not test_provider_enabled():
        raise Http404
    order = _order_or_404(request, number)
    if order.provider != ProviderCode.TEST:
        raise Http404
    if request.method == "POST" and order.status == OrderStatus.PENDING:
        if request.POST.get("decision") == "confirm":
            payment_confirm(order=order, provider=ProviderCode.TEST, reference=f"test-{order.number}")
            messages.success(request, _("Payment received. Thank you!"))
        else:
            order_decline(order=order, reason="declined on the test page")
            messages.error(request, _("The payment was declined."))
        return redirect("commerce:order", number=order.number)
    return render(request, "commerce/test_pay.html", {"order": order, "lines": order.lines.select_related("course")})


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe calls this; only a correctly signed, fresh, first-seen event changes anything."""
    try:
        event = stripe_event_verify(
            payload=request.body,
            header=request.headers.get("Stripe-Signature", ""),
            secret=settings.STRIPE_WEBHOOK_SECRET,
        )
    except (stripe.SignatureVerificationError, ValueError) as refused:
        logger.warning("stripe webhook refused from %s: %s", request.META.get("REMOTE_ADDR"), refused)
        return HttpResponseBadRequest("refused")
    record = stripe_event_handle(event=event)
    if record is None:
        # A replay is acknowledged (so Stripe stops retrying) and changes nothing; it was logged as refused.
        return JsonResponse({"received": True, "duplicate": True})
    return JsonResponse({"received": True, "outcome": record.outcome})
