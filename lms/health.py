"""Liveness and readiness: is the database answering, and the broker if there is one."""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connection


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "down"
    return "ok"


def broker_status() -> str:
    if not settings.CELERY_BROKER_URL:
        return "eager"
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # noqa: BLE001 - any failure to connect means "down" for a health probe
        return "down"
    return "ok"
