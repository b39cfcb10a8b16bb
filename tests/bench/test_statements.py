"""Each statement of bench/statements.py run on PostgreSQL, and compared with its ORM twin where it has one."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from bench import statements
from content.models import LessonPage
from progress.models import Enrolment, ItemProgress
from tests.factories import make_course, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

COLUMNS = ["enrolment", "item", "state", "score", "started_at", "completed_at", "last_event_at", "updated_at"]
# updated_at is left out: bulk_create stamps it (auto_now), COPY writes the value given.
READ = ("item_id", "state", "score", "started_at", "completed_at", "last_event_at", "revision_id")


@pytest.fixture
def two_enrolments():
    course = make_course(modules=2, lessons_per_module=3)
    items = list(LessonPage.objects.descendant_of(course).order_by("path").values_list("pk", flat=True))
    first, second = (Enrolment.objects.create(user=make_user(), course=course) for _ in range(2))
    return first, second, items


def item_rows(enrolment: Enrolment, items: list[int], now=None) -> list[tuple[Any, ...]]:
    now = now or timezone.now()
    return [
        (
            enrolment.pk,
            item,
            "complete" if n % 2 else "in_progress",
            n * 10 if n % 2 else None,
            now,
            now if n % 2 else None,
            now,
            now,
        )
        for n, item in enumerate(items)
    ]


def stored(enrolment: Enrolment) -> list[tuple[Any, ...]]:
    return list(ItemProgress.objects.filter(enrolment=enrolment).order_by("item_id").values_list(*READ))


def test_copy_in_stores_the_rows_bulk_create_stores(two_enrolments):
    by_copy, by_orm, items = two_enrolments
    now = timezone.now()
    assert statements.rows_copy_in(ItemProgress, COLUMNS, item_rows(by_copy, items, now)) == len(items)
    assert statements.rows_bulk_create(ItemProgress, COLUMNS, item_rows(by_orm, items, now)) == len(items)
    copied = stored(by_copy)
    assert len(copied) == len(items)
    assert copied == stored(by_orm)
    assert copied[1][1:3] == ("complete", 10)


def test_copy_out_sends_the_rows_the_orm_reads(two_enrolments):
    first, second, items = two_enrolments
    statements.rows_bulk_create(ItemProgress, COLUMNS, item_rows(first, items))
    statements.rows_bulk_create(ItemProgress, COLUMNS, item_rows(second, items[:2]))
    query = ItemProgress.objects.filter(enrolment=first).values_list("item_id", "state", "score")
    sql_text, params = query.query.sql_with_params()
    assert statements.rows_copy_out(sql_text, params) == statements.rows_fetch(query) == len(items)


def test_server_version_is_the_connections():
    version = statements.server_version()
    assert version.split(".")[0] == str(connection.pg_version // 10000)


def maintenance() -> psycopg.Connection[Any]:
    """A connection to the server's maintenance database, as bench.dbtemplates opens one."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    params["dbname"] = "postgres"
    return psycopg.connect(**params, autocommit=True)


@pytest.fixture
def scratch_names():
    """Two database names of this test database's own, dropped afterwards whatever happened."""
    base = connection.settings_dict["NAME"]
    names = (f"{base}_tpl", f"{base}_clone")
    yield names
    with maintenance() as conn:
        for name in names:
            statements.database_drop(conn, name)


def test_a_template_is_built_commented_renamed_cloned_and_dropped(scratch_names):
    template, clone = scratch_names
    building = f"{template}_build"
    with maintenance() as conn:
        assert statements.database_comment(conn, building) is None
        statements.database_create(conn, building)
        assert statements.database_comment(conn, building) == ""
        statements.database_rename(conn, building, template)
        statements.database_comment_set(conn, template, "stackable-bench schema=abc")
        assert statements.database_comment(conn, building) is None
        assert statements.database_comment(conn, template) == "stackable-bench schema=abc"
        statements.database_create(conn, clone, template=template)
        assert statements.database_comment(conn, clone) == ""
        statements.database_drop(conn, clone)
        assert statements.database_comment(conn, clone) is None
        statements.database_drop(conn, clone)  # IF EXISTS: dropping what is gone is fine


def test_analyze_gathers_statistics(scratch_names):
    template, _clone = scratch_names
    with maintenance() as conn:
        statements.database_create(conn, template)
    params = connection.get_connection_params()
    where = {"host": params.get("host"), "port": params.get("port"), "user": params.get("user")}
    with psycopg.connect(**where, dbname=template, autocommit=True) as conn:
        conn.execute("CREATE TABLE probe AS SELECT generate_series(1, 100) AS n")
        planner_rows = "SELECT reltuples FROM pg_class WHERE relname = 'probe'"
        assert conn.execute(planner_rows).fetchone() == (-1,)  # never analysed
        statements.analyze(conn)
        assert conn.execute(planner_rows).fetchone() == (100,)
