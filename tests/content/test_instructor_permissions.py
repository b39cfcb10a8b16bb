"""An instructor edits and publishes their own course, and nothing of anyone else's."""

import pytest
from django.urls import reverse
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from content.models import LessonPage, ModulePage
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_courses():
    alice = make_user(instructor=True)
    bob = make_user(instructor=True)
    course_a = make_course(instructors=[alice], title="Alice's course")
    course_b = make_course(instructors=[bob], title="Bob's course")
    return alice, bob, course_a, course_b


def lesson_of(course):
    return LessonPage.objects.descendant_of(course).first()


def test_an_instructor_can_edit_and_publish_their_own_course(two_courses):
    alice, _, course_a, _ = two_courses
    perms = course_a.permissions_for_user(alice)
    assert perms.can_edit()
    assert perms.can_publish()
    assert lesson_of(course_a).permissions_for_user(alice).can_edit()


def test_an_instructor_cannot_edit_another_instructors_course(two_courses):
    alice, _, _, course_b = two_courses
    assert not course_b.permissions_for_user(alice).can_edit()
    assert not lesson_of(course_b).permissions_for_user(alice).can_edit()
    assert not lesson_of(course_b).permissions_for_user(alice).can_publish()


def test_the_admin_edit_view_refuses_another_instructors_lesson(client, two_courses):
    alice, _, course_a, course_b = two_courses
    client.force_login(alice)
    own = client.get(reverse("wagtailadmin_pages:edit", args=(lesson_of(course_a).pk,)))
    other = client.get(reverse("wagtailadmin_pages:edit", args=(lesson_of(course_b).pk,)))
    assert own.status_code == 200
    assert other.status_code in (302, 403)
    assert other.status_code == 403 or "/admin/" in other["Location"]


def test_an_instructor_cannot_add_a_module_to_another_course(client, two_courses):
    alice, _, _, course_b = two_courses
    client.force_login(alice)
    response = client.post(
        reverse("wagtailadmin_pages:add", args=("content", "modulepage", course_b.pk)),
        {"title": "Intruder", "slug": "intruder", "summary": "", "action-publish": "1"},
    )
    assert response.status_code in (302, 403)
    assert not ModulePage.objects.filter(slug="intruder").exists()


def test_an_instructor_cannot_create_a_course_in_the_catalog(two_courses):
    alice, _, course_a, _ = two_courses
    assert not course_a.get_parent().permissions_for_user(alice).can_add_subpage()


def test_each_course_has_its_own_media_collection(two_courses):
    alice, _, course_a, course_b = two_courses
    from wagtail.images.permissions import permission_policy

    allowed = set(permission_policy.collections_user_has_permission_for(alice, "add"))
    assert course_a.collection in allowed
    assert course_b.collection not in allowed


def test_an_instructor_does_not_see_images_of_another_course(client, two_courses):
    alice, _, _, course_b = two_courses
    Image.objects.create(title="Bob's diagram", file=get_test_image_file(), collection=course_b.collection)
    client.force_login(alice)
    response = client.get(reverse("wagtailimages:index"))
    assert response.status_code == 200
    assert "Bob&#x27;s diagram" not in response.content.decode()
    assert "Bob's diagram" not in response.content.decode()


def test_removing_an_instructor_from_a_course_takes_their_rights_away(two_courses):
    from content.services import course_setup_permissions

    alice, _, course_a, _ = two_courses
    course_a.instructors.set([])
    course_a.save()
    course_setup_permissions(course=course_a)
    assert not course_a.permissions_for_user(alice).can_edit()
