"""Every statement of lms/statements.py runs on the database it is written for (and on SQLite, the embedded one)."""

import pytest
from django.db import DatabaseError, connection

from lms import statements

pytestmark = pytest.mark.django_db


def test_every_statement_has_its_test():
    written = {name for name, value in vars(statements).items() if name.isupper() and isinstance(value, str)}
    assert written == {"DATABASE_ANSWERS"}


def test_the_database_answers_its_readiness_statement(django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        assert statements.database_answers() is True
    assert captured.captured_queries[0]["sql"] == statements.DATABASE_ANSWERS


@pytest.mark.postgres
def test_postgresql_answers_the_readiness_statement():
    assert connection.vendor == "postgresql"
    assert statements.database_answers() is True


def test_a_database_that_does_not_answer_raises_for_the_health_check_to_report(monkeypatch):
    def refused(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", refused)
    with pytest.raises(DatabaseError):
        statements.database_answers()


def _outbox_columns(ids: list[int]) -> list[dict]:
    from lms.models import OutboxMessage

    names = [f.attname for f in OutboxMessage._meta.concrete_fields if f.attname not in {"id", "created_at"}]
    return list(OutboxMessage.objects.filter(pk__in=ids).order_by("pk").values(*names))


def _messages():
    from datetime import UTC, datetime

    from lms.models import OutboxMessage

    later = datetime(2026, 12, 5, 14, 9, 50, 130331, tzinfo=UTC)
    payloads = [{"award_id": 7}, {"text": "Réseaux “sûrs” 網絡 🎓", "nested": {"list": [1, 2.5, None, True]}}, {}]
    return [OutboxMessage(handler="tests.probe", payload=p, queue="mail", available_at=later) for p in payloads]


def test_outbox_messages_are_inserted_by_one_statement_as_the_orm_inserts_them(django_assert_num_queries):
    messages, copies = _messages(), _messages()
    with django_assert_num_queries(1):
        statements.outbox_messages_insert(messages)
    statements.outbox_messages_insert_orm(copies)
    assert [m.pk for m in messages] == sorted(m.pk for m in messages)  # the keys come back in the given order
    assert all(not m._state.adding and m.created_at is not None for m in messages)
    assert _outbox_columns([m.pk for m in messages]) == _outbox_columns([m.pk for m in copies])
    stored = _outbox_columns([m.pk for m in messages])
    assert [row["payload"] for row in stored] == [m.payload for m in messages]


@pytest.mark.postgres
def test_on_postgresql_the_outbox_insert_is_one_prepared_text_for_any_number_of_messages():
    from lms.db import prepared_statements_enabled

    assert prepared_statements_enabled()
    statements.outbox_messages_insert(_messages()[:1])
    statements.outbox_messages_insert(_messages())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["INSERT INTO%lms_outbox%"]
        )
        assert len(cursor.fetchall()) == 1
