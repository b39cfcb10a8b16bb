"""The grading queue names people by name and address, and filters by published tasks only."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from assessments.services import submission_create
from content.services import course_sync_instructors
from progress.services import enrolment_create
from tests.assessments.factories import course_of, make_task
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def instructor_of(page):
    user = make_user(instructor=True)
    course = course_of(page)
    course.instructors.add(user)
    course_sync_instructors(course=course)
    return user


def queue(client) -> BeautifulSoup:
    return BeautifulSoup(client.get(reverse("assessments_admin:queue")).content, "html.parser")


def test_the_queue_names_each_learner_with_their_address(client):
    task = make_task()
    lea = make_user(email="lea@example.test", display_name="Lea Learner")
    enrolment_create(user=lea, course=course_of(task))
    submission_create(task=task, user=lea, text="<p>work</p>")
    client.force_login(instructor_of(task))
    assert "Lea Learner <lea@example.test>" in queue(client).select_one("table.listing tbody").get_text()


def test_the_task_filter_lists_published_tasks_and_leaves_drafts_out(client):
    live = make_task(title="Published task")
    draft = make_task(course=course_of(live), title="Draft task")
    draft.unpublish()
    client.force_login(instructor_of(live))
    options = [option.get_text() for option in queue(client).select("#queue-task option")]
    assert "Published task" in options
    assert "Draft task" not in options
