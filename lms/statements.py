"""The project's own hand-written SQL: every statement lms runs, in one place (lms/db.py runs other apps' fixed
statements and holds none of its own)."""

from __future__ import annotations

from django.db import connection

# Readiness: the smallest statement the database must answer. No table, so no ORM twin.
DATABASE_ANSWERS = "SELECT 1"


def database_answers() -> bool:
    """True when the database runs a statement and returns its row; DatabaseError when it does not answer."""
    with connection.cursor() as cursor:
        cursor.execute(DATABASE_ANSWERS)
        return cursor.fetchone() == (1,)
