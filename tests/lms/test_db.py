"""Fixed statements run prepared on PostgreSQL, are counted and logged like any query, and survive schema changes."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat

from lms.db import any_of, fixed_query, fixed_statement_rows
from lms.models import User
from tests.factories import make_user

SQL = "SELECT id, email FROM lms_user WHERE id = %s"


def prepared_texts() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_a_fixed_statement_answers_its_rows_on_any_database():
    user = make_user()
    assert fixed_statement_rows(sql=SQL, params=[user.pk]) == [(user.pk, user.email)]
    assert fixed_statement_rows(sql=SQL, params=[user.pk + 1000]) == []


@pytest.mark.django_db
def test_a_fixed_statement_is_one_counted_query_logged_with_its_parameters(django_assert_num_queries):
    user = make_user()
    with django_assert_num_queries(1) as captured:
        fixed_statement_rows(sql=SQL, params=[user.pk])
    assert captured.captured_queries[0]["sql"] == SQL % user.pk


@pytest.mark.django_db
def test_execute_wrappers_see_a_fixed_statement():
    user = make_user()
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append((sql, list(params)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        fixed_statement_rows(sql=SQL, params=[user.pk])
    assert seen == [(SQL, [user.pk])]


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_a_fixed_statement_is_prepared_once_per_connection():
    user = make_user()
    fixed_statement_rows(sql=SQL, params=[user.pk])
    fixed_statement_rows(sql=SQL, params=[user.pk])
    assert prepared_texts() == [SQL.replace("%s", "$1")]


@pytest.mark.postgres
@pytest.mark.django_db
def test_with_prepared_statements_off_nothing_is_prepared(monkeypatch):
    user = make_user()
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "prepare_threshold", None)  # DATABASE_PREPARED_STATEMENTS=false
    assert fixed_statement_rows(sql=SQL, params=[user.pk]) == [(user.pk, user.email)]
    assert prepared_texts() == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_fixed_statement_still_runs_after_a_rolled_back_transaction():
    user = make_user()
    fixed_statement_rows(sql=SQL, params=[user.pk])
    with pytest.raises(RuntimeError), transaction.atomic():
        fixed_statement_rows(sql=SQL, params=[user.pk])
        raise RuntimeError("roll back")
    assert fixed_statement_rows(sql=SQL, params=[user.pk]) == [(user.pk, user.email)]


def users_by_id():
    return User.objects.annotate(label=Concat(F("email"), Value("!"))).filter(pk=-1)


@pytest.mark.django_db
def test_a_fixed_query_builds_the_objects_and_annotations_the_orm_builds(django_assert_num_queries):
    users = [make_user(), make_user()]
    query = fixed_query(users_by_id(), placeholder=-1)
    for user in users:
        with django_assert_num_queries(1):
            (built,) = query.objects(user.pk)
        orm = User.objects.annotate(label=Concat(F("email"), Value("!"))).get(pk=user.pk)
        fields = [f.attname for f in User._meta.concrete_fields]
        assert [getattr(built, name) for name in fields] == [getattr(orm, name) for name in fields]
        assert built.label == orm.label == f"{user.email}!"
        assert not built._state.adding
    assert query.objects(users[1].pk + 1000) == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_fixed_query_over_any_of_takes_batches_of_any_size_with_one_prepared_text(django_assert_num_queries):
    from django.db.models import BigIntegerField

    users = [make_user() for _ in range(3)]
    query = fixed_query(User.objects.filter(any_of("pk", [-1], BigIntegerField())).order_by("pk"), placeholder=[-1])
    for ids in ([users[0].pk], [u.pk for u in users], [users[2].pk, 10**9], []):
        with django_assert_num_queries(1):
            found = query.objects(ids)
        assert [u.pk for u in found] == sorted(pk for pk in ids if pk < 10**9)
    # One text (psycopg prepares it once per array type its values take: smallint, integer).
    assert len({text for text in prepared_texts() if "ANY" in text}) == 1


@pytest.mark.django_db
def test_a_fixed_query_refuses_a_placeholder_it_cannot_tell_apart():
    same = User.objects.filter(Q(pk=7) | Q(pk__gt=7))
    with pytest.raises(ValueError, match="placeholder"):
        fixed_query(same, placeholder=7)
    with pytest.raises(ValueError, match="placeholder"):
        fixed_query(User.objects.filter(pk=1), placeholder=2)


@pytest.fixture
def scratch_table():
    """A table another session alters while this one holds a prepared statement on it (as a migration would)."""
    params = connection.get_connection_params()
    other = psycopg.connect(
        dbname=params["dbname"],
        host=params.get("host"),
        port=params.get("port"),
        user=params.get("user"),
        autocommit=True,
    )
    other.execute("CREATE TABLE lms_db_scratch (id integer PRIMARY KEY, amount integer)")
    other.execute("INSERT INTO lms_db_scratch VALUES (1, 5)")
    yield other
    other.execute("DROP TABLE lms_db_scratch")
    other.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_column_type_changed_under_a_prepared_statement_is_prepared_afresh(scratch_table):
    sql = "SELECT id, amount FROM lms_db_scratch WHERE id = %s"
    assert fixed_statement_rows(sql=sql, params=[1]) == [(1, 5)]
    scratch_table.execute("ALTER TABLE lms_db_scratch ALTER COLUMN amount TYPE numeric(6, 2)")
    rows = fixed_statement_rows(sql=sql, params=[1])
    assert [(pk, str(amount)) for pk, amount in rows] == [(1, "5.00")]
    assert fixed_statement_rows(sql=sql, params=[1]) == rows  # the connection keeps working


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_in_a_transaction_a_changed_column_type_fails_once_and_the_rollback_clears_it(scratch_table):
    from django.db import NotSupportedError

    sql = "SELECT id, amount FROM lms_db_scratch WHERE id = %s"
    fixed_statement_rows(sql=sql, params=[1])
    scratch_table.execute("ALTER TABLE lms_db_scratch ALTER COLUMN amount TYPE bigint")
    with pytest.raises(NotSupportedError), transaction.atomic():
        fixed_statement_rows(sql=sql, params=[1])
    assert fixed_statement_rows(sql=sql, params=[1]) == [(1, 5)]


@pytest.mark.django_db
def test_a_fixed_query_takes_several_placeholders_and_answers_values_rows(django_assert_num_queries):
    from datetime import UTC, datetime, timedelta

    from django.utils import timezone

    joined = make_user()
    User.objects.filter(pk=joined.pk).update(date_joined=timezone.now() - timedelta(days=2))
    anyone, any_moment = -1, datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC)
    query = fixed_query(
        User.objects.filter(pk=anyone, date_joined__lt=any_moment).values(
            "email", label=Concat(F("email"), Value("!"))
        ),
        placeholders=(anyone, any_moment),
    )
    with django_assert_num_queries(1):
        rows = query.values(joined.pk, timezone.now() - timedelta(days=1))
    assert rows == [{"email": joined.email, "label": f"{joined.email}!"}]
    assert query.values(joined.pk, timezone.now() - timedelta(days=3)) == []
    with pytest.raises(TypeError, match="placeholder"):
        query.values(joined.pk)


@pytest.mark.postgres
def test_rows_json_writes_each_column_as_postgresql_reads_its_type():
    import json
    from datetime import UTC, datetime
    from decimal import Decimal
    from functools import partial
    from uuid import UUID

    from django.core.serializers.json import DjangoJSONEncoder
    from django.db.backends.postgresql.psycopg_any import Jsonb

    from lms.db import _json_value, rows_json
    from lms.models import OutboxMessage

    moment = datetime(2026, 12, 5, 14, 30, 1, 250000, tzinfo=UTC)
    message = OutboxMessage(handler="h", payload={"a": [1, "é"]}, queue="", available_at=moment)
    fields = [OutboxMessage._meta.get_field(name) for name in ("handler", "payload", "available_at", "done_at")]
    (row,) = json.loads(rows_json([message], fields))
    assert row["handler"] == "h" and row["done_at"] is None
    assert datetime.fromisoformat(row["available_at"]) == moment
    assert row["payload"] == {"a": [1, "é"]}  # the JSON itself, never a quoted string of it
    assert _json_value(Decimal("87.50")) == "87.50"
    assert _json_value(UUID(int=1)) == "00000000-0000-0000-0000-000000000001"
    encoded = Jsonb({"at": moment}, dumps=partial(json.dumps, cls=DjangoJSONEncoder))
    assert _json_value(encoded) == {"at": "2026-12-05T14:30:01.250Z"}  # through the field's own encoder
    with pytest.raises(TypeError, match="no JSON form"):
        _json_value(b"\x00raw")
