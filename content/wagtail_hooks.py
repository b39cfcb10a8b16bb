"""Admin wiring: every course saved in the admin gets (or keeps) its instructor group and collection, and course
creators get a "New course" action (menu, dashboard panel)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.models import Page

from content.admin_views import course_new
from content.models import CoursePage
from content.services import course_setup_permissions, user_may_create_courses


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
@hooks.register("after_publish_page")
def setup_course_permissions(request: HttpRequest, page: Page, *args: Any) -> None:
    if isinstance(page.specific, CoursePage):
        course_setup_permissions(course=page.specific)


@hooks.register("register_admin_urls")
def register_course_new_url() -> list[Any]:
    return [path("courses/new/", course_new, name="content_course_new")]


class NewCourseMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return user_may_create_courses(user=request.user)  # type: ignore[arg-type]


@hooks.register("register_admin_menu_item")
def register_course_new_menu_item() -> MenuItem:
    return NewCourseMenuItem(_("New course"), reverse("content_course_new"), icon_name="plus", order=150)


class NewCoursePanel(Component):
    order = 40
    template_name = "content/admin/new_course_panel.html"


@hooks.register("construct_homepage_panels")
def add_new_course_panel(request: HttpRequest, panels: list[Any]) -> None:
    if user_may_create_courses(user=request.user):  # type: ignore[arg-type]
        panels.append(NewCoursePanel())
