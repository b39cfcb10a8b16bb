"""The outline is built in Python from markup escaped once per outline module and item (an untouched module is the
same markup on every page); the syllabus is rendered by templates, module by module, and each module's fragment is
cached per course revision, language and learner states."""

import pytest
from bs4 import BeautifulSoup
from django.utils import translation

from content.models import LessonPage
from content.selectors import course_outline
from content.templatetags.content_tags import SYLLABUS_MODULE_TEMPLATE, outline_fragments
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


def test_an_item_page_builds_its_outline_without_a_template_or_the_cache(client, renders):
    course = make_course(modules=2, lessons_per_module=2, free_preview=True)
    first = lessons(course)[0]
    page = soup(client.get(first.url))
    again = soup(client.get(first.url))
    assert renders == []  # no fragment template rendered, none read from the cache
    assert str(again.select_one(".outline")) == str(page.select_one(".outline"))
    assert again.select_one('.outline a[aria-current="page"]')["href"] == first.url
    assert [h3.get_text() for h3 in page.select(".outline h3")] == ["1. Module 1", "2. Module 2"]


def test_the_current_item_moves_from_page_to_page(client):
    course = make_course(modules=2, lessons_per_module=2, free_preview=True)
    first, second, third, _ = lessons(course)
    client.get(first.url)
    page = soup(client.get(second.url))
    assert page.select_one('.outline a[aria-current="page"]')["href"] == second.url
    assert len(page.select('.outline a[aria-current="page"]')) == 1
    page = soup(client.get(third.url))
    assert page.select_one('.outline a[aria-current="page"]')["href"] == third.url
    assert len(page.select('.outline a[aria-current="page"]')) == 1


def test_an_untouched_module_is_built_once_per_outline():
    course = make_course(modules=2, lessons_per_module=2)
    outline = course_outline(course=course)
    current = outline.items[0].id
    first = outline_fragments(outline, outline.sections(states={}), current, course.url)
    assert set(outline.modules[1].__dict__["_outline_markup"]) == {("heading", 2), ("items", "en")}
    outline.modules[1].__dict__["_outline_markup"][("items", "en")] = "kept"
    again = outline_fragments(outline, outline.sections(states={}), current, course.url)
    assert again[1].endswith("kept") and again[0] == first[0]  # the module with the current item is built afresh


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


def test_the_outline_changes_after_a_new_revision_is_published(client):
    course = make_course(modules=1, lessons_per_module=2, free_preview=True)
    first, second = lessons(course)
    client.get(first.url)
    second.title = "Renamed lesson"
    second.save_revision().publish()
    page = soup(client.get(first.url))
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


def test_each_language_has_its_own_outline():
    course = make_course(modules=1, lessons_per_module=1)
    outline = course_outline(course=course)
    item_id = outline.items[0].id
    english = outline_fragments(outline, outline.sections(states={}), item_id, course.url)
    with translation.override("fr"):
        french_outline = course_outline(course=course)  # read in French: its item kinds are French
        french = outline_fragments(french_outline, french_outline.sections(states={}), item_id, course.url)
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
    assert [name for name in renders if name == SYLLABUS_MODULE_TEMPLATE] == [SYLLABUS_MODULE_TEMPLATE]
    assert rendered[1] == rendered[0]  # the second round was read from the cache, still escaped


def test_the_current_item_is_marked_among_items_with_states(client):
    """Two pages of one module whose items have the same states differ in the item marked current."""
    course = make_course(modules=1, lessons_per_module=3)
    first, second, _third = lessons(course)
    learner = make_user()
    enrolment_create(user=learner, course=course)
    lesson_complete(user=learner, lesson=first)
    lesson_complete(user=learner, lesson=second)
    client.force_login(learner)
    for lesson in (first, second, first):
        page = soup(client.get(lesson.url))
        assert [a["href"] for a in page.select('.outline a[aria-current="page"]')] == [lesson.url]
        assert len(page.select(".outline .item-state-complete")) == 2


def test_the_views_of_every_module_read_in_one_pass_are_each_module_s_own():
    """`_learner_views` goes over the learner's states once; it must show what `_learner_view` shows module by
    module: items in outline order, an untouched current item, nothing of rows whose item left the outline, and
    nothing in a collapsed module."""
    from content.selectors import OutlineSection
    from content.templatetags.content_tags import _learner_view, _learner_views

    course = make_course(modules=3, lessons_per_module=3)
    outline = course_outline(course=course)
    ids = [item.id for item in outline.items]
    states = {
        ids[7]: {"state": "complete", "label": "Complete"},
        ids[1]: {"state": "in_progress", "label": "In progress"},
        ids[0]: {"state": "complete", "label": "Complete"},
        ids[4]: {},  # no state: not shown
        999_999: {"state": "complete", "label": "Complete"},  # an item no longer in the course
    }
    for current in (ids[2], ids[1], ids[5], None):
        sections = outline.sections(states=states)
        sections[2] = OutlineSection(module=sections[2].module, states=states, collapsed=True)
        views = _learner_views(outline, sections, current)
        assert views == {
            section.module.id: _learner_view(section, current)
            for section in sections
            if _learner_view(section, current)
        }
    assert views[outline.modules[0].id] == ((ids[0], "complete", "Complete"), (ids[1], "in_progress", "In progress"))
    other = outline.sections(states=dict(states))
    assert _learner_views(outline, [*sections[:1], *other[1:]], None) is None  # two learners' states: one by one


def test_a_long_course_s_outline_builds_only_its_listed_module_and_shows_what_every_module_built_shows(monkeypatch):
    """`outline_markup` keeps the collapsed modules around the listed one as two strings: the page must read as if
    every module were built, for any listed module, a learner's states and the current item."""
    from content.templatetags import content_tags

    monkeypatch.setattr("content.selectors.OUTLINE_COLLAPSE_AFTER", 3)
    course = make_course(modules=4, lessons_per_module=2)
    outline = course_outline(course=course)
    assert outline.collapses
    states = {outline.items[2].id: {"state": "complete", "label": "Complete"}}
    for item in outline.items:
        module = outline.items[outline.position(item.id)].module_id
        for shown in ({}, states):
            sections = outline.sections(states=shown, current_module_id=module)
            whole = "".join(f"{fragment}\n" for fragment in outline_fragments(outline, sections, item.id, course.url))
            assert content_tags.outline_markup(outline, sections, item.id, course.url) == whole
            assert content_tags.outline_markup(outline, sections, item.id, course.url) == whole  # from what is kept
    assert "4. <span>Module 4</span>" in whole and 'aria-current="page"' in whole
    monkeypatch.setattr(content_tags, "outline_fragments", lambda *args, **kwargs: [])
    assert content_tags.outline_markup(outline, sections, item.id, course.url).count("<span>Module 1</span>") == 1
