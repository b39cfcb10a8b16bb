"""Wagtail wiring: organizations for platform admins, private courses (admin pages and serving), the dashboard hook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page, PageViewRestriction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from lms.models import User
from lms.roles import user_is_platform_admin
from organizations.admin_views import (
    private_courses_index,
    private_courses_manage,
    single_sign_on_edit,
    single_sign_on_index,
)
from organizations.models import Organization
from organizations.selectors import organizations_for_private_courses


class OrganizationViewSet(SnippetViewSet):
    model = Organization
    icon = "group"
    menu_label = _("Organizations")
    add_to_admin_menu = True
    menu_order = 290
    list_display = ["name", "slug", "email_domain", "email_domain_verified"]
    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("email_domain"), FieldPanel("email_domain_verified")]


register_snippet(OrganizationViewSet)


@hooks.register("register_admin_urls")
def private_course_admin_urls() -> list:
    return [
        path("organizations/private-courses/", private_courses_index, name="organizations_private_courses_index"),
        path(
            "organizations/<int:organization_id>/private-courses/",
            private_courses_manage,
            name="organizations_private_courses",
        ),
        path("organizations/single-sign-on/", single_sign_on_index, name="organizations_single_sign_on_index"),
        path(
            "organizations/<int:organization_id>/single-sign-on/",
            single_sign_on_edit,
            name="organizations_single_sign_on",
        ),
    ]


class PrivateCoursesMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        user = request.user
        return isinstance(user, User) and bool(organizations_for_private_courses(user=user))


@hooks.register("register_admin_menu_item")
def private_courses_menu_item() -> MenuItem:
    return PrivateCoursesMenuItem(
        _("Private courses"), reverse("organizations_private_courses_index"), icon_name="lock", order=295
    )


class SingleSignOnMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return user_is_platform_admin(request.user)


@hooks.register("register_admin_menu_item")
def single_sign_on_menu_item() -> MenuItem:
    return SingleSignOnMenuItem(
        _("Single sign-on"), reverse("organizations_single_sign_on_index"), icon_name="key", order=296
    )


def _hidden_from(request: HttpRequest, page: Page) -> bool:
    """Is `page` inside a course private to an organization, for a signed-in user who is not its member?

    Asked only once Wagtail has refused the request, so public pages pay no query for it.
    """
    if not request.user.is_authenticated:
        return False
    restricted = page.get_view_restrictions().filter(
        restriction_type=PageViewRestriction.GROUPS, groups__organization__isnull=False
    )
    return restricted.exclude(groups__user=request.user).exists()


# Before Wagtail's own restriction check in the chain, so that this wrapper sees the response it refuses with.
@hooks.register("on_serve_page", order=-10)
def private_courses_are_not_found(callback: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A signed-in non-member gets 404 for an organization's private course, not Wagtail's sign-in page.

    Visitors still go to sign in (WAGTAIL_FRONTEND_LOGIN_URL): a member following a link can sign in and read on.
    """
    login_url = resolve_url(settings.WAGTAIL_FRONTEND_LOGIN_URL)

    def inner(page: Page, request: HttpRequest, serve_args: Any, serve_kwargs: Any) -> HttpResponse:
        response = callback(page, request, serve_args, serve_kwargs)
        refused = response.status_code == 302 and response.get("Location", "").startswith(login_url)
        if refused and _hidden_from(request, page):
            raise Http404
        return response

    return inner
