"""Private courses: an organization's own course is seen by its members only."""

import pytest
from wagtail.models import PageViewRestriction

from organizations.services import course_make_private, membership_remove
from tests.factories import make_course, make_user
from tests.org_factories import make_member, make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def private():
    org = make_org()
    course = make_course(title="Northwind onboarding", lessons_per_module=1)
    course_make_private(organization=org, course=course)
    return org, course


def test_a_member_sees_the_private_course(client, private):
    org, course = private
    client.force_login(make_member(org))
    response = client.get(course.url)
    assert response.status_code == 200
    assert "Northwind onboarding" in response.content.decode()


@pytest.mark.parametrize("who", ["visitor", "stranger", "other_member"])
def test_others_are_sent_to_log_in_and_never_see_it(client, private, who):
    _org, course = private
    if who == "stranger":
        client.force_login(make_user())
    elif who == "other_member":
        client.force_login(make_member(make_org()))
    response = client.get(course.url)
    assert response.status_code == 302
    assert "login" in response.url


def test_the_private_course_is_not_in_the_public_catalog(client, private):
    assert "Northwind onboarding" not in client.get("/courses/").content.decode()


def test_a_leaver_loses_sight_of_the_private_course(client, private):
    org, course = private
    member = make_member(org)
    membership_remove(organization=org, user=member)
    client.force_login(member)
    assert client.get(course.url).status_code == 302


def test_making_a_course_private_twice_keeps_one_restriction(private):
    org, course = private
    course_make_private(organization=org, course=course)
    assert PageViewRestriction.objects.filter(page=course).count() == 1
