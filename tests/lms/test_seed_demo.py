"""The demo loader builds a realistic catalog and, run again, changes nothing."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from content.models import CoursePage, LessonPage, ModulePage

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
    assert CoursePage.objects.get(slug="search-engine-marketing").estimated_hours == 6


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
