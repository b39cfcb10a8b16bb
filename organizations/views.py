"""Organization pages: only that organization's administrators see them (404 for anyone else)."""

from __future__ import annotations

import requests
from allauth.account.adapter import get_adapter
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from wagtail import hooks

from lms.http import HtmxHttpRequest
from lms.models import User
from lms.xlsx import CONTENT_TYPE as XLSX
from organizations.forms import InvitationForm, InvitationImportForm, SingleSignOnForm
from organizations.models import Invitation, InvitationImport, Organization, Seat, SeatBundle
from organizations.selectors import (
    ORG_DASHBOARD_HOOK,
    StaffFilters,
    bundles_for_admin,
    members_of,
    organization_dashboard,
    organization_for_admin,
    organizations_administered,
    prerequisite_gaps,
    prerequisites_lacked_by_address,
    report_csv,
    report_xlsx,
    seats_of_bundles,
    sso_members_without_seat,
    staff_user_ids,
)
from organizations.services import (
    OrganizationError,
    invitation_accept,
    invitation_create,
    invitation_problem,
    invitation_revoke,
    invitations_import_start,
    seat_assign,
    seat_reclaim,
)
from organizations.signup import invitation_pending_remember


def _administered(request: HttpRequest, slug: str) -> tuple[Organization, User]:
    """The organization `slug` and the administrator asking for it; 404 for anyone else, visitors included."""
    user = request.user
    if not isinstance(user, User):
        raise Http404
    return organization_for_admin(user=user, slug=slug), user


@require_GET
def org_index(request: HttpRequest) -> HttpResponse:
    user = request.user
    organizations = organizations_administered(user=user) if isinstance(user, User) else []
    if len(organizations) == 1:
        return redirect("organizations:dashboard", slug=organizations[0].slug)
    if not organizations:
        return render(request, "organizations/forbidden.html", status=403)
    return render(request, "organizations/index.html", {"organizations": organizations})


@require_GET
def org_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    organization, _admin = _administered(request, slug)
    filters = StaffFilters.from_query(request.GET)
    dashboard = organization_dashboard(organization=organization, filters=filters, page_number=request.GET.get("page"))
    sort_links = {
        key: filters.as_query(sort=("-" if filters.sort == key and not filters.descending else "") + key, page="")
        for key in ("name", "course", "status", "progress", "completed")
    }
    context = {
        "dashboard": dashboard,
        "organization": organization,
        "sort_links": sort_links,
        "filters": filters,
        "org_dashboard_templates": [],
    }
    # Upper apps (badges) add sections through this hook, so organizations never imports them.
    staff = staff_user_ids(organization=organization)
    for fn in hooks.get_hooks(ORG_DASHBOARD_HOOK):
        extra = fn(request, organization=organization, staff=staff) or {}
        context["org_dashboard_templates"] += extra.pop("org_dashboard_templates", [])
        context.update(extra)
    return render(request, "organizations/dashboard.html", context)


def _export_name(slug: str, extension: str) -> str:
    return f"{slug}-staff-progress-{timezone.localdate().isoformat()}.{extension}"


@require_GET
def org_export_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    organization, _admin = _administered(request, slug)
    filters = StaffFilters.from_query(request.GET)
    response = StreamingHttpResponse(
        report_csv(organization=organization, filters=filters), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(slug, "csv")}"'
    return response


@require_GET
def org_export_xlsx(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """Streamed: rows are written into the workbook as they come from the database, the first bytes leave at once."""
    organization, _admin = _administered(request, slug)
    filters = StaffFilters.from_query(request.GET)
    response = StreamingHttpResponse(report_xlsx(organization=organization, filters=filters), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_export_name(slug, "xlsx")}"'
    return response


@require_http_methods(["GET", "POST"])
def org_seats(request: HttpRequest, slug: str) -> HttpResponse:
    organization, admin = _administered(request, slug)
    if request.method == "POST":
        try:
            if "reclaim" in request.POST:
                seat = get_object_or_404(Seat, pk=request.POST["reclaim"], bundle__organization=organization)
                seat_reclaim(seat=seat, actor=admin)
                messages.success(request, _("The seat is free again."))
            else:
                bundle = get_object_or_404(SeatBundle, pk=request.POST.get("bundle"), organization=organization)
                member = get_object_or_404(User, pk=request.POST.get("user"), memberships__organization=organization)
                seat_assign(
                    bundle=bundle,
                    user=member,
                    actor=admin,
                    waive_prerequisites=request.POST.get("waive_prerequisites") == "on",
                )
                messages.success(
                    request, _("%(user)s has a seat in %(course)s.") % {"user": member, "course": bundle.course.title}
                )
        except OrganizationError as refused:
            messages.error(request, str(refused))
        return redirect("organizations:seats", slug=slug)
    bundles, members = bundles_for_admin(organization=organization), members_of(organization=organization)
    gaps = prerequisite_gaps(bundles=bundles, members=members)
    sso, sso_seatless = sso_members_without_seat(organization=organization)
    return render(
        request,
        "organizations/seats.html",
        {
            "organization": organization,
            "bundles": [(bundle, gaps.get(bundle.pk)) for bundle in bundles],
            "sso": sso,
            "sso_seatless": sso_seatless,
            "seats": seats_of_bundles(organization=organization),
            "members": members,
        },
    )


@require_http_methods(["GET", "POST"])
def org_invitations(request: HttpRequest, slug: str) -> HttpResponse:
    organization, admin = _administered(request, slug)
    form = InvitationForm(organization=organization)
    import_form = InvitationImportForm(organization=organization, prefix="import")
    if request.method == "POST" and "import-file" in request.FILES:
        import_form = InvitationImportForm(request.POST, request.FILES, organization=organization, prefix="import")
        if import_form.is_valid():
            try:
                job = invitations_import_start(
                    organization=organization,
                    source=import_form.cleaned_data["file"],
                    bundle=import_form.cleaned_data["bundle"],
                    actor=admin,
                )
            except OrganizationError as refused:
                messages.error(request, str(refused))
            else:
                return redirect("organizations:import", slug=slug, job_id=job.pk)
    elif request.method == "POST" and "revoke" in request.POST:
        invitation = get_object_or_404(Invitation, pk=request.POST["revoke"], organization=organization)
        try:
            invitation_revoke(invitation=invitation, actor=admin)
        except OrganizationError as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email})
        return redirect("organizations:invitations", slug=slug)
    elif request.method == "POST":
        form = InvitationForm(request.POST, organization=organization)
        if form.is_valid():
            fields = form.cleaned_data
            try:
                invitation = invitation_create(
                    organization=organization,
                    email=fields["email"],
                    bundle=fields["bundle"],
                    role=fields["role"],
                    waive_prerequisites=fields["waive_prerequisites"],
                    language=fields["language"],
                    actor=admin,
                )
            except OrganizationError as refused:
                form.add_error("email", str(refused))
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
                _warn_prerequisites(request, invitation=invitation)
                return redirect("organizations:invitations", slug=slug)
    invitations = Invitation.objects.filter(organization=organization).select_related("bundle__course")[:200]
    bundles, members = bundles_for_admin(organization=organization), members_of(organization=organization)
    return render(
        request,
        "organizations/invitations.html",
        {
            "organization": organization,
            "form": form,
            "import_form": import_form,
            "invitations": invitations,
            "prerequisite_gaps": prerequisite_gaps(bundles=bundles, members=members).values(),
        },
        status=400 if request.method == "POST" else 200,  # only a refused invitation comes back to the page
    )


def _warn_prerequisites(request: HttpRequest, *, invitation: Invitation) -> None:
    """Tell the admin when the invitee lacks the prerequisites of the seat's course and they were not waived."""
    if invitation.bundle is None or invitation.waive_prerequisites:
        return
    lacking = prerequisites_lacked_by_address(email=invitation.email, course=invitation.bundle.course)
    if lacking:
        messages.warning(
            request,
            _(
                "%(email)s has not completed %(prerequisites)s, required by %(course)s: they cannot take the seat "
                "unless you withdraw this invitation and invite them again with the prerequisites waived."
            )
            % {
                "email": invitation.email,
                "prerequisites": ", ".join(lacking),
                "course": invitation.bundle.course.title,
            },
        )


@require_GET
def org_import(request: HtmxHttpRequest, slug: str, job_id: int) -> HttpResponse:
    organization, _admin = _administered(request, slug)
    job = get_object_or_404(InvitationImport, pk=job_id, organization=organization)
    template = "organizations/import.html#status" if request.htmx else "organizations/import.html"
    return render(request, template, {"organization": organization, "job": job})


def _landing(request: HttpRequest, invitation: Invitation) -> str:
    """Where an accepted invitation leads: the course of its seat, else the dashboard."""
    if invitation.bundle is not None:
        return invitation.bundle.course.get_url(request) or settings.LOGIN_REDIRECT_URL
    return settings.LOGIN_REDIRECT_URL


@require_http_methods(["GET", "POST"])
def invitation_view(request: HttpRequest, token: str) -> HttpResponse:
    """Accept an invitation. A visitor signs up (allauth) with the invited address, already verified by the link,
    and the sign-up accepts the invitation (organizations.signup): they land on the course with their seat."""
    invitation = get_object_or_404(
        Invitation.objects.select_related("organization", "bundle__course", "accepted_by"), token=token
    )
    problem = invitation_problem(invitation)
    if request.user.is_authenticated and invitation.accepted_by_id == request.user.pk:
        return redirect(_landing(request, invitation))
    context = {"invitation": invitation, "problem": problem, "next": request.path}
    if problem:
        return render(request, "organizations/invitation.html", context, status=410)
    if not request.user.is_authenticated:
        # The link reached this inbox: allauth may treat the address as verified when they sign up with it.
        get_adapter(request).stash_verified_email(request, invitation.email)
        invitation_pending_remember(request, invitation=invitation)
        return render(request, "organizations/invitation.html", context)
    if request.method == "POST":
        try:
            invitation_accept(invitation=invitation, user=request.user)
        except PermissionDenied as refused:
            messages.error(request, str(refused))
            return render(request, "organizations/invitation.html", context, status=403)
        except OrganizationError as refused:
            messages.error(request, str(refused))
            return redirect(request.path)
        messages.success(request, _("Welcome to %(org)s.") % {"org": invitation.organization.name})
        return redirect(_landing(request, invitation))
    return render(request, "organizations/invitation.html", context)


@require_http_methods(["GET", "POST"])
def sso_sign_in(request: HttpRequest) -> HttpResponse:
    """ "Sign in with your organization": the work address's domain picks the organization's identity provider,
    and this POST (CSRF-checked) starts allauth's login there (its state stashed in the session), so no GET ever
    starts a sign-in. The answer is a page that moves on to the provider (organizations/sso_continue.html)."""
    form = SingleSignOnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sso = form.single_sign_on
        provider = sso.social_app.get_provider(request)
        kwargs = provider.get_redirect_from_request_kwargs(request)
        if provider.id == "openid_connect":
            kwargs["auth_params"] = {"login_hint": form.cleaned_data["email"]}
        try:
            started = provider.redirect(request, **kwargs)
        except (requests.RequestException, OAuth2Error):
            form.add_error(
                "email", _("Your organization's sign-in service does not answer. Try again in a few minutes.")
            )
            return render(request, "organizations/sso_sign_in.html", {"form": form}, status=503)
        return render(
            request, "organizations/sso_continue.html", {"organization": sso.organization, "url": started["Location"]}
        )
    return render(
        request, "organizations/sso_sign_in.html", {"form": form, "redirect_field_value": request.GET.get("next", "")}
    )
