"""Wagtail wiring: the Buy box on paid course pages, price settings for platform admins, invoices to mark paid."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.models import Page
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from commerce.learning import is_enrolled
from commerce.models import Coupon, DiscountTier, Invoice, TaxRate
from commerce.services import OrderError, invoice_mark_paid
from content.extensions import HOOK
from content.models import CoursePage
from lms.roles import user_is_platform_admin


@hooks.register(HOOK)
def commerce_page_context(request: HttpRequest, page: Page, context: dict[str, Any]) -> dict[str, Any]:
    """Paid courses get a Buy button in the course aside (unless the learner is already enrolled)."""
    if not isinstance(page, CoursePage) or page.is_free:
        return {}
    enrolled = request.user.is_authenticated and is_enrolled(user=request.user, course=page)
    return {"course_aside_templates": ["commerce/includes/buy.html"], "commerce_enrolled": enrolled}


class DiscountTierViewSet(SnippetViewSet):
    model = DiscountTier
    icon = "tag"
    list_display = ["__str__", "course", "active"]


class TaxRateViewSet(SnippetViewSet):
    model = TaxRate
    icon = "form"
    list_display = ["province", "name", "percent"]


class CouponViewSet(SnippetViewSet):
    model = Coupon
    icon = "ticket"
    list_display = ["code", "kind", "value", "uses", "max_uses", "expires_at", "active"]


class PricingGroup(SnippetViewSetGroup):
    menu_label = _("Pricing")
    menu_icon = "tag"
    menu_order = 300
    items = (DiscountTierViewSet, TaxRateViewSet, CouponViewSet)


register_snippet(PricingGroup)


@require_http_methods(["GET", "POST"])
def invoices_admin(request: HttpRequest) -> HttpResponse:
    if not user_is_platform_admin(request.user):
        raise PermissionDenied
    if request.method == "POST":
        invoice = get_object_or_404(Invoice, pk=request.POST.get("invoice"))
        try:
            order = invoice_mark_paid(invoice=invoice, actor=request.user)
            messages.success(
                request,
                _("Invoice %(number)s is paid; order %(order)s is fulfilled.")
                % {"number": invoice.number, "order": order.number},
            )
        except OrderError as refused:
            messages.error(request, str(refused))
        return redirect("commerce_invoices")
    invoices = Invoice.objects.select_related("order__organization").order_by("paid_at", "-issued_on")[:200]
    return render(request, "commerce/admin/invoices.html", {"invoices": invoices})


@hooks.register("register_admin_urls")
def commerce_admin_urls() -> list:
    return [path("commerce/invoices/", invoices_admin, name="commerce_invoices")]


class InvoicesMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return user_is_platform_admin(request.user)


@hooks.register("register_admin_menu_item")
def invoices_menu_item() -> MenuItem:
    return InvoicesMenuItem(_("Invoices"), reverse("commerce_invoices"), icon_name="doc-full", order=310)


@hooks.register("register_admin_viewset")
def register_order_viewset() -> Any:
    from commerce.admin_views import order_viewset

    return order_viewset


@hooks.register("register_admin_viewset")
def register_extra_payment_viewset() -> Any:
    from commerce.admin_views import extra_payment_viewset

    return extra_payment_viewset
