"""The private courses pages inside the Wagtail admin follow Wagtail's accessibility conventions (issue #17)."""

import pytest
from django.urls import reverse

from lms.roles import role_groups_ensure
from organizations.services import course_make_private
from tests.admin_a11y import assert_admin_page_accessible
from tests.factories import make_course, make_user
from tests.org_factories import make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_admin():
    _instructors, admins = role_groups_ensure()
    user = make_user()
    user.groups.add(admins)
    return user


def test_the_index_of_organizations(client, platform_admin):
    make_org(name="Northwind")
    make_org(name="Contoso")  # with one organization, the index sends straight to its page
    client.force_login(platform_admin)
    assert_admin_page_accessible(client.get(reverse("organizations_private_courses_index")).content)


def test_the_page_of_an_organization_and_a_refused_draft(client, platform_admin):
    org = make_org()
    course_make_private(organization=org, course=make_course(title="Northwind onboarding", lessons_per_module=1))
    make_course(title="Cloud basics", lessons_per_module=1)
    client.force_login(platform_admin)
    url = reverse("organizations_private_courses", args=[org.pk])
    soup = assert_admin_page_accessible(client.get(url).content)
    assert soup.select_one("main table")["aria-labelledby"] == "private-list"

    response = client.post(url, {"action": "create", "new-title": "", "new-summary": "x", "new-estimated_hours": 200})

    assert response.status_code == 400
    soup = assert_admin_page_accessible(
        response.content, invalid={"new-title": "required", "new-estimated_hours": "60"}
    )
    hours = soup.find("input", attrs={"name": "new-estimated_hours"})
    assert hours["aria-describedby"] == "id_new-estimated_hours-helptext id_new-estimated_hours-errors"
