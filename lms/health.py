"""Readiness: is the database answering, and the broker if there is one. Each check answers within about a second."""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError

from lms.statements import database_answers

BROKER_TIMEOUT_SECONDS = 1


def database_status() -> str:
    try:
        answered = database_answers()
    except DatabaseError:
        return "down"
    return "ok" if answered else "down"


def broker_status() -> str:
    if not settings.CELERY_BROKER_URL:
        return "eager"
    from kombu import Connection

    timeout = BROKER_TIMEOUT_SECONDS
    # A broker that accepts the connection and then says nothing is caught by the socket timeout, not the connect one.
    transport_options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    try:
        with Connection(
            settings.CELERY_BROKER_URL, connect_timeout=timeout, transport_options=transport_options
        ) as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
    except Exception:  # noqa: BLE001 - any failure to connect means "down" for a health probe
        return "down"
    return "ok"
