"""Wagtail wiring: the grading queue in the menu, quiz tools (import, export, analysis) on quiz pages, and
the time accommodations of a course on course pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button
from wagtail.models import Page

from assessments import accommodations, admin_urls
from assessments.models import QuizPage
from content.models import CoursePage
from progress.services import course_of_item, user_can_edit_course


@hooks.register("register_admin_urls")
def register_assessment_admin_urls() -> list[Any]:
    return [
        path("grading/", include((admin_urls.urlpatterns, "assessments_admin"), namespace="assessments_admin")),
        path(
            "accommodations/",
            include((accommodations.urlpatterns, "assessments_accommodations"), namespace="assessments_accommodations"),
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_grading_menu_item() -> MenuItem:
    return MenuItem(_("Grading queue"), reverse("assessments_admin:queue"), icon_name="tasks", order=260)


def _course_buttons(page: Page, user: Any, priority: int) -> Iterator[Button]:
    if not issubclass(page.specific_class or Page, CoursePage):
        return
    if not user_can_edit_course(user=user, course=page.specific_deferred):
        return
    yield Button(
        _("Time accommodations"),
        reverse("assessments_accommodations:list", args=[page.pk]),
        icon_name="time",
        priority=priority,
    )


def _quiz_buttons(page: Page, user: Any, priority: int) -> Iterator[Button]:
    yield from _course_buttons(page, user, priority + 3)
    if not issubclass(page.specific_class or Page, QuizPage):
        return
    if not user_can_edit_course(user=user, course=course_of_item(page)):
        return
    yield Button(
        _("Import questions"),
        reverse("assessments_admin:import", args=[page.pk]),
        icon_name="upload",
        priority=priority,
    )
    yield Button(
        _("Export GIFT"),
        reverse("assessments_admin:export", args=[page.pk]),
        icon_name="download",
        priority=priority + 1,
    )
    yield Button(
        _("Item analysis"),
        reverse("assessments_admin:analysis", args=[page.pk]),
        icon_name="view",
        priority=priority + 2,
    )


@hooks.register("register_page_listing_more_buttons")
def quiz_listing_buttons(page: Page, user: Any, next_url: str | None = None) -> Iterator[Button]:
    yield from _quiz_buttons(page, user, 90)


@hooks.register("register_page_header_buttons")
def quiz_header_buttons(page: Page, user: Any, view_name: str, next_url: str | None = None) -> Iterator[Button]:
    yield from _quiz_buttons(page, user, 90)
