"""The API token pages: an organization's (its administrators only: 404 for anyone else) and a learner's own."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from integrations.forms import TokenForm
from integrations.models import ApiToken
from integrations.tokens import TokenError, token_create, token_revoke, tokens_of_learner, tokens_of_organization
from lms.http import signed_in_user
from lms.models import User
from organizations.models import Organization
from organizations.selectors import organization_for_admin


def _admin_of(request: HttpRequest, slug: str) -> tuple[Organization, User]:
    user = request.user
    organization = organization_for_admin(user=user, slug=slug)  # type: ignore[arg-type]  # 404 for others
    assert isinstance(user, User)
    return organization, user


def _tokens_page(
    request: HttpRequest, *, actor: User, organization: Organization | None, list_url: str
) -> HttpResponse:
    """List and create. A new token is shown in the answer to the POST that made it, and never again: it is not
    kept in the session, and the answer is not cached."""
    form = TokenForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = token_create(
                    actor=actor,
                    organization=organization,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                )
            except TokenError as refused:
                form.add_error(refused.field, str(refused))
            else:
                form = TokenForm()
        if created is None:
            status = 400
    tokens = tokens_of_organization(organization=organization) if organization else tokens_of_learner(user=actor)
    response = render(
        request,
        "integrations/tokens.html",
        {"organization": organization, "tokens": tokens, "form": form, "created": created, "list_url": list_url},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


def _revoke_page(request: HttpRequest, *, token: ApiToken, actor: User, list_url: str) -> HttpResponse:
    if request.method == "POST":
        token_revoke(token=token, actor=actor)
        messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
        return redirect(list_url)
    return render(
        request,
        "integrations/token_revoke.html",
        {"token": token, "organization": token.organization, "list_url": list_url},
    )


@require_http_methods(["GET", "POST"])
def org_tokens(request: HttpRequest, slug: str) -> HttpResponse:
    organization, admin = _admin_of(request, slug)
    list_url = reverse("integrations:org_tokens", args=[organization.slug])
    return _tokens_page(request, actor=admin, organization=organization, list_url=list_url)


@require_http_methods(["GET", "POST"])
def org_token_revoke(request: HttpRequest, slug: str, token_id: int) -> HttpResponse:
    organization, admin = _admin_of(request, slug)
    token = get_object_or_404(ApiToken, pk=token_id, organization=organization, revoked_at__isnull=True)
    list_url = reverse("integrations:org_tokens", args=[organization.slug])
    return _revoke_page(request, token=token, actor=admin, list_url=list_url)


@login_required
@require_http_methods(["GET", "POST"])
def learner_tokens(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    return _tokens_page(request, actor=user, organization=None, list_url=reverse("integrations:learner_tokens"))


@login_required
@require_http_methods(["GET", "POST"])
def learner_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = signed_in_user(request)
    token = get_object_or_404(ApiToken, pk=token_id, user=user, revoked_at__isnull=True)
    return _revoke_page(request, token=token, actor=user, list_url=reverse("integrations:learner_tokens"))
