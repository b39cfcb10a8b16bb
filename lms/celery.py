"""The Celery application. Tasks live in each app's tasks.py and call that app's services."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init, worker_ready
from django.db import close_old_connections

from lms.process import startup_objects_freeze

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

app = Celery("lms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect(dispatch_uid="lms.celery.recycle_connections_before")
@task_postrun.connect(dispatch_uid="lms.celery.recycle_connections_after")
def recycle_database_connections(task: Any = None, **_kwargs: Any) -> None:
    """At a task's edges, what Django does at a request's: close a connection that is broken or older than
    CONN_MAX_AGE, and health-check the next one on first use (CONN_HEALTH_CHECKS). Replaces the Celery fixup's
    close of every connection around every task (CELERY_DB_REUSE_MAX). Not for an eager task: it runs inside
    the caller's request or transaction."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    close_old_connections()


@worker_process_init.connect(dispatch_uid="lms.celery.freeze_in_child")
@worker_ready.connect(dispatch_uid="lms.celery.freeze_when_ready")
def freeze_loaded_objects(**_kwargs: Any) -> None:
    """A worker keeps what it loaded (the application, every task's module) until it exits, as a web worker does
    (lms/wsgi.py): frozen, full collections skip it. A prefork pool's children freeze once forked; a solo or threads
    pool runs its tasks in the main process, which freezes once it is ready."""
    startup_objects_freeze()
