"""The demo learners: one course completed, one a single lesson from completion, one half-way. Twice is once."""

from decimal import Decimal

import pytest

from content.demo import seed_content
from lms.demo import users_seed
from progress.demo import seed_progress
from progress.models import CourseProgress, Enrolment, Statement
from progress.selectors import completion_status
from tests.progress.factories import build_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    users = users_seed()
    courses = seed_content(instructors=users).courses
    if "search-engine-marketing" not in courses:
        courses["search-engine-marketing"] = build_course(
            title="Search Engine Marketing", modules=2, lessons_per_module=2
        )
    return users, courses


def test_the_demo_learners_are_at_different_stages(demo):
    users, courses = demo
    seed_progress(users=users, courses=courses)
    lea = users["learner1@stackable.test"]
    linux = Enrolment.objects.get(user=lea, course=courses["linux-for-the-cloud"])
    assert linux.is_complete
    containers = Enrolment.objects.get(user=lea, course=courses["containers-and-kubernetes"])
    status = completion_status(enrolment=containers)
    assert not status.complete
    assert status.missing_required_count == 1
    assert status.grade >= status.pass_mark
    assert containers.last_opened_item_id == status.missing_required_first[0].id
    noah = Enrolment.objects.get(user=users["learner2@stackable.test"], course=courses["search-engine-marketing"])
    assert Decimal("40") <= CourseProgress.objects.get(enrolment=noah).percent <= Decimal("60")


def test_seeding_the_demo_twice_changes_nothing(demo):
    users, courses = demo
    seed_progress(users=users, courses=courses)
    before = (
        Enrolment.objects.count(),
        Statement.objects.count(),
        list(CourseProgress.objects.values_list("percent", flat=True).order_by("pk")),
    )
    seed_progress(users=users, courses=courses)
    after = (
        Enrolment.objects.count(),
        Statement.objects.count(),
        list(CourseProgress.objects.values_list("percent", flat=True).order_by("pk")),
    )
    assert before == after
