"""The catalog through the API: published courses with hours, price, languages, skills and credential; paged."""

from __future__ import annotations

import pytest

from tests.badges.conftest import make_achievement
from tests.factories import make_course, make_skill, translate_course
from tests.integrations.test_api_credentials import make_issuer

pytestmark = pytest.mark.django_db

COURSES = "/api/v1/catalog/courses"


def test_a_course_shows_its_hours_price_languages_skills_and_credential(learner_api):
    course = make_course(title="Cloud", hours=12, price="250.00", skills=[make_skill("Linux")])
    translate_course(course)
    make_achievement(make_issuer(), course=course, name="Cloud badge")
    (row,) = learner_api.get(COURSES).json()["items"]
    assert row["title"] == "Cloud" and row["hours"] == 12
    assert (row["price"], row["currency"]) == ("250.00", "CAD")
    assert sorted(row["languages"]) == ["en", "fr"]
    assert row["skills"] == [{"name": "Linux", "slug": "linux"}]
    assert row["credential"]["name"] == "Cloud badge"


def test_unpublished_courses_are_not_listed(org_api):
    course = make_course(title="Draft")
    course.unpublish()
    assert org_api.get(COURSES).json()["items"] == []


def test_filters_narrow_the_list(org_api):
    make_course(title="Free one", price="0.00")
    make_course(title="Paid one", price="90.00")
    assert [row["title"] for row in org_api.get(COURSES, price="free").json()["items"]] == ["Free one"]
    answer = org_api.get(COURSES, price="cheap")
    assert answer.status_code == 400 and set(answer.json()["fields"]) == {"price"}


def test_a_cursor_walk_covers_every_course_once(org_api):
    made = {make_course(lessons_per_module=0).pk for _ in range(5)}
    seen: list[int] = []
    answer = org_api.get(COURSES, limit=2).json()
    pages = 1
    seen += [row["id"] for row in answer["items"]]
    while answer["next"]:
        answer = org_api.client.get(answer["next"], HTTP_AUTHORIZATION=f"Bearer {org_api.token}").json()
        seen += [row["id"] for row in answer["items"]]
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(made)


def test_the_catalog_needs_a_token(client):
    make_course()
    assert client.get(COURSES).status_code == 401
