"""`python -m bench.profile PROBE [PROBE ...] [--calls N] [--sort cumulative|tottime] [--limit N] [--callers PATTERN]`:
profile probes.

Runs on the database the last `make bench` (or `make bench-m`) restored, with the bench's settings and caches,
so the profile is of the code the benchmark times. Each named probe is called `--calls` times after a warm-up
(its `prepare` and `before_call` run untimed, outside the profile, as in the benchmark), under cProfile; the
report prints the heaviest functions and the wall and CPU time per call beside the probe's baseline's.

    make bench-profile PROBES="lesson_page lesson_first_visit"

The Celery worker is not started: probes that wait on a task (the credential rate) are refused by name.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time

WORKER_PROBES = {"broker_round_trip"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("probes", nargs="+", help="probe names, as in bench/results/latest.json")
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--sort", choices=["cumulative", "tottime"], default="cumulative")
    parser.add_argument("--limit", type=int, default=40, help="functions listed per probe")
    parser.add_argument("--callers", metavar="PATTERN", help="also list who calls the functions matching PATTERN")
    args = parser.parse_args(argv)

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from bench.datasets import Manifest
    from bench.measure import Probe
    from bench.operations import Context, baseline_probes, optional_probes, progress_probes

    ctx = Context(manifest=Manifest.load())
    probes: dict[str, Probe] = {p.name: p for p in baseline_probes(ctx) + progress_probes(ctx)}
    probes.update({p.name: p for p in optional_probes(ctx)[0]})
    unknown = [name for name in args.probes if name not in probes or name in WORKER_PROBES]
    if unknown:
        parser.error(f"unknown or worker-bound probes: {', '.join(unknown)}; known: {', '.join(sorted(probes))}")

    def timed(probe: Probe, calls: int, profiler: cProfile.Profile | None = None) -> tuple[list[float], list[float]]:
        walls, cpus = [], []
        for _ in range(calls):
            if probe.prepare is not None:
                probe.prepare()
            if probe.before_call is not None:
                probe.before_call()
            wall0, cpu0 = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            probe.call()
            if profiler is not None:
                profiler.disable()
            walls.append(time.perf_counter() - wall0)
            cpus.append(time.process_time() - cpu0)
        return walls, cpus

    for name in args.probes:
        probe = probes[name]
        base = probes.get(probe.baseline or "")
        for warm in (probe, base):
            if warm is not None:
                timed(warm, 3)
        walls, cpus = timed(probe, args.calls)
        line = (
            f"{name}: median {statistics.median(walls) * 1000:.2f} ms wall, {statistics.median(cpus) * 1000:.2f} ms CPU"
        )
        if base is not None:
            base_walls, base_cpus = timed(base, args.calls)
            line += (
                f"; {base.name}: {statistics.median(base_walls) * 1000:.2f} ms wall, "
                f"{statistics.median(base_cpus) * 1000:.2f} ms CPU; ratio {statistics.median(walls) / statistics.median(base_walls):.2f}×"
            )
        profiler = cProfile.Profile()
        timed(probe, args.calls, profiler)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(args.sort)
        stats.print_stats(args.limit)
        if args.callers:
            stats.print_callers(args.callers)
        print(f"=== {line} (unprofiled, {args.calls} calls)")
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
