"""Delivery of the xAPI outbox to a learning record store (LRS), from a Celery task, never from a request.

A batch is leased (its `next_attempt_at` pushed past the lease) in a short transaction, sent with one
POST, then marked sent; a failure schedules the batch again with exponential backoff. Nothing is ever
dropped: a statement stays pending until an LRS has accepted it.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from progress.models import Statement, StatementStatus
from progress.xapi import XAPI_VERSION

LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)
BASE_BACKOFF = timedelta(seconds=30)


class LrsError(Exception):
    pass


@dataclass(frozen=True)
class LrsClient:
    """The xAPI statements resource of one LRS: POST a list of statements, with basic auth."""

    endpoint: str
    username: str
    password: str
    timeout: float = 10.0

    @classmethod
    def from_settings(cls) -> LrsClient | None:
        if not settings.LRS_ENDPOINT:
            return None
        return cls(settings.LRS_ENDPOINT, settings.LRS_USERNAME, settings.LRS_PASSWORD)

    def _request(self, method: str, path: str, body: bytes | None = None) -> Any:
        if not self.endpoint.startswith(("http://", "https://")):
            raise LrsError(f"LRS endpoint must be http(s): {self.endpoint!r}")
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            self.endpoint + path,
            data=body,
            method=method,
            headers={
                "Authorization": f"Basic {token}",
                "Content-Type": "application/json",
                "X-Experience-API-Version": XAPI_VERSION,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read()[:500].decode("utf-8", "replace")
            raise LrsError(f"LRS answered {error.code}: {detail}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise LrsError(f"LRS unreachable: {error}") from error
        return json.loads(raw) if raw else None

    def send(self, statements: list[dict[str, Any]]) -> None:
        self._request("POST", "/statements", json.dumps(statements).encode())

    def get(self, statement_id: str) -> dict[str, Any]:
        found = self._request("GET", f"/statements?statementId={statement_id}")
        # Some LRSs (Ralph among them) answer a single-statement query with a StatementResult.
        if isinstance(found, dict) and "statements" in found:
            return found["statements"][0]
        return found


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    error: str = ""


def _backoff(attempts: int) -> timedelta:
    return min(BASE_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _lease(batch_size: int) -> list[Statement]:
    now = timezone.now()
    with transaction.atomic():
        due = list(
            Statement.objects.select_for_update(skip_locked=True)
            .filter(status=StatementStatus.PENDING, next_attempt_at__lte=now)
            .order_by("created_at")[:batch_size]
        )
        Statement.objects.filter(pk__in=[s.pk for s in due]).update(next_attempt_at=now + LEASE)
    return due


def statements_deliver(
    *, client: LrsClient | None = None, batch_size: int = 50, max_batches: int = 20
) -> DeliveryReport:
    """Send due statements in batches until none is due or the LRS fails; a failed batch waits its backoff."""
    client = client or LrsClient.from_settings()
    report = DeliveryReport()
    if client is None:
        return report
    for _ in range(max_batches):
        batch = _lease(batch_size)
        if not batch:
            break
        try:
            client.send([statement.payload for statement in batch])
        except LrsError as error:
            now = timezone.now()
            for statement in batch:
                Statement.objects.filter(pk=statement.pk).update(
                    attempts=F("attempts") + 1,
                    next_attempt_at=now + _backoff(statement.attempts + 1),
                    last_error=str(error)[:2000],
                )
            report.failed += len(batch)
            report.error = str(error)
            break
        Statement.objects.filter(pk__in=[s.pk for s in batch]).update(
            status=StatementStatus.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
        )
        report.sent += len(batch)
    return report
