"""The demo loader builds a realistic catalog and, run again, changes nothing."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from wagtail.models import Page

from assessments.models import QuizPage
from content.models import CatalogPage, CoursePage, HomePage, LessonPage, ModulePage
from lms.models import User
from progress.models import Enrolment

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture
def seeded():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_demo_has_the_cloud_series_and_the_marketing_course(seeded):
    titles = set(CoursePage.objects.live().values_list("title", flat=True))
    assert {"Linux for the Cloud", "Containers and Kubernetes", "Cloud Networking", "Search Engine Marketing"} <= titles
    for course in CoursePage.objects.filter(series="Cloud Systems"):
        assert 8 <= course.estimated_hours <= 15
        assert 4 <= ModulePage.objects.child_of(course).count() <= 6
    assert CoursePage.objects.get(slug="search-engine-marketing", locale__language_code="en").estimated_hours == 6


def test_demo_lessons_hold_real_text(seeded):
    lesson = LessonPage.objects.live().first()
    words = " ".join(str(block.value) for block in lesson.body).split()
    assert len(words) > 200
    assert "lorem" not in " ".join(words).lower()


def test_the_seed_prints_the_demo_logins(seeded):
    assert "admin@stackable.test" in seeded
    assert "learner1@stackable.test" in seeded


def test_running_the_seed_twice_changes_nothing(seeded):
    before = row_counts()
    call_command("seed_demo", stdout=StringIO())
    assert row_counts() == before


def test_the_demo_has_search_engine_marketing_live_in_french(seeded):
    french = CoursePage.objects.get(locale__language_code="fr")
    original = CoursePage.objects.get(slug="search-engine-marketing", locale__language_code="en")
    assert french.translation_key == original.translation_key
    assert french.title == "Marketing par moteurs de recherche"
    pages = Page.objects.descendant_of(french, inclusive=True)
    assert pages.count() == Page.objects.descendant_of(original, inclusive=True).count()
    assert not pages.filter(live=False).exists()
    assert not pages.filter(locale__language_code="en").exists()


def test_the_french_pages_have_french_titles(seeded):
    french = CoursePage.objects.get(locale__language_code="fr")
    titles = {page.translation_key: page.title for page in Page.objects.descendant_of(french)}
    originals = Page.objects.filter(translation_key__in=titles, locale__language_code="en")
    assert all(titles[page.translation_key] != page.title for page in originals)


def test_the_french_quizzes_keep_question_ids_and_answer_keys(seeded):
    for quiz in QuizPage.objects.filter(locale__language_code="fr"):
        original = QuizPage.objects.get(translation_key=quiz.translation_key, locale__language_code="en")
        assert [q.id for q in quiz.questions] == [q.id for q in original.questions]
        for french, english in zip(quiz.questions.raw_data, original.questions.raw_data, strict=True):
            for key in ("points", "answer", "tolerance", "correct"):
                assert french["value"].get(key) == english["value"].get(key)
            choices = [(c["id"], c["value"].get("correct")) for c in french["value"].get("choices", [])]
            assert choices == [(c["id"], c["value"].get("correct")) for c in english["value"].get("choices", [])]
            assert french["value"]["prompt"] != english["value"]["prompt"]


def test_the_site_home_and_catalog_are_live_french_translations(seeded):
    home = HomePage.objects.get(locale__language_code="fr")
    assert home.live and home.alias_of_id is None
    assert home.heading == "Des cours courts. Des compétences vérifiables."
    assert CatalogPage.objects.get(locale__language_code="fr").title == "Cours"


def test_the_french_course_page_answers_under_fr(seeded, client):
    response = client.get("/fr/courses/search-engine-marketing/")
    assert response.status_code == 200
    assert "Marketing par moteurs de recherche" in response.content.decode()


def test_the_french_speaking_learner_reads_in_french_and_is_enrolled(seeded):
    lea = User.objects.get(email="learner3@stackable.test")
    assert lea.language == "fr"
    assert lea.display_name == "Léa Apprenante"
    enrolment = Enrolment.objects.get(user=lea)
    assert enrolment.course.slug == "search-engine-marketing"
    assert enrolment.course.locale.language_code == "en"  # learner facts belong to the original
    assert "learner3@stackable.test" in seeded
