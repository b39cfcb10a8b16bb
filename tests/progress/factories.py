"""Factories for progress tests: courses built fast (live items without revisions), graded items, enrolments."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from content.models import CourseItemPage, CoursePage, LessonPage, ModulePage
from lms.models import User
from progress.models import Enrolment
from progress.services import enrolment_create
from tests.factories import make_course, make_user

_counter = itertools.count(1)
T0 = timezone.make_aware(datetime(2026, 3, 2, 9, 0))


def at(minutes: int) -> datetime:
    """A fixed clock: T0 plus `minutes`."""
    return T0 + timedelta(minutes=minutes)


def add_module(course: CoursePage, title: str | None = None) -> ModulePage:
    module = ModulePage(title=title or f"Module {next(_counter)}", summary="", live=True)
    course.add_child(instance=module)
    return module


def add_lesson(module: ModulePage, *, minutes: int = 20, **fields: Any) -> LessonPage:
    n = next(_counter)
    lesson = LessonPage(
        title=fields.pop("title", f"Lesson {n}"),
        estimated_minutes=minutes,
        body=[{"type": "paragraph", "value": f"<p>Text {n}.</p>"}],
        live=True,
        **fields,
    )
    module.add_child(instance=lesson)
    return lesson


def build_course(*, modules: int = 2, lessons_per_module: int = 3, minutes: int = 20, **fields: Any) -> CoursePage:
    """A published course whose modules and lessons are live pages (built without revisions, for speed)."""
    course = make_course(modules=0, **fields)
    for _ in range(modules):
        module = add_module(course)
        for _ in range(lessons_per_module):
            add_lesson(module, minutes=minutes)
    return course


def items_of(course: CoursePage) -> list[CourseItemPage]:
    return [page.specific for page in CourseItemPage.objects.descendant_of(course).order_by("path")]


def modules_of(course: CoursePage) -> list[ModulePage]:
    return list(ModulePage.objects.child_of(course).order_by("path"))


def learner(**extra: Any) -> User:
    return make_user(**extra)


def enrolled(course: CoursePage, user: User | None = None) -> Enrolment:
    return enrolment_create(user=user or learner(), course=course)


def pct(value: str) -> Decimal:
    return Decimal(value)
