"""The progress pages inside the Wagtail admin follow Wagtail's accessibility conventions (issue #17)."""

import pytest

from progress.services import enrolment_create, lesson_complete
from tests.admin_a11y import assert_admin_page_accessible
from tests.factories import make_user
from tests.progress.factories import build_course, items_of, learner

pytestmark = pytest.mark.django_db


def test_the_course_list_and_the_report(client):
    instructor = make_user(instructor=True)
    course = build_course(modules=2, lessons_per_module=1, instructors=[instructor])
    reader = learner(display_name="Dana Done")
    enrolment_create(user=reader, course=course)
    lesson_complete(user=reader, lesson=items_of(course)[0])
    client.force_login(instructor)

    assert_admin_page_accessible(client.get("/admin/progress/").content)
    soup = assert_admin_page_accessible(client.get(f"/admin/progress/courses/{course.pk}/").content)
    assert [table["aria-labelledby"] for table in soup.select("main table")] == ["funnel-heading", "learners-heading"]
