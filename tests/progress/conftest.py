from __future__ import annotations

import pytest

from progress.signals import course_completed


@pytest.fixture
def completions():
    """Every "course completed" signal sent during the test, as the kwargs receivers get."""
    sent: list[dict] = []

    def receiver(sender, **kwargs):
        sent.append({key: kwargs[key] for key in ("enrolment_id", "user_id", "course_id")})

    course_completed.connect(receiver, weak=False, dispatch_uid="tests-progress-completions")
    yield sent
    course_completed.disconnect(dispatch_uid="tests-progress-completions")
