"""Private courses: an organization's own course is seen by its members only, and written by its instructors."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from wagtail.models import PageViewRestriction

from content.models import CoursePage
from lms.roles import role_groups_ensure
from organizations.models import Role
from organizations.services import (
    OrganizationError,
    course_make_private,
    course_make_public,
    membership_add,
    membership_remove,
)
from progress.models import Enrolment
from progress.services import EnrolmentRefused, enrolment_create
from tests.factories import make_course, make_user
from tests.org_factories import make_member, make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def private():
    org = make_org()
    course = make_course(title="Northwind onboarding", lessons_per_module=1)
    course_make_private(organization=org, course=course)
    return org, course


def make_instructor(org):
    user = make_user()
    membership_add(organization=org, user=user, role=Role.INSTRUCTOR)
    return user


@pytest.fixture
def platform_admin():
    _instructors, admins = role_groups_ensure()
    user = make_user()
    user.groups.add(admins)
    return user


def lesson_of(course):
    return course.get_descendants().type(CoursePage).first() or course.get_descendants().live().last().specific


# --- seeing it ---------------------------------------------------------------------------------------


def test_a_member_sees_the_private_course(client, private):
    org, course = private
    client.force_login(make_member(org))
    response = client.get(course.url)
    assert response.status_code == 200
    assert "Northwind onboarding" in response.content.decode()


@pytest.mark.parametrize("who", ["stranger", "other_member"])
def test_a_signed_in_non_member_gets_404(client, private, who):
    _org, course = private
    client.force_login(make_user() if who == "stranger" else make_member(make_org()))
    assert client.get(course.url).status_code == 404


def test_a_visitor_is_sent_to_sign_in_with_allauth(client, private):
    _org, course = private
    response = client.get(course.url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_non_member_cannot_open_a_lesson_of_it(client, private):
    _org, course = private
    client.force_login(make_user())
    response = client.get(lesson_of(course).url, follow=True)
    assert response.status_code == 404
    assert "Lesson 1.1" not in response.content.decode()


def test_a_non_member_cannot_open_a_free_preview_of_it(client):
    org = make_org()
    course = make_course(title="Preview onboarding", lessons_per_module=1, free_preview=True)
    course_make_private(organization=org, course=course)
    client.force_login(make_user())
    assert client.get(lesson_of(course).url).status_code == 404


def test_a_leaver_gets_404(client, private):
    org, course = private
    member = make_member(org)
    membership_remove(organization=org, user=member)
    client.force_login(member)
    assert client.get(course.url).status_code == 404


def test_a_public_course_is_unaffected(client, private):
    course = make_course(title="Open to all", lessons_per_module=1)
    client.force_login(make_user())
    assert client.get(course.url).status_code == 200


# --- the catalog -------------------------------------------------------------------------------------


def test_the_private_course_is_not_in_the_public_catalog(client, private):
    assert "Northwind onboarding" not in client.get("/courses/").content.decode()


def test_a_non_member_does_not_find_it_in_the_catalog(client, private):
    client.force_login(make_member(make_org()))
    page = client.get("/courses/").content.decode()
    assert "Northwind onboarding" not in page


def test_a_member_finds_it_in_the_catalog_next_to_public_courses(client, private):
    org, _course = private
    make_course(title="Open to all", lessons_per_module=1)
    client.force_login(make_member(org))
    page = client.get("/courses/").content.decode()
    assert "Northwind onboarding" in page and "Open to all" in page


def test_a_member_finds_it_by_search(client, private):
    org, _course = private
    client.force_login(make_member(org))
    assert "Northwind onboarding" in client.get("/courses/", {"q": "onboarding"}).content.decode()
    client.force_login(make_user())
    assert "Northwind onboarding" not in client.get("/courses/", {"q": "onboarding"}).content.decode()


# --- enrolling: a member enrols in a free private course like in any free course ---------------------


def test_a_member_enrols_in_a_free_private_course_without_payment_or_seat(client, private):
    org, course = private
    member = make_member(org)
    client.force_login(member)
    response = client.post(reverse("progress:enrol", args=[course.pk]))
    assert response.status_code == 302
    assert Enrolment.objects.get(user=member, course=course).source == "free"
    assert client.get(lesson_of(course).url).status_code == 200


@pytest.mark.parametrize("who", ["stranger", "other_member", "leaver"])
def test_a_non_member_cannot_enrol_by_posting_to_the_enrol_url(client, private, who):
    org, course = private
    if who == "leaver":
        user = make_member(org)
        membership_remove(organization=org, user=user)
    else:
        user = make_user() if who == "stranger" else make_member(make_org())
    client.force_login(user)
    response = client.post(reverse("progress:enrol", args=[course.pk]))
    assert response.status_code == 404
    assert not Enrolment.objects.filter(user=user, course=course).exists()


def test_the_enrolment_service_refuses_a_non_member_too(private):
    _org, course = private
    stranger = make_user()
    with pytest.raises(EnrolmentRefused, match="only to the members"):
        enrolment_create(user=stranger, course=course)
    assert not Enrolment.objects.filter(user=stranger, course=course).exists()


# --- the service's rules -----------------------------------------------------------------------------


def test_making_a_course_private_twice_keeps_one_restriction(private):
    org, course = private
    course_make_private(organization=org, course=course)
    assert PageViewRestriction.objects.filter(page=course).count() == 1


def test_a_course_is_private_to_one_organization_at_most(private):
    _org, course = private
    with pytest.raises(OrganizationError):
        course_make_private(organization=make_org(), course=course)


def test_a_member_who_is_no_instructor_cannot_make_a_course_private():
    org = make_org()
    course = make_course(lessons_per_module=1)
    with pytest.raises(PermissionDenied):
        course_make_private(organization=org, course=course, actor=make_member(org))


def test_an_instructor_makes_private_only_a_course_they_may_edit():
    org = make_org()
    instructor = make_instructor(org)
    theirs = make_course(lessons_per_module=1, instructors=[instructor])
    with pytest.raises(PermissionDenied):
        course_make_private(organization=org, course=make_course(lessons_per_module=1), actor=instructor)
    course_make_private(organization=org, course=theirs, actor=instructor)
    assert PageViewRestriction.objects.filter(page=theirs).exists()


def test_only_a_platform_admin_makes_it_public_again(private, platform_admin):
    org, course = private
    with pytest.raises(PermissionDenied):
        course_make_public(organization=org, course=course, actor=make_instructor(org))
    course_make_public(organization=org, course=course, actor=platform_admin)
    assert not PageViewRestriction.objects.filter(page=course).exists()


# --- authoring: the organization's instructors write its private courses, and nothing else -----------


def test_an_instructor_edits_the_private_course_in_wagtail(client, private):
    org, course = private
    client.force_login(make_instructor(org))
    assert client.get(reverse("wagtailadmin_pages:edit", args=[course.pk])).status_code == 200
    lesson = lesson_of(course)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[lesson.pk])).status_code == 200


def test_an_instructor_cannot_edit_another_course(client, private):
    org, _course = private
    other = make_course(lessons_per_module=1)
    client.force_login(make_instructor(org))
    response = client.get(reverse("wagtailadmin_pages:edit", args=[other.pk]))
    assert response.status_code in (302, 403)


def test_another_organizations_instructor_cannot_edit_it(client, private):
    _org, course = private
    client.force_login(make_instructor(make_org()))
    assert client.get(reverse("wagtailadmin_pages:edit", args=[course.pk])).status_code in (302, 403)


def test_a_plain_member_has_no_admin_access(client, private):
    org, course = private
    client.force_login(make_member(org))
    response = client.get(reverse("wagtailadmin_pages:edit", args=[course.pk]))
    assert response.status_code == 302
    assert "login" in response.url


def test_an_instructor_who_leaves_loses_the_rights(client, private):
    org, course = private
    instructor = make_instructor(org)
    membership_remove(organization=org, user=instructor)
    client.force_login(instructor)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[course.pk])).status_code in (302, 403)


def test_making_it_public_ends_the_instructors_rights(client, private, platform_admin):
    org, course = private
    instructor = make_instructor(org)
    course_make_public(organization=org, course=course, actor=platform_admin)
    client.force_login(instructor)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[course.pk])).status_code in (302, 403)


# --- the admin pages ---------------------------------------------------------------------------------


def manage_url(org):
    return reverse("organizations_private_courses", args=[org.pk])


def test_an_instructor_creates_a_private_draft_from_the_admin(client):
    org = make_org()
    make_course(lessons_per_module=1)  # the catalog exists
    instructor = make_instructor(org)
    client.force_login(instructor)
    response = client.post(
        manage_url(org),
        {"action": "create", "new-title": "Safety at Northwind", "new-summary": "Our rules.", "new-estimated_hours": 6},
    )
    course = CoursePage.objects.get(title="Safety at Northwind")
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_pages:edit", args=[course.pk])
    assert not course.live
    assert PageViewRestriction.objects.filter(page=course, groups=org.members_group).exists()
    assert client.get(response.url).status_code == 200


def test_a_platform_admin_makes_an_existing_course_private_from_the_admin(client, platform_admin):
    org = make_org()
    course = make_course(title="Cloud for Northwind", lessons_per_module=1)
    client.force_login(platform_admin)
    assert "Cloud for Northwind" in client.get(manage_url(org)).content.decode()
    response = client.post(manage_url(org), {"action": "make_private", "existing-course": course.pk})
    assert response.status_code == 302
    assert PageViewRestriction.objects.filter(page=course, groups=org.members_group).exists()
    assert "Cloud for Northwind" in client.get(manage_url(org)).content.decode()


def test_a_platform_admin_makes_it_public_from_the_admin(client, private, platform_admin):
    org, course = private
    client.force_login(platform_admin)
    assert client.post(manage_url(org), {"action": "make_public", "course": course.pk}).status_code == 302
    assert not PageViewRestriction.objects.filter(page=course).exists()


def test_an_instructor_cannot_make_it_public_from_the_admin(client, private):
    org, course = private
    client.force_login(make_instructor(org))
    assert client.post(manage_url(org), {"action": "make_public", "course": course.pk}).status_code == 403
    assert PageViewRestriction.objects.filter(page=course).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "create", "new-title": "", "new-summary": "x", "new-estimated_hours": 6},
        {"action": "create", "new-title": "Too long", "new-summary": "x", "new-estimated_hours": 200},
        {"action": "make_private", "existing-course": "999999"},
        {"action": "make_private", "existing-course": "abc"},
        {"action": "make_public", "course": "abc"},
        {"action": "dance"},
    ],
)
def test_bad_input_is_refused_with_a_clear_status(client, platform_admin, data):
    org = make_org()
    make_course(lessons_per_module=1)
    client.force_login(platform_admin)
    before = CoursePage.objects.count()
    response = client.post(manage_url(org), data)
    assert response.status_code in (400, 404)
    assert CoursePage.objects.count() == before


def test_a_course_private_to_another_organization_is_refused_with_a_message(client, private, platform_admin):
    _org, course = private
    other = make_org()
    client.force_login(platform_admin)
    response = client.post(manage_url(other), {"action": "make_private", "existing-course": course.pk})
    assert response.status_code == 400


@pytest.mark.parametrize("who", ["member", "admin_of_org", "other_instructor", "visitor"])
def test_only_platform_admins_and_its_instructors_reach_the_admin_page(client, private, who):
    org, _course = private
    role_groups_ensure()
    if who == "member":
        client.force_login(make_member(org))
    elif who == "admin_of_org":
        client.force_login(org.memberships.get(role=Role.ADMIN).user)
    elif who == "other_instructor":
        client.force_login(make_instructor(make_org()))
    response = client.get(manage_url(org))
    assert response.status_code in (302, 403)
    assert "Northwind onboarding" not in response.content.decode()
