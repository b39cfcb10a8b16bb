import itertools
import time
from typing import Any

from celery import shared_task
from celery.signals import task_postrun, task_prerun, worker_init

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


# Every task the bench's worker ran since the last `task_cpu_take`: [task name, the process's CPU time when it started,
# when it ended]. In the solo pool the worker is one process doing one thing at a time, so the CPU from one task's
# start to the next one's is everything that task cost the worker (receiving, decoding, running, acknowledging),
# when tasks are queued back to back; from start to end is the task's body alone.
_tasks_cpu: list[list[Any]] = []


@task_prerun.connect(dispatch_uid="bench.task_cpu_start")
def task_cpu_start(task: Any = None, **_kwargs: object) -> None:
    _tasks_cpu.append([getattr(task, "name", "?"), time.process_time(), None])


@task_postrun.connect(dispatch_uid="bench.task_cpu_end")
def task_cpu_end(task: Any = None, **_kwargs: object) -> None:
    if _tasks_cpu and _tasks_cpu[-1][2] is None:
        _tasks_cpu[-1][2] = time.process_time()


@shared_task
def task_cpu_take() -> list[list[Any]]:
    """[name, CPU at start, CPU at end] of every task since the last call (this one excluded); starts again."""
    taken = [row for row in _tasks_cpu if row[0] != task_cpu_take.name]
    _tasks_cpu.clear()
    return taken


def cpu_per_task(rows: list[list[Any]], name: str) -> tuple[list[float], list[float]]:
    """Seconds of the worker's CPU per task named `name`: (whole cycles, bodies). A cycle runs from the task's start
    to the next task's start, so only tasks followed by another task are counted (the last one of a run is not)."""
    cycles, bodies = [], []
    for row, following in itertools.pairwise(rows):
        if row[0] == name:
            cycles.append(following[1] - row[1])
            if row[2] is not None:
                bodies.append(row[2] - row[1])
    return cycles, bodies


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
