"""Wagtail wiring of integrations: the organization dashboard's link to the webhooks page."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from wagtail import hooks


@hooks.register("stackable_org_dashboard_context")
def org_dashboard_webhooks(request: HttpRequest, *, organization: Any, staff: QuerySet) -> dict[str, Any]:
    """A section linking the webhooks page (no query: the dashboard's count stays fixed)."""
    return {
        "org_dashboard_templates": ["integrations/org_dashboard_webhooks.html"],
        "webhooks_url": reverse("webhooks:index", kwargs={"slug": organization.slug}),
    }
