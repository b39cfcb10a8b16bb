import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from content.models import CoursePage
from tests.factories import make_course

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("hours", [0, 5, 61, 120])
def test_hours_outside_6_to_60_are_refused_with_a_clear_message(hours):
    course = make_course()
    course.estimated_hours = hours
    with pytest.raises(ValidationError) as error:
        course.full_clean()
    assert "between 6 and 60 hours" in " ".join(error.value.message_dict["estimated_hours"])


@pytest.mark.parametrize("hours", [6, 60])
def test_hours_at_the_edges_are_accepted(hours):
    course = make_course()
    course.estimated_hours = hours
    course.full_clean()


def test_the_database_refuses_hours_out_of_range_even_past_the_form():
    course = make_course()
    with pytest.raises(IntegrityError), transaction.atomic():
        CoursePage.objects.filter(pk=course.pk).update(estimated_hours=61)


def test_a_course_with_price_zero_is_free():
    assert make_course(price="0.00").is_free
    assert not make_course(price="49.00").is_free
