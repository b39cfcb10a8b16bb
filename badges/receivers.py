"""The one signal badges listens to: progress's "course completed" (sent after the transaction commits)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def on_course_completed(sender: Any, *, enrolment_id: int, **kwargs: Any) -> None:
    transaction.on_commit(lambda: _queue(enrolment_id))


def _queue(enrolment_id: int) -> None:
    from badges.tasks import award_issue_task

    try:
        award_issue_task.delay(enrolment_id)
    except Exception:
        # Eager mode (the embedded default) runs the task here: a failure is recorded on the award for
        # admins and must not break the learner's request that completed the course.
        logger.exception("Issuing the badge of enrolment %s failed", enrolment_id)
