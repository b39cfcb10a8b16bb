"""Issuing decisions at their edges, found untested by mutation testing (docs/mutation.md)."""

from __future__ import annotations

import pytest

from badges.models import Issuer
from badges.services import award_code_normalize, user_can_issue
from tests.badges.conftest import make_achievement
from tests.factories import make_course, make_user


def test_a_typed_code_of_the_wrong_length_is_no_code() -> None:
    assert award_code_normalize("7K4M-QX2P-9HJ") == ""
    assert award_code_normalize("7K4M-QX2P-9HJDD") == ""


@pytest.mark.django_db
def test_a_deactivated_instructor_of_the_course_may_not_issue_its_badge(issuer: Issuer) -> None:
    teacher = make_user(instructor=True)
    achievement = make_achievement(issuer, course=make_course(instructors=[teacher]))
    teacher.is_active = False
    teacher.save()

    assert not user_can_issue(user=teacher, achievement=achievement)
