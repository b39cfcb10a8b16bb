"""Wagtail wiring: who may open course items, what progress adds to content pages, and the instructor report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button
from wagtail.models import Page

from content.extensions import HOOK
from content.models import CourseItemPage, CoursePage, LessonPage
from content.selectors import course_outline
from content.translations import localized_url, original_page
from progress import admin_urls
from progress.selectors import item_access, learner_course, learner_forget
from progress.services import ItemLocked, ProgressError, item_open, user_can_edit_course


@hooks.register("before_serve_page")
def gate_course_items(page: Page, request: HttpRequest, serve_args: Any, serve_kwargs: Any) -> HttpResponse | None:
    """Lessons, quizzes and tasks are for active learners; free previews and the course's editors excepted."""
    if not isinstance(page, CourseItemPage):
        return None
    item = original_page(page)  # a translation's enrolment and progress are its original's
    access = item_access(user=request.user, item=item, request=request, title=page.title)  # type: ignore[arg-type]
    if not access.allowed:
        if not all(restriction.accept_request(request) for restriction in page.get_view_restrictions()):
            return None  # a private course's item: Wagtail's restriction answers, and nothing names the item
        messages.info(request, access.message)
        return redirect(localized_url(access.course, request))
    if access.enrolment is not None:
        try:
            opened = item_open(
                user=request.user,  # type: ignore[arg-type]
                item=item,
                enrolment=access.enrolment,
                states=access.states,
                # The page reads it for its navigation: read once in the request (content.selectors).
                outline=course_outline(course=access.course, request=request),
            )
        except ItemLocked:
            return None  # a free preview in a module not yet open: readable, not yet counted
        except ProgressError as refused:
            messages.info(request, str(refused))
            return redirect(localized_url(access.course, request))
        if opened is not None:
            learner_forget(request=request)  # a first visit wrote rows: the page reads them afresh
    return None


@hooks.register(HOOK)
def progress_page_context(request: HttpRequest, page: Page, context: dict[str, Any]) -> dict[str, Any]:
    """Fill the content slots: enrol box on the course page, progress and mark-complete on items."""
    if isinstance(page, CoursePage):
        learner = learner_course(
            user=request.user,  # type: ignore[arg-type]
            course=page,  # type: ignore[arg-type]
            outline=context["detail"].outline,
            request=request,
        )
        return {
            "learner": learner,
            "course_aside_templates": ["progress/includes/course_aside.html"],
            "item_states": learner.states,
            "module_progress": learner.module_percent,
            "course_progress": learner.course_percent if learner.enrolled else None,
        }
    if isinstance(page, CourseItemPage):
        nav = context["nav"]
        learner = learner_course(
            user=request.user,  # type: ignore[arg-type]
            course=nav.course,
            outline=nav.outline,
            request=request,
        )
        return {
            "learner": learner,
            "is_lesson": isinstance(page, LessonPage),
            "item_footer_templates": ["progress/includes/item_footer.html"],
            "item_states": learner.states,
            "module_progress": learner.module_percent,
            "course_progress": learner.course_percent if learner.enrolled else None,
        }
    return {}


@hooks.register("register_admin_urls")
def register_progress_admin_urls() -> list[Any]:
    return [path("progress/", include((admin_urls.urlpatterns, "progress_admin"), namespace="progress_admin"))]


@hooks.register("register_admin_menu_item")
def register_progress_menu_item() -> MenuItem:
    return MenuItem(_("Learner progress"), reverse("progress_admin:courses"), icon_name="list-ul", order=250)


def _report_button(page: Page, user: Any, priority: int) -> Iterator[Button]:
    if issubclass(page.specific_class or Page, CoursePage) and user_can_edit_course(
        user=user, course=page.specific_deferred
    ):
        yield Button(
            _("Learner progress"),
            reverse("progress_admin:report", args=[page.pk]),
            icon_name="list-ul",
            priority=priority,
        )


@hooks.register("register_page_listing_more_buttons")
def course_report_listing_button(page: Page, user: Any, next_url: str | None = None) -> Iterator[Button]:
    yield from _report_button(page, user, 80)


@hooks.register("register_page_header_buttons")
def course_report_header_button(page: Page, user: Any, view_name: str, next_url: str | None = None) -> Iterator[Button]:
    yield from _report_button(page, user, 80)
