"""The dashboard's courses in progress are rendered by a template, one entry per course, each cached by what it
shows and the language."""

import pytest
from bs4 import BeautifulSoup

from progress.services import lesson_complete
from progress.templatetags.progress_tags import DASHBOARD_ENTRY_TEMPLATE
from tests.fragments import fragment_renders
from tests.progress.factories import build_course, enrolled, items_of, learner

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    return fragment_renders(monkeypatch)


def entries(client, url="/dashboard/"):
    page = BeautifulSoup(client.get(url).content, "html.parser")
    return page.select("#in-progress-heading ~ .dashboard-list .dashboard-course")


def test_an_entry_is_rendered_once_and_again_only_when_what_it_shows_changes(client, renders):
    user = learner()
    first = build_course(title="Containers", modules=1, lessons_per_module=4)
    second = build_course(title="Linux", modules=1, lessons_per_module=2)
    enrolled(first, user)
    enrolled(second, user)
    client.force_login(user)
    shown = entries(client)
    assert sorted(entry.h3.get_text() for entry in shown) == ["Containers", "Linux"]
    assert renders == [DASHBOARD_ENTRY_TEMPLATE] * 2
    assert [str(entry) for entry in entries(client)] == [str(entry) for entry in shown]
    assert renders == [DASHBOARD_ENTRY_TEMPLATE] * 2
    lesson_complete(user=user, lesson=items_of(first)[0])
    after = {entry.h3.get_text(): entry for entry in entries(client)}
    assert renders == [DASHBOARD_ENTRY_TEMPLATE] * 3  # only the course that moved
    assert after["Containers"].select_one("progress")["value"] == "25"
    assert after["Linux"].select_one("progress")["value"] == "0"


def test_a_renamed_course_shows_its_new_title_once_published(client, renders):
    user = learner()
    course = build_course(title="Containers", modules=1, lessons_per_module=2)
    enrolled(course, user)
    client.force_login(user)
    assert entries(client)[0].h3.get_text() == "Containers"
    course.title = "Containers in production"
    course.save_revision().publish()
    assert entries(client)[0].h3.get_text() == "Containers in production"
    assert renders == [DASHBOARD_ENTRY_TEMPLATE] * 2


def test_each_language_has_its_own_entry(client, renders):
    user = learner()
    enrolled(build_course(title="Containers", modules=1, lessons_per_module=2), user)
    client.force_login(user)
    entries(client)
    entries(client, "/fr/dashboard/")
    assert renders == [DASHBOARD_ENTRY_TEMPLATE] * 2


def test_a_course_title_with_a_script_is_escaped_when_rendered_and_when_read_from_the_cache(client, renders):
    user = learner()
    enrolled(build_course(title="<script>alert(1)</script>", modules=1, lessons_per_module=2), user)
    client.force_login(user)
    for _ in range(2):
        html = client.get("/dashboard/").content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert renders == [DASHBOARD_ENTRY_TEMPLATE]
