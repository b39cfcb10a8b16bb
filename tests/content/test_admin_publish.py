"""Publishing through the Wagtail admin, as a platform admin does it."""

import pytest
from django.urls import reverse

from content.models import CoursePage
from tests.factories import catalog, make_user

pytestmark = pytest.mark.django_db


def course_form(hours: int, **extra):
    data = {
        "title": "Data Pipelines",
        "slug": "data-pipelines",
        "summary": "Move data reliably.",
        "description": '{"blocks":[{"key":"a","type":"unstyled","text":"About","depth":0,"inlineStyleRanges":[],"entityRanges":[]}],"entityMap":{}}',
        "estimated_hours": str(hours),
        "level": "beginner",
        "language": "en",
        "list_price": "0.00",
        "pass_mark": "70",
        "outcomes-count": "0",
        "action-publish": "Publish",
    }
    data.update(extra)
    return data


@pytest.fixture
def admin_client(client):
    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def add_url():
    return reverse("wagtailadmin_pages:add", args=("content", "coursepage", catalog().pk))


def test_publishing_a_course_of_5_hours_is_refused_with_the_reason(admin_client):
    response = admin_client.post(add_url(), course_form(5))
    assert response.status_code == 200
    assert "between 6 and 60 hours" in response.content.decode()
    assert not CoursePage.objects.filter(slug="data-pipelines").exists()


def test_publishing_a_course_of_12_hours_creates_its_instructor_group(admin_client):
    response = admin_client.post(add_url(), course_form(12))
    assert response.status_code == 302
    course = CoursePage.objects.get(slug="data-pipelines")
    assert course.live
    assert course.instructor_group is not None
    assert course.collection is not None
