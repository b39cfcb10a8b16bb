"""The instructor's report in the Wagtail admin: learners, module funnel, CSV, recompute; only for the course's editors."""

import csv
import io

import pytest
from bs4 import BeautifulSoup

from progress.services import enrolment_create, lesson_complete
from tests.factories import make_user
from tests.progress.factories import build_course, items_of, learner

pytestmark = pytest.mark.django_db


def refused(response):
    """Wagtail's admin turns PermissionDenied into a redirect to the dashboard with an error message."""
    return response.status_code == 302 and response["Location"] == "/admin/"


@pytest.fixture
def taught():
    instructor = make_user(instructor=True)
    course = build_course(modules=2, lessons_per_module=1, instructors=[instructor])
    done, started = learner(display_name="Dana Done"), learner(display_name="=HYPERLINK(evil)")
    for user in (done, started):
        enrolment_create(user=user, course=course)
    for lesson in items_of(course):
        lesson_complete(user=done, lesson=lesson)
    lesson_complete(user=started, lesson=items_of(course)[0])
    return instructor, course


def test_the_instructor_reads_learners_and_the_module_funnel(client, taught):
    instructor, course = taught
    client.force_login(instructor)
    response = client.get(f"/admin/progress/courses/{course.pk}/")
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    assert "Dana Done" in page.get_text()
    assert len(page.select("svg rect")) == 4
    funnel = [
        [td.get_text(strip=True) for td in row.select("td")] for row in page.select("table")[0].select("tbody tr")
    ]
    assert funnel[0][1:] == ["2 (100%)", "2 (100%)"]
    assert funnel[1][1:] == ["1 (50%)", "1 (50%)"]


def test_another_instructor_may_not_read_the_report(client, taught):
    _, course = taught
    other = make_user(instructor=True)
    build_course(instructors=[other])
    client.force_login(other)
    for url in (f"/admin/progress/courses/{course.pk}/", f"/admin/progress/courses/{course.pk}/learners.csv"):
        assert refused(client.get(url))


def test_the_csv_export_lists_every_learner_and_defuses_formulas(client, taught):
    instructor, course = taught
    client.force_login(instructor)
    response = client.get(f"/admin/progress/courses/{course.pk}/learners.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 3
    names = sorted(row[0] for row in rows[1:])
    assert names == ["'=HYPERLINK(evil)", "Dana Done"]


def test_the_admin_recompute_action_reports_what_changed(client, taught):
    instructor, course = taught
    client.force_login(instructor)
    response = client.post(f"/admin/progress/courses/{course.pk}/recompute/", follow=True)
    assert "Recomputed 2 enrolments" in response.content.decode()


def test_an_instructor_may_not_reset_completions_from_the_admin(client, taught):
    instructor, course = taught
    client.force_login(instructor)
    response = client.post(f"/admin/progress/courses/{course.pk}/recompute/", {"reset_completion": "on"})
    assert refused(response)


def test_the_admin_menu_lists_only_the_courses_the_instructor_edits(client, taught):
    instructor, course = taught
    build_course(title="Someone else's course")
    client.force_login(instructor)
    page = BeautifulSoup(client.get("/admin/progress/").content, "html.parser")
    assert [a.get_text() for a in page.select("table a")] == [course.title]
