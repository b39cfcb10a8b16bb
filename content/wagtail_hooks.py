"""Admin wiring: every course saved in the admin gets (or keeps) its instructor group and collection."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from wagtail import hooks
from wagtail.models import Page

from content.models import CoursePage
from content.services import course_setup_permissions


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
@hooks.register("after_publish_page")
def setup_course_permissions(request: HttpRequest, page: Page, *args: Any) -> None:
    if isinstance(page.specific, CoursePage):
        course_setup_permissions(course=page.specific)
