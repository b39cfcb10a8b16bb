"""`served_specific`: a page being served is read as its own class by a statement composed once per class."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from content.models import LessonPage, served_specific
from tests.factories import make_course

pytestmark = pytest.mark.django_db


def _field_values(page):
    return {field.attname: getattr(page, field.attname) for field in type(page)._meta.concrete_fields}


def test_it_reads_what_wagtail_s_specific_reads_and_keeps_the_page_s_other_attributes():
    course = make_course(modules=1, lessons_per_module=2)
    lesson = LessonPage.objects.child_of(course.get_children().first()).first()
    page = Page.objects.get(pk=lesson.pk)
    page.__dict__["_view_restriction_sources"] = [1, 2]  # set by the route, as a queryset's annotation would be
    specific = served_specific(page)
    assert type(specific) is LessonPage
    assert _field_values(specific) == _field_values(Page.objects.get(pk=lesson.pk).specific)
    assert specific._view_restriction_sources == [1, 2]
    assert page.specific is specific  # kept: asked again, nothing is read
    with CaptureQueriesContext(connection) as again:
        assert served_specific(page) is specific
    assert not again.captured_queries


def test_one_statement_serves_every_page_of_a_class(django_assert_num_queries):
    course = make_course(modules=1, lessons_per_module=3)
    lessons = list(LessonPage.objects.child_of(course.get_children().first()).order_by("path"))
    texts = set()
    for lesson in lessons:
        with CaptureQueriesContext(connection) as read:
            assert served_specific(Page.objects.get(pk=lesson.pk)).title == lesson.title
        texts.add(read.captured_queries[-1]["sql"].split("WHERE")[0])
        assert len(read.captured_queries) == 2  # the page, then its class's row
    assert len(texts) == 1


def test_a_page_already_of_its_class_is_itself_and_a_deleted_page_is_not_found():
    course = make_course(modules=1, lessons_per_module=1)
    lesson = LessonPage.objects.child_of(course.get_children().first()).get()
    with CaptureQueriesContext(connection) as read:
        assert served_specific(lesson) is lesson
    assert not read.captured_queries
    page = Page.objects.get(pk=lesson.pk)
    Page.objects.filter(pk=lesson.pk).delete()
    with pytest.raises(LessonPage.DoesNotExist):
        served_specific(page)
