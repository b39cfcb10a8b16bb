"""lms's pages in the Wagtail admin: the outbox's pending work, for platform admins (Reports menu)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from lms.outbox import outbox_pending_summary, outbox_redeliver

VIEW_PERMISSION = "lms.view_outboxmessage"
PUBLISH_PERMISSION = "lms.change_outboxmessage"


@require_http_methods(["GET", "POST"])
def outbox_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    if request.method == "POST":
        if not request.user.has_perm(PUBLISH_PERMISSION):
            raise PermissionDenied
        published = outbox_redeliver(all_pending=True)
        messages.success(
            request, _("%(count)d pending messages were handed to the workers again.") % {"count": published}
        )
        return redirect("lms_outbox")
    return TemplateResponse(
        request,
        "lms/admin/outbox.html",
        {"summary": outbox_pending_summary(), "may_publish": request.user.has_perm(PUBLISH_PERMISSION)},
    )


@hooks.register("register_admin_urls")
def register_admin_urls() -> list[Any]:
    return [path("outbox/", outbox_view, name="lms_outbox")]


class _OutboxMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm(VIEW_PERMISSION)


@hooks.register("register_reports_menu_item")
def register_outbox_menu_item() -> MenuItem:
    return _OutboxMenuItem(gettext_lazy("Pending background work"), reverse("lms_outbox"), icon_name="time")
