"""Wagtail admin pages for private courses: platform admins and each organization's instructors.

An instructor of an organization creates its private courses (drafts they then write in the page editor) and
may make private a course they may already edit; a platform admin may do both for any organization, and make a
private course public again. Platform admins also configure each organization's single sign-on here.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from content.models import CoursePage
from lms.http import signed_in_user
from lms.models import User
from lms.roles import user_is_platform_admin
from organizations.forms import PrivateCourseChooseForm, PrivateCourseCreateForm, SingleSignOnAdminForm
from organizations.models import Organization, SingleSignOn
from organizations.selectors import (
    courses_to_make_private,
    organizations_for_private_courses,
    private_courses_of,
)
from organizations.services import (
    OrganizationError,
    course_make_private,
    course_make_public,
    may_manage_private_courses,
    private_course_create,
)
from organizations.services.sso import single_sign_on_save


@require_http_methods(["GET"])
def private_courses_index(request: HttpRequest) -> HttpResponse:
    organizations = organizations_for_private_courses(user=signed_in_user(request))
    if not organizations:
        raise PermissionDenied
    if len(organizations) == 1:
        return redirect("organizations_private_courses", organization_id=organizations[0].pk)
    return render(request, "organizations/admin/private_courses_index.html", {"organizations": organizations})


@require_http_methods(["GET", "POST"])
def private_courses_manage(request: HttpRequest, organization_id: int) -> HttpResponse:
    user = signed_in_user(request)
    organization = get_object_or_404(Organization, pk=organization_id)
    if not may_manage_private_courses(user=user, organization=organization):
        raise PermissionDenied
    choices = courses_to_make_private(user=user)
    create_form = PrivateCourseCreateForm(prefix="new")
    choose_form = PrivateCourseChooseForm(courses=choices, prefix="existing")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "create":
                create_form = PrivateCourseCreateForm(request.POST, prefix="new")
                if create_form.is_valid():
                    course = private_course_create(organization=organization, actor=user, **create_form.cleaned_data)
                    messages.success(
                        request,
                        _("%(course)s is a private draft of %(org)s: write it in the page editor.")
                        % {"course": course.title, "org": organization.name},
                    )
                    return redirect("wagtailadmin_pages:edit", course.pk)
            elif action == "make_private":
                choose_form = PrivateCourseChooseForm(request.POST, courses=choices, prefix="existing")
                if choose_form.is_valid():
                    course = choose_form.cleaned_data["course"]
                    course_make_private(organization=organization, course=course, actor=user)
                    messages.success(
                        request,
                        _("%(course)s is now private to %(org)s.") % {"course": course.title, "org": organization.name},
                    )
                    return redirect("organizations_private_courses", organization_id=organization.pk)
            elif action == "make_public":
                if not user_is_platform_admin(user):
                    raise PermissionDenied
                course_id = request.POST.get("course", "")
                course = get_object_or_404(CoursePage, pk=int(course_id) if course_id.isdigit() else 0)
                course_make_public(organization=organization, course=course, actor=user)
                messages.success(request, _("%(course)s is public again.") % {"course": course.title})
                return redirect("organizations_private_courses", organization_id=organization.pk)
            else:
                messages.error(request, _("Unknown action."))
            status = 400
        except PermissionDenied as refused:
            messages.error(request, str(refused) or _("You may not do that."))
            status = 403
        except OrganizationError as refused:
            messages.error(request, str(refused))
            status = 400
    return render(
        request,
        "organizations/admin/private_courses.html",
        {
            "organization": organization,
            "courses": private_courses_of(organization=organization),
            "create_form": create_form,
            "choose_form": choose_form,
            "can_make_public": user_is_platform_admin(user),
        },
        status=status,
    )


def _platform_admin(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not user_is_platform_admin(user):
        raise PermissionDenied
    return user


@require_http_methods(["GET"])
def single_sign_on_index(request: HttpRequest) -> HttpResponse:
    """Platform admins: every organization, and whether it signs in through its own identity provider."""
    _platform_admin(request)
    return render(
        request,
        "organizations/admin/single_sign_on_index.html",
        {"organizations": Organization.objects.select_related("single_sign_on__social_app").order_by("name")},
    )


@require_http_methods(["GET", "POST"])
def single_sign_on_edit(request: HttpRequest, organization_id: int) -> HttpResponse:
    """Platform admins: one organization's identity provider (its allauth SocialApp), domains and provisioning."""
    user = _platform_admin(request)
    organization = get_object_or_404(Organization, pk=organization_id)
    sso = SingleSignOn.objects.filter(organization=organization).select_related("social_app").first()
    form = SingleSignOnAdminForm(
        request.POST or None, organization=organization, initial=SingleSignOnAdminForm.initial_for(sso)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                single_sign_on_save(
                    organization=organization,
                    actor=user,
                    provider=data["provider"],
                    name=data["name"],
                    client_id=data["client_id"],
                    secret=data["secret"],
                    settings=form.provider_settings(),
                    domains=data["domains"],
                    provision_seats=data["provision_seats"],
                    default_bundle=data["default_bundle"],
                    required=data["required"],
                    access_claim=data["access_claim"],
                    access_value=data["access_value"],
                )
            except ValidationError as refused:
                form.add_error(None, refused)
            else:
                messages.success(request, _("Single sign-on of %(org)s saved.") % {"org": organization.name})
                return redirect("organizations_single_sign_on", organization_id=organization.pk)
        status = 400
    slug = organization.slug
    return render(
        request,
        "organizations/admin/single_sign_on.html",
        {
            "organization": organization,
            "form": form,
            "oidc_callback": request.build_absolute_uri(
                reverse("openid_connect_callback", kwargs={"provider_id": f"sso-{slug}"})
            ),
            "saml_acs": request.build_absolute_uri(reverse("saml_acs", kwargs={"organization_slug": slug})),
            "saml_metadata": request.build_absolute_uri(reverse("saml_metadata", kwargs={"organization_slug": slug})),
        },
        status=status,
    )
