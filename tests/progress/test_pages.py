"""The learner's pages: enrol box, mark complete (htmx and plain), unenrol, dashboard empty and full."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from progress.models import Enrolment, EnrolmentStatus, ItemState
from progress.services import lesson_complete
from tests.progress.factories import build_course, enrolled, items_of, learner

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def test_a_visitor_sees_a_log_in_to_enrol_link_on_a_free_course(client):
    course = build_course()
    box = soup(client.get(course.url)).select_one(".enrol-box")
    assert "Log in to enrol for free" in box.get_text()


def test_a_paid_course_says_plainly_that_buying_is_not_open_yet(client):
    course = build_course(price="249.00")
    client.force_login(learner())
    box = soup(client.get(course.url)).select_one(".enrol-box")
    assert box.select_one("button[disabled]") is not None
    assert "Coming soon" in box.get_text()


def test_a_learner_enrols_with_one_click_and_sees_their_progress(client):
    course = build_course()
    user = learner()
    client.force_login(user)
    response = client.post(f"/learning/courses/{course.pk}/enrol/", follow=True)
    assert Enrolment.objects.get(user=user, course=course).is_active
    page = soup(response)
    assert "You are enrolled" in page.get_text()
    assert page.select_one("#course-progress progress")["value"] == "0"
    assert page.select_one(".enrol-box a.button").get_text(strip=True).startswith("Start the course")


def test_a_missing_prerequisite_is_listed_instead_of_the_enrol_button(client):
    prerequisite = build_course(title="Linux for the Cloud")
    course = build_course()
    course.prerequisites.set([prerequisite])
    course.save_revision().publish()
    client.force_login(learner())
    box = soup(client.get(course.url)).select_one(".enrol-box")
    assert "Linux for the Cloud" in box.get_text()
    assert box.select_one("form") is None


def test_a_visitor_posting_enrol_is_sent_to_log_in(client):
    course = build_course()
    response = client.post(f"/learning/courses/{course.pk}/enrol/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_marking_a_lesson_complete_with_htmx_returns_the_button_and_out_of_band_bars(client):
    course = build_course(modules=2, lessons_per_module=2)
    enrolment = enrolled(course)
    lesson = items_of(course)[0]
    client.force_login(enrolment.user)
    response = client.post(f"/learning/items/{lesson.pk}/complete/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = soup(response)
    assert "Lesson complete" in page.select_one('[role="status"]').get_text()
    module_bar = page.select_one(f"#module-progress-{lesson.get_parent().pk}")
    assert module_bar["hx-swap-oob"] == "true"
    assert module_bar.select_one("progress")["value"] == "50"
    assert page.select_one("#course-progress")["hx-swap-oob"] == "true"
    assert page.select_one("#course-progress progress")["value"] == "25"


def test_marking_a_lesson_complete_with_htmx_updates_its_outline_item_out_of_band(client):
    course = build_course(modules=2, lessons_per_module=2)
    enrolment = enrolled(course)
    lesson = items_of(course)[0]
    client.force_login(enrolment.user)
    before = soup(client.get(lesson.url)).select_one(f"#outline-item-{lesson.pk}")
    response = client.post(f"/learning/items/{lesson.pk}/complete/", headers={"HX-Request": "true"})
    item = soup(response).select_one(f"#outline-item-{lesson.pk}")
    assert "item-state-complete" not in str(before)
    assert item["hx-swap-oob"] == "true"
    assert item.select_one(".item-state-complete") is not None
    assert item.select_one(f'a[href="{lesson.url}"]')["aria-current"] == "page"


def test_marking_a_lesson_complete_without_javascript_redirects_back_to_the_lesson(client):
    course = build_course()
    enrolment = enrolled(course)
    lesson = items_of(course)[0]
    client.force_login(enrolment.user)
    response = client.post(f"/learning/items/{lesson.pk}/complete/")
    assert response.status_code == 302
    assert response["Location"] == lesson.url
    assert enrolment.item_progress.get(item=lesson).state == ItemState.COMPLETE


def test_the_lesson_page_shows_the_mark_complete_button_and_progress_to_an_enrolled_learner(client):
    course = build_course()
    enrolment = enrolled(course)
    lesson = items_of(course)[0]
    client.force_login(enrolment.user)
    page = soup(client.get(lesson.url))
    form = page.select_one("#lesson-complete form")
    assert form["hx-post"] == f"/learning/items/{lesson.pk}/complete/"
    assert page.select_one(".progress-panel-bars")["aria-live"] == "polite"
    # The lesson's status is a live region in the page from the start; an answer replaces only its text.
    status = page.select_one("#lesson-complete #lesson-complete-status")
    assert status.parent["role"] == "status"
    assert status.get_text(strip=True) == ""  # empty until the lesson is complete
    assert form["hx-target"] == "#lesson-complete-action"
    assert form["hx-select-oob"] == "#lesson-complete-status:innerHTML"
    answer = soup(client.post(f"/learning/items/{lesson.pk}/complete/", headers={"HX-Request": "true"}))
    assert "Lesson complete" in answer.select_one("#lesson-complete-status").get_text()
    assert answer.select_one("#lesson-complete-action form") is None


def test_a_course_that_completes_lessons_at_their_end_posts_when_the_end_is_revealed(client):
    course = build_course(lessons_complete_at_end=True)
    enrolment = enrolled(course)
    client.force_login(enrolment.user)
    marker = soup(client.get(items_of(course)[0].url)).select_one(".lesson-end-marker")
    assert marker["hx-trigger"] == "revealed"


def test_a_learner_who_is_not_enrolled_cannot_mark_a_lesson_complete(client):
    course = build_course()
    client.force_login(learner())
    lesson = items_of(course)[0]
    response = client.post(f"/learning/items/{lesson.pk}/complete/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == lesson.url
    assert not lesson.learner_progress.exists()


def test_the_course_page_tells_an_enrolled_learner_what_is_missing(client):
    course = build_course(modules=1, lessons_per_module=3)
    enrolment = enrolled(course)
    lesson_complete(user=enrolment.user, lesson=items_of(course)[0])
    client.force_login(enrolment.user)
    page = soup(client.get(course.url))
    assert "2 required items to complete" in page.select_one(".completion-status").get_text()
    assert len(page.select(".item-state-complete")) == 1


def test_unenrolling_asks_for_confirmation_then_keeps_the_records(client):
    course = build_course()
    enrolment = enrolled(course)
    lesson_complete(user=enrolment.user, lesson=items_of(course)[0])
    client.force_login(enrolment.user)
    confirm = client.get(f"/learning/courses/{course.pk}/unenrol/")
    assert "Leave" in soup(confirm).select_one("h1").get_text()
    response = client.post(f"/learning/courses/{course.pk}/unenrol/")
    assert response["Location"] == "/dashboard/"
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.UNENROLLED
    assert enrolment.item_progress.count() == 1


def test_the_dashboard_needs_a_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_empty_dashboard_invites_to_the_catalog(client):
    client.force_login(learner())
    page = soup(client.get("/dashboard/"))
    assert "not enrolled in any course yet" in page.get_text()
    assert page.select_one(".empty-state a")["href"] == "/courses/"


def test_the_dashboard_shows_courses_in_progress_and_completed(client):
    user = learner()
    studying = build_course(title="Containers", modules=1, lessons_per_module=4)
    done = build_course(title="Linux", modules=1, lessons_per_module=1)
    enrolled(studying, user)
    enrolled(done, user)
    lesson_complete(user=user, lesson=items_of(done)[0])
    lessons = items_of(studying)
    lesson_complete(user=user, lesson=lessons[0])
    client.force_login(user)
    client.get(lessons[2].url)  # opened, not completed: this is what Resume opens
    page = soup(client.get("/dashboard/"))
    current = page.select_one("#in-progress-heading").find_parent("section")
    assert "Containers" in current.get_text()
    assert current.select_one("progress")["value"] == "25"
    assert current.select_one(".next-item a")["href"] == lessons[1].url
    assert "About 60 minutes left" in current.get_text()
    assert current.select_one("a.button")["href"] == lessons[2].url
    completed = page.select_one("#completed-heading").find_parent("section")
    assert "Linux" in completed.get_text()
    assert "grade 100%" in completed.get_text()


def test_the_dashboard_shows_the_final_grade_of_a_graded_course(client):
    from progress.services import item_result_record
    from tests.progress.factories import add_lesson, add_module, at

    user = learner()
    course = build_course(modules=0, pass_mark=Decimal("50"))
    quiz = add_lesson(add_module(course), grade_weight=Decimal("1"))
    enrolled(course, user)
    item_result_record(user=user, item=quiz, completed=True, score=Decimal("87.5"), occurred_at=at(1))
    client.force_login(user)
    assert "grade 87.5%" in soup(client.get("/dashboard/")).get_text()


@pytest.mark.parametrize(
    ("minutes_left", "text"),
    [(1, "About 1 minute left"), (119, "About 119 minutes left"), (150, "About 2.5 hours left")],
)
def test_a_dashboard_entry_says_the_time_left_in_minutes_then_in_hours(minutes_left, text):
    from datetime import UTC, datetime

    from progress.selectors import DashboardCourse

    entry = DashboardCourse(
        enrolment_id=1,
        enrolled_at=datetime(2026, 1, 1, tzinfo=UTC),
        course_id=1,
        course_title="Course",
        course_url="/courses/c/",
        percent=10,
        minutes_left=minutes_left,
        next_item_title="",
        next_item_url="",
        resume_url="/courses/c/",
        completed_at=None,
        final_grade=None,
    )
    assert entry.time_left == text
