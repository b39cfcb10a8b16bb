"""Wagtail wiring of integrations: the dashboards' links to the API token pages and the webhooks page (their hooks)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from wagtail import hooks

from lms.models import User


@hooks.register("stackable_org_dashboard_context")
def org_dashboard_api(request: HttpRequest, *, organization: Any, staff: QuerySet) -> dict[str, Any]:
    """The organization dashboard's API section: a link to the organization's tokens (no query)."""
    return {"org_dashboard_templates": ["integrations/includes/org_dashboard_api.html"]}


@hooks.register("stackable_dashboard_context")
def dashboard_api(request: HttpRequest) -> dict[str, Any]:
    """The learner dashboard's API section: a link to their own tokens (no query)."""
    if not isinstance(request.user, User):
        return {}
    return {"dashboard_templates": ["integrations/includes/dashboard_api.html"]}


@hooks.register("stackable_org_dashboard_context")
def org_dashboard_webhooks(request: HttpRequest, *, organization: Any, staff: QuerySet) -> dict[str, Any]:
    """A section linking the webhooks page (no query: the dashboard's count stays fixed)."""
    return {
        "org_dashboard_templates": ["integrations/org_dashboard_webhooks.html"],
        "webhooks_url": reverse("webhooks:index", kwargs={"slug": organization.slug}),
    }
