"""The course outline is cached per course and follows publishing, unpublishing, moving and renaming."""

import pytest
from bs4 import BeautifulSoup
from django.utils import translation

from content.models import LessonPage, ModulePage
from content.selectors import course_outline
from tests.factories import make_course

pytestmark = pytest.mark.django_db


def lessons(course):
    return list(LessonPage.objects.descendant_of(course).order_by("path"))


def outline_titles(client, url):
    """The item titles of the outline on a lesson page (the state label, when any, excluded)."""
    soup = BeautifulSoup(client.get(url).content, "html.parser")
    titles = []
    for link in soup.select(".outline li a"):
        for extra in link.select(".visually-hidden, .item-state"):
            extra.extract()
        titles.append(link.get_text(strip=True))
    return titles


def syllabus_titles(client, course):
    soup = BeautifulSoup(client.get(course.url).content, "html.parser")
    return [link.get_text(strip=True) for link in soup.select(".syllabus-items a")]


def test_a_cached_outline_is_read_without_a_query(django_assert_num_queries):
    course = make_course(modules=2, lessons_per_module=3)
    course_outline(course=course)
    with django_assert_num_queries(0):
        outline = course_outline(course=course)
    assert [item.title for item in outline.items] == [lesson.title for lesson in lessons(course)]


def test_a_newly_published_lesson_appears_in_the_cached_outline(client):
    course = make_course(modules=1, lessons_per_module=2, free_preview=True)
    first = lessons(course)[0]
    module = ModulePage.objects.child_of(course).get()
    draft = LessonPage(title="Fresh lesson", estimated_minutes=10, body=[], live=False, free_preview=True)
    module.add_child(instance=draft)
    assert "Fresh lesson" not in outline_titles(client, first.url)  # a draft is not listed; the outline is cached
    assert "Fresh lesson" not in syllabus_titles(client, course)
    draft.save_revision().publish()
    assert outline_titles(client, first.url) == ["Lesson 1.1", "Lesson 1.2", "Fresh lesson"]
    assert syllabus_titles(client, course) == ["Lesson 1.1", "Lesson 1.2", "Fresh lesson"]


def test_an_unpublished_lesson_leaves_the_cached_outline(client):
    course = make_course(modules=1, lessons_per_module=3, free_preview=True)
    first, second, _ = lessons(course)
    assert "Lesson 1.2" in outline_titles(client, first.url)
    second.unpublish()
    assert outline_titles(client, first.url) == ["Lesson 1.1", "Lesson 1.3"]


def test_a_renamed_lesson_shows_its_new_title_once_published(client):
    course = make_course(modules=1, lessons_per_module=2, free_preview=True)
    first, second = lessons(course)
    assert outline_titles(client, first.url) == ["Lesson 1.1", "Lesson 1.2"]
    second.title = "Renamed lesson"
    second.save_revision()
    assert outline_titles(client, first.url) == ["Lesson 1.1", "Lesson 1.2"]  # a draft changes nothing yet
    second.get_latest_revision().publish()
    assert outline_titles(client, first.url) == ["Lesson 1.1", "Renamed lesson"]


def test_a_lesson_moved_to_another_course_leaves_one_outline_and_joins_the_other(client):
    source = make_course(modules=1, lessons_per_module=2, free_preview=True)
    target = make_course(modules=1, lessons_per_module=1, free_preview=True)
    moving = lessons(source)[1]
    assert outline_titles(client, lessons(source)[0].url) == ["Lesson 1.1", "Lesson 1.2"]
    assert outline_titles(client, lessons(target)[0].url) == ["Lesson 1.1"]
    moving.move(ModulePage.objects.child_of(target).get(), pos="last-child")
    assert outline_titles(client, lessons(source)[0].url) == ["Lesson 1.1"]
    assert outline_titles(client, lessons(target)[0].url) == ["Lesson 1.1", "Lesson 1.2"]
    moved = LessonPage.objects.get(pk=moving.pk)
    soup = BeautifulSoup(client.get(lessons(target)[0].url).content, "html.parser")
    assert soup.select(".outline li a")[1]["href"] == moved.url


def test_a_very_large_course_lists_only_the_current_module_on_an_item_page(client, monkeypatch):
    monkeypatch.setattr("content.selectors.OUTLINE_COLLAPSE_AFTER", 3)
    course = make_course(modules=2, lessons_per_module=2, free_preview=True)
    third = lessons(course)[2]
    soup = BeautifulSoup(client.get(third.url).content, "html.parser")
    assert [a.get_text(strip=True).split(":")[-1] for a in soup.select(".outline li a")] == [
        "Lesson 2.1",
        "Lesson 2.2",
    ]
    first_module = ModulePage.objects.child_of(course).order_by("path").first()
    collapsed = soup.select_one(".outline .outline-collapsed a")
    assert collapsed["href"] == f"{course.url}?module={first_module.pk}#module-{first_module.pk}"
    assert "2 items" in collapsed.get_text()
    assert syllabus_titles(client, course) == []  # the course page lists modules (tests/content/test_large_syllabus.py)


def test_an_outline_is_unpickled_once_per_process_and_read_again_after_a_change():
    course = make_course(modules=1, lessons_per_module=2)
    first = course_outline(course=course)
    assert course_outline(course=course) is first
    lesson = lessons(course)[0]
    lesson.title = "Renamed lesson"
    lesson.save_revision().publish()
    course.refresh_from_db()
    changed = course_outline(course=course)
    assert changed is not first
    assert changed.items[0].title == "Renamed lesson"


def test_outline_titles_are_escaped(client):
    course = make_course(modules=1, lessons_per_module=1, free_preview=True)
    lesson = lessons(course)[0]
    lesson.title = '<b>Tags</b> & "quotes"'
    lesson.save_revision().publish()
    html = client.get(LessonPage.objects.get(pk=lesson.pk).url).content.decode()
    assert "<b>Tags</b>" not in html
    assert "&lt;b&gt;Tags&lt;/b&gt; &amp; &quot;quotes&quot;" in html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one('.outline a[aria-current="page"]').get_text().endswith('<b>Tags</b> & "quotes"')


def test_an_outline_read_with_a_request_reuses_its_site_root_paths(rf, monkeypatch):
    """With the request, the course URL uses the root paths Wagtail keeps on it: no second cache read."""
    from wagtail.models import Site

    course = make_course(modules=1, lessons_per_module=2)
    request = rf.get("/")
    reads = []
    original = Site.get_site_root_paths
    monkeypatch.setattr(Site, "get_site_root_paths", lambda: reads.append(1) or original())
    assert course.get_url(request=request)  # as the page's own {% pageurl %} does first
    outline = course_outline(course=course, request=request)
    assert len(reads) == 1
    assert outline.items[0].url == LessonPage.objects.get(pk=lessons(course)[0].pk).get_url(request=request)
    assert outline.url == course.get_url(request=request)  # built from the url_path, as Wagtail gives it
    assert outline is course_outline(course=course)  # same URL, so the same cached outline


def test_a_request_reads_a_course_s_outline_once_per_language(rf, monkeypatch):
    from django.core.cache import cache

    course = make_course(modules=1, lessons_per_module=2)
    request = rf.get("/")
    first = course_outline(course=course, request=request)
    reads = []
    original = cache.get
    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: reads.append(args) or original(*args, **kwargs))
    assert course_outline(course=course, request=request) is first
    assert reads == []  # not even the version
    with translation.override("fr"):
        french = course_outline(course=course, request=request)
    assert french is not first and reads  # another language is another outline
    assert course_outline(course=course, request=rf.get("/")) is first  # another request: from the process's LRU
