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


@pytest.fixture(autouse=True)
def _role_groups(request):
    """The site groups come from lms's post_migrate; ensure them so these tests do not hang on app-loading details."""
    if request.node.get_closest_marker("django_db") is not None:
        from lms.roles import role_groups_ensure

        role_groups_ensure()
