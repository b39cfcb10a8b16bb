"""Course creators start a course of their own: the service, and the admin's "New course" page for each role."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from content.models import CoursePage
from content.services import course_create
from lms.models import User
from lms.roles import COURSE_CREATORS, PLATFORM_ADMINS
from tests.factories import catalog, make_user

pytestmark = pytest.mark.django_db
NEW = "/admin/courses/new/"
FACTS = {"title": "Shell Scripting", "summary": "Automate the boring parts.", "estimated_hours": 8}
FORM = {**FACTS, "slug": "", "level": "beginner", "language": "en"}


@pytest.fixture(autouse=True)
def the_catalog():
    return catalog()


def creator():
    user = make_user(instructor=True)
    user.groups.add(Group.objects.get(name=COURSE_CREATORS))
    return user


def fresh(user):
    """The user as a new request loads them (Wagtail caches page permissions on the user object)."""
    return User.objects.get(pk=user.pk)


def create(user, **extra):
    return course_create(catalog=catalog(), user=user, instructors=[user], description="<p>x</p>", **FACTS, **extra)


def test_a_course_creator_creates_a_course_they_teach_with_its_group_and_collection():
    user = creator()
    course = create(user, publish=False, live=False)
    assert list(course.instructors.all()) == [user]
    assert course.instructor_group is not None and user in course.instructor_group.user_set.all()
    assert course.collection is not None
    assert course.permissions_for_user(fresh(user)).can_publish()


def test_a_course_creator_may_add_modules_and_lessons_under_their_course():
    user = creator()
    course = create(user, publish=False, live=False)
    perms = course.permissions_for_user(fresh(user))
    assert perms.can_add_subpage() and perms.can_publish_subpage()


def test_an_instructor_without_the_course_creator_role_may_not_create_a_course():
    with pytest.raises(PermissionDenied):
        create(make_user(instructor=True))


def test_a_learner_may_not_create_a_course():
    with pytest.raises(PermissionDenied):
        create(make_user())


def test_a_course_creator_may_not_set_a_price():
    with pytest.raises(PermissionDenied):
        create(creator(), list_price=Decimal("99.00"))


def test_a_platform_admin_may_create_a_paid_course():
    admin = make_user(is_staff=True)
    admin.groups.add(Group.objects.get(name=PLATFORM_ADMINS))
    assert create(admin, list_price=Decimal("99.00")).list_price == Decimal("99.00")


def test_a_taken_address_is_refused_on_the_slug():
    create(creator())
    with pytest.raises(ValidationError) as refused:
        create(creator())
    assert "slug" in refused.value.message_dict


# --- the admin page -------------------------------------------------------------------------------


def test_the_dashboard_offers_new_course_to_a_course_creator(client):
    client.force_login(creator())
    assert NEW in client.get(reverse("wagtailadmin_home")).content.decode()


def test_the_dashboard_offers_nothing_to_an_instructor_without_the_role(client):
    client.force_login(make_user(instructor=True))
    assert NEW not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_a_course_creator_creates_a_draft_and_lands_in_its_page_explorer(client):
    user = creator()
    client.force_login(user)
    response = client.post(NEW, FORM)
    course = CoursePage.objects.get(slug="shell-scripting")
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_explore", args=[course.pk])
    assert not course.live
    assert list(course.instructors.all()) == [user]


def test_a_missing_title_shows_the_form_again_with_a_message(client):
    client.force_login(creator())
    response = client.post(NEW, {**FORM, "title": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not CoursePage.objects.filter(summary=FACTS["summary"]).exists()


def test_hours_out_of_range_show_the_form_again(client):
    client.force_login(creator())
    response = client.post(NEW, {**FORM, "estimated_hours": 200})
    assert response.status_code == 400
    assert not CoursePage.objects.filter(summary=FACTS["summary"]).exists()


def test_a_taken_slug_shows_the_form_again_with_a_message_on_the_slug(client):
    create(creator())
    client.force_login(creator())
    response = client.post(NEW, FORM)
    assert response.status_code == 400
    assert "already has the address" in response.content.decode()


def test_an_instructor_without_the_role_is_refused_with_403(client):
    client.force_login(make_user(instructor=True))
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, FORM).status_code == 403
    assert not CoursePage.objects.filter(slug="shell-scripting").exists()


def test_a_learner_never_reaches_the_page(client):
    client.force_login(make_user())
    response = client.post(NEW, FORM)
    assert response.status_code in (302, 403)
    assert response.status_code == 403 or "/admin/" in response["Location"] or "login" in response["Location"]
    assert not CoursePage.objects.filter(slug="shell-scripting").exists()


def test_a_platform_admin_sees_the_form(client):
    admin = make_user(is_staff=True)
    admin.groups.add(Group.objects.get(name=PLATFORM_ADMINS))
    client.force_login(admin)
    assert client.get(NEW).status_code == 200


def test_the_course_editor_keeps_the_price_for_platform_admins(client):
    user = creator()
    course = create(user, publish=False, live=False)
    client.force_login(user)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[course.pk])).content.decode()
    price_input = re.search(r'<input[^>]*name="list_price"[^>]*>', html)
    assert price_input is not None and "disabled" in price_input.group(0)
