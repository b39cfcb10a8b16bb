"""The transactional outbox: nothing earned or owed waits on the broker (DESIGN: "Nothing earned waits on the broker").

Work another process must do because of a change (issue a badge, send an e-mail, import a file) is recorded as
an `OutboxMessage` row in the change's own transaction, so it commits or rolls back with the change. After the
commit the row is published to Celery (`outbox_deliver_many_task`, in chunks); a broker that is down only leaves it pending, and
the beat task `outbox_redeliver_task` publishes again every pending row whose `available_at` has passed, with a
growing backoff. Handlers are idempotent, so a re-delivery is harmless.

Each app registers its handlers in its tasks.py (`@outbox_handler("badges.award_notify")`), which the worker's
autodiscovery imports; any process that needs a handler it has not imported loads them the same way.

A handler runs, by default, in one transaction with its row: the row is locked (another delivery of it skips),
the handler's writes and the row's "done" commit together, and a failure rolls both back. So its effects happen
exactly once, except an external one (an e-mail) when the process dies between sending and the commit.
`atomic=False` is for handlers that commit in steps of their own (issuing, imports): the row is claimed in a
short transaction (pushing its `available_at` forward, so it is redelivered if the process dies), the handler
runs, and the row is marked done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from lms.models import OutboxMessage
from lms.statements import outbox_messages_insert

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Handler:
    name: str
    function: Callable[..., Any]
    queue: str | Callable[[], str]
    atomic: bool

    def queue_name(self) -> str:
        return self.queue() if callable(self.queue) else self.queue


def notifications_queue() -> str:
    """The queue of e-mails (NOTIFICATIONS_QUEUE), read when a message is recorded: `queue=notifications_queue`."""
    return str(settings.NOTIFICATIONS_QUEUE)


_handlers: dict[str, Handler] = {}


def outbox_handler(
    name: str, *, queue: str | Callable[[], str] = "", atomic: bool = True
) -> Callable[[Callable[..., Any]], Any]:
    """Register a function taking the payload as keyword arguments under `name` ("<app>.<what>").

    `queue`: the Celery queue its deliveries go to (the default queue when empty), or a function that names it.
    """

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        _handlers[name] = Handler(name=name, function=function, queue=queue, atomic=atomic)
        return function

    return register


def handler_get(name: str) -> Handler:
    """The handler registered as `name`; loads every app's tasks module once if it is not known yet."""
    if name not in _handlers:
        current_app.loader.import_default_modules()
    try:
        return _handlers[name]
    except KeyError:
        raise LookupError(f"No outbox handler is registered as {name!r}.") from None


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def backoff(attempts: int) -> timedelta:
    """How long a message waits before it is published again after `attempts` deliveries were tried."""
    after = _setting("OUTBOX_REDELIVER_AFTER", 60)
    seconds = min(after * 2 ** min(max(attempts - 1, 0), 32), _setting("OUTBOX_BACKOFF_MAX", 3600))
    return timedelta(seconds=seconds)


# --- recording ------------------------------------------------------------------------------------------


def outbox_enqueue(*, handler: str, payload: dict[str, Any]) -> OutboxMessage:
    """Record `payload` for `handler` in the caller's transaction; publish it once that commits."""
    return outbox_enqueue_many(handler=handler, payloads=[payload])[0]


def outbox_enqueue_many(*, handler: str, payloads: Sequence[dict[str, Any]]) -> list[OutboxMessage]:
    """The same for many payloads of one handler, with one INSERT."""
    if not payloads:
        return []
    queue = handler_get(handler).queue_name()
    available_at = timezone.now() + backoff(1)
    messages = [
        OutboxMessage(handler=handler, payload=payload, queue=queue, available_at=available_at) for payload in payloads
    ]
    outbox_messages_insert(messages)
    if connection.features.can_return_rows_from_bulk_insert:
        ids = [message.pk for message in messages]
        transaction.on_commit(partial(_publish, [(pk, queue) for pk in ids]), robust=True)
    else:  # no ids back (an old SQLite): the beat task or the command publishes them
        logger.warning("The outbox messages of %s wait for redelivery: no ids came back", handler)
    return messages


# --- publishing -----------------------------------------------------------------------------------------


def _publish(messages: Iterable[tuple[int, str]]) -> int:
    """Hand messages to the broker (in eager mode: deliver them here), one task a chunk of up to
    OUTBOX_PUBLISH_CHUNK messages of one queue: a batch of awards is a few broker round trips, not one a message.
    Stops at the first broker error, which it logs once: the rows stay pending and the beat task publishes them
    again. Returns how many were published."""
    from lms.tasks import outbox_deliver_many_task

    published = 0
    for queue, ids in _chunks(messages, size=max(int(_setting("OUTBOX_PUBLISH_CHUNK", 50)), 1)):
        try:
            outbox_deliver_many_task.apply_async(args=[ids], queue=queue or None)
        except Exception:
            logger.exception("Could not publish outbox messages %s; they stay pending for redelivery", ids)
            break
        published += len(ids)
    return published


def _chunks(messages: Iterable[tuple[int, str]], *, size: int) -> Iterator[tuple[str, list[int]]]:
    """Consecutive messages of one queue, `size` at most a chunk, in their order."""
    queue: str | None = None
    ids: list[int] = []
    for message_id, message_queue in messages:
        if ids and (message_queue != queue or len(ids) == size):
            yield queue or "", ids
            ids = []
        queue = message_queue
        ids.append(message_id)
    if ids:
        yield queue or "", ids


def _redelivery_wait(attempts: int, age: timedelta) -> timedelta:
    """How long a message published again now waits before the next time: the backoff of its failed deliveries (a
    message never tried waits like one tried once: its publish may be the lost one), doubled until it reaches the
    message's age, so a message that stays pending (a worker backlog, a worker that keeps dying) is published again
    less and less often, and only a few distinct waits (one UPDATE each) come out of a batch."""
    wait, ceiling = backoff(max(attempts, 1)), timedelta(seconds=_setting("OUTBOX_BACKOFF_MAX", 3600))
    while wait < age and wait < ceiling:
        wait = min(wait * 2, ceiling)
    return wait


def outbox_redeliver(
    *, now: datetime | None = None, batch: int | None = None, batches: int = 20, all_pending: bool = False
) -> int:
    """Publish again every pending message whose `available_at` has passed (`all_pending`: every pending one), in
    at most `batches` batches of `batch` rows, first pushing each one's `available_at` forward by its backoff (so
    the next run does not publish it again at once). Returns how many were published."""
    batch = batch or int(_setting("OUTBOX_REDELIVER_BATCH", 500))
    published, after = 0, 0
    for _round in range(batches):
        moment = now or timezone.now()
        pending = OutboxMessage.objects.select_for_update(skip_locked=True).filter(done_at__isnull=True, pk__gt=after)
        if not all_pending:
            pending = pending.filter(available_at__lte=moment)
        with transaction.atomic():
            due = list(pending.order_by("pk").values_list("pk", "queue", "attempts", "created_at")[:batch])
            by_wait: dict[timedelta, list[int]] = {}
            for pk, _queue, attempts, created_at in due:
                by_wait.setdefault(_redelivery_wait(attempts, moment - created_at), []).append(pk)
            for wait, ids in by_wait.items():
                OutboxMessage.objects.filter(pk__in=ids).update(available_at=moment + wait)
        sent = _publish((pk, queue) for pk, queue, _attempts, _created_at in due)
        published += sent
        if sent < len(due) or len(due) < batch:
            break
        after = due[-1][0]
    if published:
        logger.info("Published %d pending outbox messages again", published)
    return published


# --- delivering -----------------------------------------------------------------------------------------


def _locked_pending(message_id: int) -> OutboxMessage | None:
    """The pending message, locked; None when it is done, gone, or locked by another delivery right now."""
    return (
        OutboxMessage.objects.select_for_update(skip_locked=True)
        .filter(pk=message_id, done_at__isnull=True)
        .only("pk", "handler", "payload", "attempts")
        .first()
    )


def outbox_deliver(*, message_id: int) -> bool:
    """Run the handler of one pending message and mark it done. Returns True when this call ran it.

    A failure is recorded on the row (attempts, last error, and `available_at` after a backoff) and not raised:
    the beat task publishes it again then."""
    message: OutboxMessage | None = None
    claimed = False
    try:
        with transaction.atomic():
            message = _locked_pending(message_id)
            if message is None:
                return False
            handler = handler_get(message.handler)
            claimed = not handler.atomic
            if handler.atomic:
                handler.function(**message.payload)
                _done(message_id)
                return True
            # Claimed: a process that dies while running it leaves it to the beat task after the backoff.
            OutboxMessage.objects.filter(pk=message_id).update(
                attempts=F("attempts") + 1, available_at=timezone.now() + backoff(message.attempts + 1)
            )
        handler.function(**message.payload)
        OutboxMessage.objects.filter(pk=message_id).update(done_at=timezone.now(), last_error="")
        return True
    except Exception as error:
        if message is None:
            raise
        _failed(message, error, claimed=claimed)
        return False


def _done(message_id: int) -> None:
    OutboxMessage.objects.filter(pk=message_id).update(
        done_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
    )


def _failed(message: OutboxMessage, error: BaseException, *, claimed: bool) -> None:
    """Record a failed delivery in a transaction of its own (the handler's rolled back)."""
    attempts = message.attempts + 1
    logger.exception("Outbox message %s (%s) failed, attempt %d", message.pk, message.handler, attempts)
    fields: dict[str, Any] = {"last_error": f"{type(error).__name__}: {error}"[:2000]}
    if not claimed:  # a claimed message counted its attempt and pushed its time when it was claimed
        fields |= {"attempts": attempts, "available_at": timezone.now() + backoff(attempts)}
    OutboxMessage.objects.filter(pk=message.pk, done_at__isnull=True).update(**fields)


# --- keeping ----------------------------------------------------------------------------------------------


def outbox_prune(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Delete messages done more than OUTBOX_KEEP_DONE_DAYS ago, in batches (a done row is only a record of what
    ran); pending ones are never deleted. Returns how many were deleted."""
    before = (now or timezone.now()) - timedelta(days=_setting("OUTBOX_KEEP_DONE_DAYS", 7))
    deleted = 0
    while True:
        ids = list(OutboxMessage.objects.filter(done_at__lt=before).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += OutboxMessage.objects.filter(pk__in=ids).delete()[0]


@dataclass(frozen=True)
class PendingSummary:
    pending: int
    failing: int
    oldest: datetime | None
    messages: list[OutboxMessage]


def outbox_pending_summary(*, limit: int = 100) -> PendingSummary:
    """What operators see: how much work is pending, how much of it has failed at least once, and the oldest
    `limit` messages (two queries)."""
    from django.db.models import Count, Min, Q

    pending = OutboxMessage.objects.filter(done_at__isnull=True)
    figures = pending.aggregate(
        pending=Count("pk"), failing=Count("pk", filter=~Q(last_error="")), oldest=Min("created_at")
    )
    messages = list(pending.order_by("created_at", "pk")[:limit])
    return PendingSummary(
        pending=figures["pending"], failing=figures["failing"], oldest=figures["oldest"], messages=messages
    )
