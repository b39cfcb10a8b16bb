"""The measuring loop: baselines and operations interleaved call by call over several rounds, the first discarded.

Service time is wall time around one call (Django's test Client in process: no network); CPU time is this
process's `time.process_time()` over the same call. Queries and rows are counted on one extra call per
round, under `CaptureQueriesContext` and a cursor wrapper, so that counting never slows the timed calls.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass
class Probe:
    """One thing measured: a baseline or an operation. `call` does it once and raises if it went wrong."""

    name: str
    label: str
    call: Callable[[], Any]
    baseline: str | None = None  # the probe this one's times are divided by
    per_round: int = 12
    count_queries: bool = True
    group: str = ""
    notes: str = ""
    prepare: Callable[[], Any] | None = None  # untimed set-up before every call (e.g. start a quiz attempt)
    # Untimed, before every call (timed or counted), after `prepare`: what makes the call cold, e.g. evicting the
    # cache keys the operation reads or picking an object never seen before. `cold=True` marks the probe as
    # measured on cold caches in the report (and needs a `before_call` or a `call` that takes a new object).
    before_call: Callable[[], Any] | None = None
    cold: bool = False


@dataclass
class Sample:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, round(pct / 100 * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


@contextmanager
def counting_rows() -> Iterator[list[int]]:
    """Rows each statement returned or changed (psycopg's rowcount), summed by the caller."""
    counts: list[int] = []

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        result = execute(sql, params, many, context)
        counts.append(max(0, getattr(context["cursor"], "rowcount", 0) or 0))
        return result

    with connection.execute_wrapper(wrapper):
        yield counts


def _before(probe: Probe) -> None:
    """The probe's untimed set-up: `prepare`, then `before_call`."""
    if probe.prepare is not None:
        probe.prepare()
    if probe.before_call is not None:
        probe.before_call()


def _timed(probe: Probe, sample: Sample, *, keep: bool) -> None:
    _before(probe)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    probe.call()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    if keep:
        sample.wall.append(wall)
        sample.cpu.append(cpu)


def _counted(probe: Probe, sample: Sample) -> None:
    _before(probe)
    with CaptureQueriesContext(connection) as captured, counting_rows() as rows:
        probe.call()
    sample.queries.append(len(captured.captured_queries))
    sample.rows.append(sum(rows))


def run_rounds(
    probes: list[Probe], *, rounds: int, seed: int = 7, log: Callable[[str], None] = print
) -> dict[str, Sample]:
    """`rounds` measured rounds after one warm-up round.

    Within a round the probes take turns one call at a time, in an order shuffled every round, so that a
    burst of load from elsewhere on the machine falls on baselines and operations alike.
    """
    rng = random.Random(seed)
    samples = {probe.name: Sample() for probe in probes}
    for round_number in range(rounds + 1):
        warm_up = round_number == 0
        order = probes[:]
        rng.shuffle(order)
        started = time.perf_counter()
        for turn in range(max(probe.per_round for probe in probes)):
            for probe in order:
                if turn < probe.per_round:
                    _timed(probe, samples[probe.name], keep=not warm_up)
        if not warm_up:
            for probe in order:
                if probe.count_queries:
                    _counted(probe, samples[probe.name])
        label = "warm-up" if warm_up else f"round {round_number}/{rounds}"
        log(f"  {label}: {time.perf_counter() - started:.1f}s")
    return samples


def summarise(probes: list[Probe], samples: dict[str, Sample]) -> dict[str, dict[str, Any]]:
    """Median and p95 (ms), CPU (ms), queries and rows per call, and the ratios to each probe's baseline."""
    out: dict[str, dict[str, Any]] = {}
    for probe in probes:
        sample = samples[probe.name]
        out[probe.name] = {
            "label": probe.label,
            "group": probe.group,
            "baseline": probe.baseline,
            "calls": len(sample.wall),
            "median_ms": statistics.median(sample.wall) * 1000,
            "p95_ms": percentile(sample.wall, 95) * 1000,
            "cpu_ms": statistics.median(sample.cpu) * 1000,
            "queries": max(sample.queries) if sample.queries else None,
            "queries_min": min(sample.queries) if sample.queries else None,
            "rows": statistics.median(sample.rows) if sample.rows else None,
            "notes": probe.notes,
            "cold": probe.cold,
        }
    for result in out.values():
        base = out.get(result["baseline"] or "")
        if base:
            result["ratio_median"] = result["median_ms"] / base["median_ms"]
            result["ratio_p95"] = result["p95_ms"] / base["p95_ms"]
    return out
