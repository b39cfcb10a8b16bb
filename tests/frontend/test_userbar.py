"""Wagtail's user bar: shown to those who may open the admin, and free (no permission query) for learners."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.roles import INSTRUCTORS
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db

USERBAR = "wagtail-userbar-template"


def page_as(client, user, url):
    client.force_login(user)
    client.get(url)  # the first page asks the database once
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    permission_queries = [q["sql"] for q in captured.captured_queries if "auth_permission" in q["sql"]]
    return response.content.decode(), permission_queries


def test_a_learner_sees_no_user_bar_and_pays_no_permission_query(client):
    course = make_course()
    html, permission_queries = page_as(client, make_user(), course.url)
    assert USERBAR not in html
    assert permission_queries == []


def test_an_instructor_sees_the_user_bar(client):
    course = make_course()
    html, _ = page_as(client, make_user(instructor=True), course.url)
    assert USERBAR in html


def test_a_superuser_sees_the_user_bar(client):
    course = make_course()
    html, _ = page_as(client, make_user(is_superuser=True, is_staff=True), course.url)
    assert USERBAR in html


def test_a_learner_made_instructor_sees_the_user_bar_on_the_next_page(client):
    course = make_course()
    user = make_user()
    html, _ = page_as(client, user, course.url)
    assert USERBAR not in html
    user.groups.add(Group.objects.get(name=INSTRUCTORS))
    assert USERBAR in client.get(course.url).content.decode()


def test_an_instructor_whose_group_loses_admin_access_no_longer_sees_the_user_bar(client):
    course = make_course()
    user = make_user(instructor=True)
    html, _ = page_as(client, user, course.url)
    assert USERBAR in html
    Group.objects.get(name=INSTRUCTORS).permissions.clear()
    assert USERBAR not in client.get(course.url).content.decode()
