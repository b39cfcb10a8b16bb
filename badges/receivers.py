"""The one signal badges listens to: progress's "course completed", sent by the outbox's worker after the completion
committed (progress.tasks)."""

from __future__ import annotations

from typing import Any

from lms.outbox import outbox_enqueue


def on_course_completed(sender: Any, *, enrolment_id: int, **kwargs: Any) -> None:
    """Record the award's issuing in the outbox, in the transaction that delivers "course completed": it is issued
    after that commits, or later if the broker is down, never lost."""
    outbox_enqueue(handler="badges.award_issue", payload={"enrolment_id": enrolment_id})
