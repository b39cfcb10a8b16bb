import time
from typing import Any

from celery import shared_task
from celery.signals import worker_init

# Time the bench's worker spends signing credentials (badges.services.issuers.issuer_sign), since the last `signing_time_take`.
_signing = {"seconds": 0.0, "calls": 0}


@worker_init.connect(dispatch_uid="bench.time_signing")
def time_signing(**_kwargs: object) -> None:
    """In the bench's worker (the bench app is installed only under bench.settings): add up the time spent signing,
    so that signing's share of a batch is measured in the batch itself, not by a signature timed elsewhere."""
    from badges.services import issuers

    sign = issuers.issuer_sign
    if getattr(sign, "bench_timed", False):
        return

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return sign(*args, **kwargs)
        finally:
            _signing["seconds"] += time.perf_counter() - started
            _signing["calls"] += 1

    timed.bench_timed = True  # type: ignore[attr-defined]
    issuers.issuer_sign = timed


@shared_task
def signing_time_take() -> tuple[float, int]:
    """(seconds, signatures) the worker spent signing since the last call; starts counting again from zero."""
    taken = (_signing["seconds"], int(_signing["calls"]))
    _signing.update(seconds=0.0, calls=0)
    return taken


@shared_task
def noop() -> None:
    """The broker baseline: a task that does nothing, through the real Redis broker and a real worker."""


def notifications_discard(broker_url: str) -> int:
    """Drop the e-mails the measured awards queued: the bench's signing worker does not consume the notifications
    queue (production runs it on workers of its own), so they would pile up in the bench's Redis database."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(broker_url)
    try:
        # kombu keeps a queue in a list of its name, and one list per other priority ("<name>\x06\x16<n>").
        keys = [settings.NOTIFICATIONS_QUEUE, *client.scan_iter(match=f"{settings.NOTIFICATIONS_QUEUE}\x06\x16*")]
        return int(client.delete(*keys))
    finally:
        client.close()
