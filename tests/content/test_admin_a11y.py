"""The admin's "New course" page follows Wagtail's accessibility conventions (issue #17)."""

import pytest
from django.contrib.auth.models import Group

from lms.roles import COURSE_CREATORS
from tests.admin_a11y import assert_admin_page_accessible
from tests.factories import catalog, make_user

pytestmark = pytest.mark.django_db
NEW = "/admin/courses/new/"


def test_the_new_course_form_and_its_errors(client):
    catalog()
    user = make_user(instructor=True)
    user.groups.add(Group.objects.get(name=COURSE_CREATORS))
    client.force_login(user)
    soup = assert_admin_page_accessible(client.get(NEW).content)
    assert soup.select_one("main .w-field__wrapper label.w-field__label")

    response = client.post(NEW, {"title": "", "summary": "", "estimated_hours": "900", "level": "beginner"})

    assert response.status_code == 400
    assert_admin_page_accessible(
        response.content, invalid={"title": "required", "summary": "required", "estimated_hours": "60"}
    )
