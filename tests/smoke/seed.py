"""The smoke test's data, made inside the production stack: `manage.py shell -c "from tests.smoke.seed import seed;
seed()"` under lms.settings.production, against the smoke test's own database (tests/smoke/conftest.py).

Not seed_demo: its courses have a quiz in every module, so a fresh learner could not complete one in seconds.
This is the smallest course that still crosses every production path: one lesson, one task that takes a PDF
and needs an instructor's grade, and an achievement signed by an issuer with a key.
"""

from __future__ import annotations

import json
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings

from badges.models import Achievement, Issuer
from badges.services import issuer_key_create
from lms.roles import role_groups_ensure
from tests.assessments.factories import make_task
from tests.factories import make_course, make_user

LEARNER = "learner@smoke.test"
INSTRUCTOR = "instructor@smoke.test"
PASSWORD = "pw-123456789"  # tests.factories.make_user's


def seed() -> None:
    """Make the data and print what the browser needs (URLs, logins) as one JSON line."""
    role_groups_ensure()
    instructor = make_user(email=INSTRUCTOR, display_name="Ines Smoke", instructor=True)
    learner = make_user(email=LEARNER, display_name="Lea Smoke")
    for user in (instructor, learner):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    course = make_course(title="Smoke Signals", modules=1, lessons_per_module=1, instructors=[instructor])
    task = make_task(
        course=course,
        title="Send your report",
        accept_text=False,
        accept_files=True,
        allowed_file_types="pdf",
        grade_weight=Decimal("1"),
    )
    issuer = Issuer.objects.create(
        slug="smoke-academy", name="Smoke Academy", url=f"{settings.SITE_URL}/", email="badges@smoke.test"
    )
    issuer_key_create(issuer=issuer)
    Achievement.objects.create(
        issuer=issuer,
        course=course,
        slug="smoke-signals",
        name="Smoke Signals",
        description="Sends reports that arrive.",
        criteria="Complete the lesson and the graded task of *Smoke Signals*.",
    )
    print(
        json.dumps(
            {
                "course_url": course.url,
                "task_url": task.url,
                "learner": LEARNER,
                "instructor": INSTRUCTOR,
                "password": PASSWORD,
            }
        )
    )
