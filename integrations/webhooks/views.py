"""The organization admin's webhooks page, `/org/<slug>/webhooks/`: only that organization's admins (404 for
anyone else, as the other organization pages)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.webhooks.forms import EndpointForm
from integrations.webhooks.selectors import deliveries_recent, endpoints_of
from integrations.webhooks.services import (
    WebhookError,
    delivery_replay,
    endpoint_create,
    endpoint_delete,
    endpoint_set_active,
)
from lms.models import User
from organizations.models import Organization
from organizations.selectors import organization_for_admin


def _administered(request: HttpRequest, slug: str) -> tuple[Organization, User]:
    user = request.user
    if not isinstance(user, User):
        raise Http404
    return organization_for_admin(user=user, slug=slug), user


def _page(request: HttpRequest, organization: Organization, form: EndpointForm, **extra: object) -> HttpResponse:
    context = {
        "organization": organization,
        "form": form,
        "endpoints": endpoints_of(organization=organization),
        "deliveries": deliveries_recent(organization=organization),
        **extra,
    }
    return render(request, "integrations/webhooks.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def webhooks_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The endpoints, the form that registers one (its secret is shown in the answer, once), recent deliveries."""
    organization, admin = _administered(request, slug)
    if request.method != "POST":
        return _page(request, organization, EndpointForm())
    form = EndpointForm(request.POST)
    if form.is_valid():
        try:
            endpoint, secret = endpoint_create(
                organization=organization, url=form.cleaned_data["url"], events=form.cleaned_data["events"], actor=admin
            )
        except WebhookError as refused:
            form.add_error(None, str(refused))
        else:
            # Rendered, not redirected: the secret is never stored in a session or a message, nor in a cache.
            response = _page(request, organization, EndpointForm(), created=endpoint, secret=secret)
            add_never_cache_headers(response)
            return response
    return _page(request, organization, form)


def _endpoint(organization: Organization, endpoint_id: int) -> WebhookEndpoint:
    return get_object_or_404(
        WebhookEndpoint.objects.select_related("organization"), pk=endpoint_id, organization=organization
    )


@require_POST
def endpoint_toggle(request: HttpRequest, slug: str, endpoint_id: int) -> HttpResponse:
    organization, admin = _administered(request, slug)
    endpoint = _endpoint(organization, endpoint_id)
    active = request.POST.get("active") == "1"
    endpoint_set_active(endpoint=endpoint, active=active, actor=admin)
    if active:
        messages.success(request, _("%(url)s receives webhooks again.") % {"url": endpoint.url})
    else:
        messages.success(request, _("%(url)s is disabled: it receives no new webhooks.") % {"url": endpoint.url})
    return redirect("webhooks:index", slug=slug)


@require_POST
def endpoint_remove(request: HttpRequest, slug: str, endpoint_id: int) -> HttpResponse:
    organization, admin = _administered(request, slug)
    endpoint = _endpoint(organization, endpoint_id)
    endpoint_delete(endpoint=endpoint, actor=admin)
    messages.success(request, _("%(url)s is deleted, with its deliveries.") % {"url": endpoint.url})
    return redirect("webhooks:index", slug=slug)


@require_POST
def delivery_replay_view(request: HttpRequest, slug: str, delivery_id: int) -> HttpResponse:
    organization, admin = _administered(request, slug)
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_id, endpoint__organization=organization)
    try:
        delivery_replay(delivery=delivery, actor=admin)
    except WebhookError as refused:
        messages.error(request, str(refused))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, _("The delivery is queued to be sent again."))
    return redirect("webhooks:index", slug=slug)
