"""Periodic housekeeping of private storage."""

from __future__ import annotations

from celery import shared_task

from lms.celery import app
from media.uploads import direct_uploads_sweep

SWEEP_EVERY_SECONDS = 3600


@shared_task
def direct_uploads_sweep_task() -> int:
    """Delete the direct uploads of forms that were never submitted."""
    return direct_uploads_sweep()


# Beat imports every app's tasks before it reads the schedule, so the entry lives next to its task.
app.conf.beat_schedule["media.direct-uploads-sweep"] = {
    "task": direct_uploads_sweep_task.name,
    "schedule": SWEEP_EVERY_SECONDS,
}
