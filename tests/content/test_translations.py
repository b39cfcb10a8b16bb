"""Two languages, one course (content/translations.py): a translation's pages show its words, and everything a
learner does there belongs to the original."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from assessments.models import Attempt, AttemptState, QuizPage
from badges.models import Award, Issuer
from badges.services import issuer_key_create
from content.models import CoursePage, LessonPage
from content.translations import original_id, original_page
from progress.models import Enrolment, ItemProgress
from tests.assessments.factories import make_quiz, single_choice
from tests.badges.conftest import make_achievement
from tests.factories import make_course, make_user, translate_course

pytestmark = pytest.mark.django_db

PAGE = {"HTTP_ACCEPT": "text/html"}


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def lessons(course: CoursePage) -> list[LessonPage]:
    return list(LessonPage.objects.live().descendant_of(course).order_by("path"))


def quiz_of(course: CoursePage) -> QuizPage:
    return QuizPage.objects.live().descendant_of(course).get()


def test_a_translation_and_its_pages_map_to_their_originals():
    course = make_course(modules=1, lessons_per_module=2)
    french = translate_course(course)
    assert original_page(french) == course
    assert [original_id(page) for page in lessons(french)] == [page.pk for page in lessons(course)]
    assert original_page(course) is course  # an original is its own, without a query


def test_the_french_course_page_shows_the_french_outline_and_enrols_in_the_original(client):
    course = make_course(title="Linux", modules=1, lessons_per_module=2)
    french = translate_course(course)
    user = make_user()
    client.force_login(user)
    page = soup(client.get(french.url, **PAGE))
    assert page.html["lang"] == "fr" and page.h1.get_text(strip=True) == "FR Linux"
    assert [a.get_text(strip=True) for a in page.select(".syllabus-items a")] == ["FR Lesson 1.1", "FR Lesson 1.2"]
    assert all(a["href"].startswith("/fr/") for a in page.select(".syllabus-items a"))
    enrol_action = page.select_one("form[action*='/enrol/']")["action"]
    response = client.post(enrol_action)
    assert response.status_code == 302 and response["Location"] == french.url
    assert Enrolment.objects.get(user=user).course_id == course.pk


def test_an_item_not_translated_yet_is_listed_in_its_own_language_and_served_in_the_readers_chrome(client):
    course = make_course(title="Linux", modules=1, lessons_per_module=1)
    french = translate_course(course)
    module = course.get_children().get().specific
    extra = LessonPage(title="Late lesson", estimated_minutes=5, body=[], live=True, free_preview=True)
    module.add_child(instance=extra)
    page = soup(client.get(french.url, **PAGE))
    late = page.find("a", string="Late lesson")
    assert late["lang"] == "en" and late["href"] == f"/fr{extra.url}"
    served = client.get(late["href"], **PAGE)
    assert served.status_code == 200
    lesson_page = soup(served)
    assert lesson_page.html["lang"] == "fr" and lesson_page.h1["lang"] == "en"
    assert lesson_page.select(".breadcrumbs a")[1].get_text(strip=True) == "FR Linux"


def test_the_catalog_shows_each_course_once_in_the_readers_language_with_its_languages(client):
    translated = make_course(title="Linux", modules=0)
    translate_course(translated)
    make_course(title="Networking", modules=0)
    english = soup(client.get("/courses/", **PAGE))
    assert sorted(a.get_text(strip=True) for a in english.select(".card-title a")) == ["Linux", "Networking"]
    french = soup(client.get("/fr/courses/", **PAGE))
    cards = {a.get_text(strip=True): a for a in french.select(".card-title a")}
    assert sorted(cards) == ["FR Linux", "Networking"]
    assert cards["Networking"]["lang"] == "en" and not cards["FR Linux"].has_attr("lang")
    facts = cards["FR Linux"].find_parent(class_="course-card").select_one(".facts").get_text(" ", strip=True)
    assert "Anglais et français" in facts


def test_the_language_filter_finds_a_course_by_any_language_it_has(client):
    translated = make_course(title="Linux", modules=0)
    translate_course(translated)
    make_course(title="Networking", modules=0)
    titles = [a.get_text(strip=True) for a in soup(client.get("/courses/?language=fr", **PAGE)).select(".card-title a")]
    assert titles == ["Linux"]


def test_a_search_in_either_language_finds_the_course_in_the_readers_language(client):
    translated = make_course(title="Linux", modules=0)
    translate_course(translated)
    response = client.get("/courses/?q=Linux", **PAGE)
    assert [a.get_text(strip=True) for a in soup(response).select(".card-title a")] == ["Linux"]


def test_a_learner_switching_language_halfway_keeps_progress_attempts_and_earns_one_badge(
    client, django_capture_on_commit_callbacks
):
    issuer = Issuer.objects.create(name="Stackable Academy", slug="academy", url="https://academy.example/")
    issuer_key_create(issuer=issuer)
    course = make_course(title="Linux", modules=1, lessons_per_module=2)
    make_quiz(course=course, questions=[single_choice()], grade_weight=1)
    achievement = make_achievement(issuer, course=course)
    french = translate_course(course)
    user = make_user()
    client.force_login(user)
    first, second = lessons(course)
    french_second = lessons(french)[1]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/learning/courses/{course.pk}/enrol/")
        client.post(f"/learning/items/{first.pk}/complete/")  # in English
        switched = client.get(french_second.url, **PAGE)  # switches to French
        assert switched.status_code == 200, switched.get("Location")
        client.post(f"/fr/learning/items/{french_second.pk}/complete/")
        french_quiz = quiz_of(french)
        client.post(f"/fr/learning/quizzes/{french_quiz.pk}/start/")
        attempt = Attempt.objects.get(learner=user)
        key = attempt.question_keys[0]  # single_choice: "a" is right; the form posts its position as shown
        answer = {f"q-{key}": str(attempt.choice_order[key].index("a")), "action": "submit"}
        assert client.post(f"/fr/learning/attempts/{attempt.pk}/answers/", answer).status_code == 302

    assert Enrolment.objects.filter(user=user).count() == 1
    assert set(ItemProgress.objects.filter(enrolment__user=user).values_list("item_id", flat=True)) == {
        first.pk,
        second.pk,
        quiz_of(course).pk,
    }
    attempt.refresh_from_db()
    assert attempt.quiz_id == quiz_of(course).pk and attempt.state == AttemptState.GRADED
    assert attempt.revision.object_id == str(french_quiz.pk)  # the questions were served in French
    assert Award.objects.filter(learner=user, achievement=achievement).count() == 1
    assert Enrolment.objects.get(user=user).completed_at is not None
    # Both languages' pages show the same record.
    for page in (course, french):
        text = soup(client.get(page.url, **PAGE)).select_one(".course-aside").get_text(" ", strip=True)
        assert "100" in text


def test_the_dashboard_names_a_translated_course_and_its_next_item_in_the_readers_language(client):
    course = make_course(title="Linux", modules=1, lessons_per_module=2)
    french = translate_course(course)
    untranslated = make_course(title="Networking", modules=1, lessons_per_module=1)
    user = make_user()
    client.force_login(user)
    for enrolling in (course, untranslated):
        client.post(f"/learning/courses/{enrolling.pk}/enrol/")
    page = soup(client.get("/fr/dashboard/", **PAGE))
    titles = [h.get_text(" ", strip=True) for h in page.select(".dashboard-course h3")]
    assert any("FR Linux" in title for title in titles) and any("Networking" in title for title in titles)
    links = {a["href"] for a in page.select(".dashboard-course a")}
    assert french.url in links and lessons(french)[0].url in links
    english = soup(client.get("/dashboard/", **PAGE))
    assert "FR Linux" not in english.get_text()


def test_deleting_an_original_forgets_it_and_its_translation_becomes_the_original():
    course = make_course(title="Linux", modules=0)
    french = translate_course(course)
    assert original_page(french) == course  # cached now
    course.delete()
    assert original_page(CoursePage.objects.get(pk=french.pk)).pk == french.pk
