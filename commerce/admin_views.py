"""The orders admin for platform admins: a listing, an order's whole story, and refunds behind a confirmation page.

Orders are never edited by hand: the permission policy grants "view" and "refund" to platform admins only
(whatever model permissions a group holds), and every change goes through commerce.services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies.base import BasePermissionPolicy

from commerce.forms import RefundForm
from commerce.models import ExtraPayment, Invoice, Order, OrderLine, OrderStatus, PaymentEvent, Refund
from commerce.services import OrderError, order_refund, refund_seats
from lms.formatting import format_price
from lms.models import User
from lms.roles import user_is_platform_admin

ADMIN_ACTIONS = frozenset({"view", "refund"})


class OrderPermissionPolicy(BasePermissionPolicy):
    """Platform admins view and refund orders; nobody adds, edits or deletes one in the admin."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        return action in ADMIN_ACTIONS and user_is_platform_admin(user)

    def users_with_any_permission(self, actions: list[str]) -> QuerySet[User]:
        from lms.roles import PLATFORM_ADMINS

        if not ADMIN_ACTIONS.intersection(actions):
            return User.objects.none()
        return User.objects.filter(Q(is_superuser=True) | Q(groups__name=PLATFORM_ADMINS), is_active=True).distinct()


class OrderIndexView(IndexView):
    def get_base_queryset(self) -> QuerySet[Order]:
        return super().get_base_queryset().select_related("buyer", "organization")


class OrderInspectView(InspectView):
    """Lines with their discounts, tax, payment events, the invoice and refunds; buttons for what can be done."""

    template_name = "commerce/admin/order_inspect.html"

    def get_object(self, queryset: QuerySet | None = None) -> Order:
        return get_object_or_404(Order.objects.select_related("buyer", "organization", "coupon"), pk=self.pk)

    @cached_property
    def header_more_buttons(self) -> list:
        return []

    @cached_property
    def header_buttons(self) -> list:
        order: Order = self.object
        if order.status != OrderStatus.FULFILLED:
            return []
        return [
            HeaderButton(
                _("Refund the order"),
                url=reverse("commerce_orders:refund", args=[order.pk]),
                icon_name="rotate",
            )
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        order: Order = self.object
        lines = list(OrderLine.objects.filter(order=order).select_related("course", "seat_bundle", "tier"))
        context.update(
            order=order,
            lines=lines,
            refundable_lines=order.status == OrderStatus.FULFILLED and order.organization_id is not None,
            events=list(PaymentEvent.objects.filter(order=order).order_by("received_at", "pk")),
            refunds=list(Refund.objects.filter(order=order).select_related("line__course", "created_by")),
            invoice=Invoice.objects.filter(order=order).first(),
            extra_payments=list(ExtraPayment.objects.filter(order=order)),
        )
        return context


class OrderViewSet(ModelViewSet):
    model = Order
    icon = "form"
    menu_label = gettext_lazy("Orders")
    menu_order = 305
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = OrderIndexView
    inspect_view_class = OrderInspectView
    list_display = ["number", "buyer", "organization", "status", "provider", "total", "refunded", "created_at"]
    list_filter = ["status", "provider", "organization"]
    search_fields = ["number", "buyer__email"]
    list_per_page = 50
    # Orders change through services only; the edit form is never reachable (the policy refuses "change").
    form_fields = ["provider_reference"]

    @cached_property
    def permission_policy(self) -> OrderPermissionPolicy:
        return OrderPermissionPolicy(self.model)

    def get_urlpatterns(self) -> list:
        return super().get_urlpatterns() + [
            path("refund/<int:pk>/", OrderRefundView.as_view(), name="refund"),
            path("refund/<int:pk>/line/<int:line_pk>/", OrderRefundView.as_view(), name="refund_seats"),
        ]


class OrderRefundView(WagtailAdminTemplateMixin, FormView):
    """The confirmation page of a refund: what will be refunded, a reason, then the service does it.

    Without `line_pk` the whole order is refunded; with it, unused seats of that organization line.
    """

    template_name = "commerce/admin/order_refund.html"
    form_class = RefundForm
    header_icon = "rotate"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user_is_platform_admin(user):
            raise PermissionDenied
        self.actor = user
        self.order = get_object_or_404(Order.objects.select_related("buyer", "organization"), pk=kwargs["pk"])
        self.line = None
        if "line_pk" in kwargs:
            self.line = get_object_or_404(
                OrderLine.objects.select_related("course", "seat_bundle"), pk=kwargs["line_pk"], order=self.order
            )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self) -> str:
        if self.line is not None:
            return _("Refund unused seats")
        return _("Refund the order")

    def get_page_subtitle(self) -> str:
        return self.order.number

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return self.breadcrumbs_items + [
            {"url": reverse("commerce_orders:index"), "label": _("Orders")},
            {"url": self.inspect_url, "label": self.order.number},
            {"url": "", "label": self.get_page_title()},
        ]

    @property
    def inspect_url(self) -> str:
        return reverse("commerce_orders:inspect", args=[self.order.pk])

    def seats_left(self) -> int | None:
        if self.line is None:
            return None
        unused = self.line.seat_bundle.seats_free if self.line.seat_bundle is not None else 0
        return max(min(self.line.seats - self.line.seats_refunded, unused), 0)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "seats_left": self.seats_left()}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            order=self.order,
            line=self.line,
            seats_left=self.seats_left(),
            left_to_refund=self.order.total - self.order.refunded,
            inspect_url=self.inspect_url,
        )
        return context

    def form_valid(self, form: RefundForm) -> HttpResponse:
        reason = form.cleaned_data["reason"]
        try:
            if self.line is None:
                refund = order_refund(order=self.order, actor=self.actor, reason=reason)
            else:
                refund = refund_seats(line=self.line, seats=form.cleaned_data["seats"], actor=self.actor, reason=reason)
        except OrderError as refused:
            form.add_error(None, str(refused))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(
            self.request,
            _("Refunded %(amount)s (tax %(tax)s) on order %(number)s.")
            % {"amount": format_price(refund.amount), "tax": format_price(refund.tax), "number": self.order.number},
        )
        return redirect(self.inspect_url)

    def form_invalid(self, form: RefundForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ExtraPaymentPermissionPolicy(OrderPermissionPolicy):
    """Platform admins see the payments to refund; they are recorded by commerce.services only."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        return action == "view" and user_is_platform_admin(user)


class ExtraPaymentIndexView(IndexView):
    def get_base_queryset(self) -> QuerySet[ExtraPayment]:
        return super().get_base_queryset().select_related("order")


class ExtraPaymentViewSet(ModelViewSet):
    """A second payment of a paid order (or a payment of a declined one): money a human must give back."""

    model = ExtraPayment
    icon = "warning"
    menu_label = gettext_lazy("Payments to refund")
    menu_order = 306
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = ExtraPaymentIndexView
    list_display = ["order", "provider", "reference", "amount", "currency", "reason", "received_at"]
    list_filter = ["provider"]
    search_fields = ["reference", "order__number"]
    list_per_page = 50
    form_fields = ["reason"]  # never reachable: the policy grants "view" only

    @cached_property
    def permission_policy(self) -> ExtraPaymentPermissionPolicy:
        return ExtraPaymentPermissionPolicy(self.model)


order_viewset = OrderViewSet("commerce_orders", url_prefix="commerce/orders")
extra_payment_viewset = ExtraPaymentViewSet("commerce_extra_payments", url_prefix="commerce/payments-to-refund")
