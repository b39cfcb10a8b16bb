"""The outline and syllabus are rendered by templates, module by module, and each module's fragment is cached per
course revision, language, learner states and current item."""

import pytest
from bs4 import BeautifulSoup
from django.utils import translation

from content.models import LessonPage
from content.selectors import course_outline
from content.templatetags.content_tags import OUTLINE_SECTION_TEMPLATE, SYLLABUS_MODULE_TEMPLATE, outline_fragments
from progress.services import enrolment_create, lesson_complete
from tests.factories import make_course, make_user
from tests.fragments import fragment_renders

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    return fragment_renders(monkeypatch)


def lessons(course):
    return list(LessonPage.objects.descendant_of(course).order_by("path"))


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def test_an_item_page_renders_each_module_of_its_outline_once_then_reads_it_from_the_cache(client, renders):
    course = make_course(modules=2, lessons_per_module=2, free_preview=True)
    first = lessons(course)[0]
    page = soup(client.get(first.url))
    assert renders == [OUTLINE_SECTION_TEMPLATE] * 2
    again = soup(client.get(first.url))
    assert renders == [OUTLINE_SECTION_TEMPLATE] * 2
    assert str(again.select_one(".outline")) == str(page.select_one(".outline"))
    assert again.select_one('.outline a[aria-current="page"]')["href"] == first.url


def test_another_item_page_renders_only_the_module_its_current_item_is_in(client, renders):
    course = make_course(modules=2, lessons_per_module=2, free_preview=True)
    first, second, third, _ = lessons(course)
    client.get(first.url)
    renders.clear()
    page = soup(client.get(second.url))
    assert renders == [OUTLINE_SECTION_TEMPLATE]  # module 2 is the same fragment on both pages
    assert page.select_one('.outline a[aria-current="page"]')["href"] == second.url
    assert len(page.select('.outline a[aria-current="page"]')) == 1
    renders.clear()
    page = soup(client.get(third.url))
    assert renders == [OUTLINE_SECTION_TEMPLATE] * 2  # module 1 without a current item, module 2 with one
    assert page.select_one('.outline a[aria-current="page"]')["href"] == third.url


def test_a_learners_states_are_their_own_though_fragments_are_shared(client):
    course = make_course(modules=1, lessons_per_module=2)
    first, second = lessons(course)
    done, fresh = make_user(), make_user()
    enrolment_create(user=done, course=course)
    enrolment_create(user=fresh, course=course)
    lesson_complete(user=done, lesson=first)
    client.force_login(done)
    assert soup(client.get(second.url)).select(f"#outline-item-{first.pk} .item-state-complete")
    assert soup(client.get(course.url)).select(".syllabus-items .item-state-complete")
    client.force_login(fresh)
    assert not soup(client.get(second.url)).select(".outline .item-state-complete")
    assert not soup(client.get(course.url)).select(".syllabus-items .item-state-complete")


def test_the_outline_fragment_changes_after_a_new_revision_is_published(client, renders):
    course = make_course(modules=1, lessons_per_module=2, free_preview=True)
    first, second = lessons(course)
    client.get(first.url)
    renders.clear()
    client.get(first.url)
    assert renders == []
    second.title = "Renamed lesson"
    second.save_revision().publish()
    page = soup(client.get(first.url))
    assert renders == [OUTLINE_SECTION_TEMPLATE]
    assert page.select(".outline li a")[1].get_text().endswith("Renamed lesson")


def syllabus_renders(renders):
    """The syllabus modules rendered (the course page also caches its description and facts: content.views)."""
    return [name for name in renders if name == SYLLABUS_MODULE_TEMPLATE]


def test_the_syllabus_fragment_changes_after_a_new_revision_is_published(client, renders):
    course = make_course(modules=2, lessons_per_module=1)
    client.get(course.url)
    assert syllabus_renders(renders) == [SYLLABUS_MODULE_TEMPLATE] * 2
    renders.clear()
    client.get(course.url)
    assert renders == []
    lesson = lessons(course)[1]
    lesson.title = "Renamed lesson"
    lesson.save_revision().publish()
    titles = [a.get_text() for a in soup(client.get(course.url)).select(".syllabus-items a")]
    assert titles == ["Lesson 1.1", "Renamed lesson"]
    assert syllabus_renders(renders) == [SYLLABUS_MODULE_TEMPLATE] * 2


def test_each_language_has_its_own_fragment(rf, renders):
    course = make_course(modules=1, lessons_per_module=1)
    outline = course_outline(course=course)
    sections = outline.sections(states={})
    item_id = outline.items[0].id
    english = outline_fragments(outline, sections, item_id, course.url)
    assert outline_fragments(outline, sections, item_id, course.url) == english
    assert len(renders) == 1
    with translation.override("fr"):
        french_outline = course_outline(course=course)  # read in French: its item kinds are French
        french = outline_fragments(french_outline, french_outline.sections(states={}), item_id, course.url)
    assert len(renders) == 2  # the key names the language
    assert "Lesson: " in "".join(english) and "Leçon\u00a0: " in "".join(french)


def test_a_title_with_a_script_is_escaped_when_rendered_and_when_read_from_the_cache(client, renders):
    course = make_course(modules=1, lessons_per_module=2, free_preview=True)
    first, second = lessons(course)
    second.title = "<script>alert(1)</script>"
    second.save_revision().publish()
    rendered = []
    for _ in range(2):
        for url in (first.url, course.url):
            html = client.get(url).content.decode()
            assert "<script>alert(1)</script>" not in html
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        rendered.append(len(renders))
    assert [name for name in renders if name in (OUTLINE_SECTION_TEMPLATE, SYLLABUS_MODULE_TEMPLATE)] == [
        OUTLINE_SECTION_TEMPLATE,
        SYLLABUS_MODULE_TEMPLATE,
    ]
    assert rendered[1] == rendered[0]  # the second round was read from the cache, still escaped
