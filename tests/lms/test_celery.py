"""A worker keeps its database connection from task to task, recycled as Django recycles a request's."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from lms.celery import app, recycle_database_connections

pytestmark = pytest.mark.django_db(transaction=True)


def _task(*, eager: bool) -> SimpleNamespace:
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


def _open_connection() -> object:
    connection.ensure_connection()
    return connection.connection


def test_celerys_django_fixup_no_longer_closes_the_connection_around_every_task():
    fixup = DjangoWorkerFixup(app)
    opened = _open_connection()
    fixup.on_task_prerun(sender=_task(eager=False))
    fixup.on_task_postrun(sender=_task(eager=False))
    assert connection.connection is opened


def test_a_task_keeps_a_fresh_connection_and_health_checks_it_on_first_use():
    opened = _open_connection()
    connection.health_check_done = True
    recycle_database_connections(task=_task(eager=False))
    assert connection.connection is opened
    assert connection.health_check_done is False  # the first query of the task checks it (CONN_HEALTH_CHECKS)


@pytest.mark.postgres  # Django never closes SQLite's in-memory test database
def test_a_task_closes_a_connection_older_than_conn_max_age():
    _open_connection()
    connection.close_at = time.monotonic() - 1
    recycle_database_connections(task=_task(eager=False))
    assert connection.connection is None


def test_an_eager_task_leaves_the_callers_connection_alone():
    opened = _open_connection()
    connection.close_at = time.monotonic() - 1
    recycle_database_connections(task=_task(eager=True))
    assert connection.connection is opened
