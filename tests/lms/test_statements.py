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
