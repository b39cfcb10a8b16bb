"""`python -m bench.run --dataset S|M [--http]`: restore the dataset, measure, write bench/RESULTS.md (M: RESULTS-M.md).

1. Build the dataset's template database if the schema changed (bench.dbtemplates), then restore it.
2. Start a real Celery worker on the Redis broker (database 9) for the broker baseline and the tasks.
3. Measure baselines and operations interleaved (bench.measure), then the rates (bench.landed).
4. With --http, serve the same database with gunicorn on loopback and find each page's held throughput.
5. Write bench/results/latest.json and bench/RESULTS.md (bench.report).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/stackable_bench"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/9"
FINDINGS = Path(__file__).resolve().parent / "findings.md"


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def _git(*args: str) -> str:
    command = ["git", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603


def _git_revision() -> str:
    try:
        dirty = _git("status", "--porcelain", "--untracked-files=no")
        return _git("rev-parse", "--short", "HEAD") + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """One Celery worker process (solo pool): the "per worker" of the credential rate."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "--quiet",
        "-A",
        "lms",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-l",
        "WARNING",
        "-n",
        "bench@%h",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603


def wait_for_worker(timeout: float = 60) -> None:
    from bench.tasks import noop

    deadline = time.monotonic() + timeout
    while True:
        try:
            noop.apply_async().get(timeout=5)
            return
        except Exception:  # any failure before the deadline means "not ready yet"
            if time.monotonic() > deadline:
                raise


def versions() -> dict[str, str]:
    from importlib.metadata import version

    import psycopg

    out = {"python": platform.python_version()}
    for package in ("django", "wagtail", "celery", "psycopg", "gunicorn", "redis"):
        out[package] = version(package)
    from bench.statements import server_version

    out["postgresql"] = server_version()
    out["libpq"] = str(psycopg.pq.version())
    return out


def flatness_pairs(results: dict[str, Any]) -> list[dict[str, Any]]:
    pairs = [
        ("lesson page: 20 vs 5,000 items", "lesson_page_small", "lesson_page_xl"),
        ("course page: 20 vs 5,000 items", "course_page_small", "course_page_xl"),
        ("learner dashboard: 1 vs 30 enrolments", "dashboard_1", "dashboard_30"),
        ("quiz submit: 10 vs 50 questions", "quiz_submit_10", "quiz_submit_50"),
        ("organization dashboard: 10 vs 5,000 staff", "org_dashboard_10", "org_dashboard_5000"),
        ("grading queue: 20 vs 500 submissions", "grading_queue_20", "grading_queue_500"),
        ("bundle checkout quote: 5 vs 5,000 seats", "bundle_quote_5", "bundle_quote_5000"),
    ]
    out = []
    for label, small, large in pairs:
        if small in results and large in results:
            a, b = results[small], results[large]
            out.append(
                {
                    "label": label,
                    "small": small,
                    "large": large,
                    "queries": f"{a['queries']} vs {b['queries']}",
                    "time_ratio": b["median_ms"] / a["median_ms"],
                    "time_ratio_p95": b["p95_ms"] / a["p95_ms"],
                }
            )
    return out


def caches_clear() -> list[str]:
    """Empty every configured cache before measuring. Redis keeps its keys between runs, and a key written by an
    earlier run (on another revision, or on an earlier build of the dataset, whose ids are reused) must never be
    read as this run's; each run starts as a freshly deployed site does. Returns the aliases cleared."""
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()
    return list(settings.CACHES)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=["S", "M"], default="S")
    parser.add_argument("--http", action="store_true", help="also measure held throughput under gunicorn")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds (one warm-up round is added)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("CELERY_BROKER_URL", DEFAULT_BROKER_URL)
    database_url = os.environ["DATABASE_URL"]
    import django

    django.setup()
    from bench import dbtemplates, landed, report
    from bench.datasets import SIZES, Manifest, schema_hash
    from bench.measure import run_rounds, summarise
    from bench.operations import Context, baseline_probes, optional_probes, progress_probes
    from lms.process import startup_objects_freeze

    size = SIZES[args.dataset]
    expected = schema_hash(size)
    build_s = dbtemplates.ensure_template(database_url=database_url, size=size.name, expected_hash=expected, log=log)
    restore_s = dbtemplates.restore(database_url=database_url, size=size.name)
    log(f"dataset {size.name} restored from {dbtemplates.template_name(size.name)} in {restore_s:.1f}s")
    log(f"caches cleared: {', '.join(caches_clear())}")

    from lms.celery import app as celery_app

    celery_app.control.purge()
    worker = start_worker({**os.environ})
    try:
        wait_for_worker()
        log("celery worker ready")
        ctx = Context(manifest=Manifest.load())
        probes = baseline_probes(ctx) + progress_probes(ctx)
        extra_probes, missing = optional_probes(ctx)
        probes += extra_probes
        log(
            f"measuring {len(probes)} probes, {args.rounds} rounds (+1 warm-up); not measured: "
            f"{', '.join(m.name for m in missing) or 'none'}"
        )
        # As production's web workers once they have loaded the application (lms/wsgi.py): here what the bench set
        # up (its dataset's manifest, clients and probes) is loaded too, and stays to the end of the run.
        log(f"objects frozen before measuring: {startup_objects_freeze():,}")
        samples = run_rounds(probes, rounds=args.rounds, log=log)
        results = summarise(probes, samples)
        extra, extra_missing = landed.extra_measurements(ctx, log)
        missing += list(extra_missing.values())
        http: dict[str, Any] | None = None
        if args.http:
            from bench import httpload

            http = httpload.measure(ctx, database_url=database_url, log=log)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        from bench.tasks import notifications_discard

        notifications_discard(celery_app.conf.broker_url)

    from django.conf import settings

    not_measured = {m.name: {"label": m.label, "reason": m.reason} for m in missing}
    verdicts = report.verdicts(results, {m.name: m.reason for m in missing}, extra)
    payload = {
        "dataset": size.name,
        "http": http,
        "git": _git_revision(),
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "counts": ctx.manifest.counts,
        "template": dbtemplates.template_name(size.name),
        "schema_hash": expected,
        "build_s": build_s,
        "restore_s": restore_s,
        "versions": versions(),
        "settings": f"{settings.SETTINGS_MODULE} (lms.settings.test + the bench app; DEBUG={settings.DEBUG}, "
        f"PostgreSQL, CONN_MAX_AGE={settings.DATABASES['default']['CONN_MAX_AGE']}, Celery on "
        f"{settings.CELERY_BROKER_URL}, cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]})",
        "method": f"every cache cleared after the restore; {args.rounds} measured rounds after 1 warm-up round; in a round "
        "probes take turns call by call, in an order shuffled every round; medians and nearest-rank p95 over every call "
        "of the measured rounds; a probe marked cold makes each call cold (evicts what it reads, or takes an object "
        "never seen before) outside the timing; a ratio target is met only when the median and the p95 ratios both are",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, shared with other engineers' test runs",
        "elapsed_s": time.perf_counter() - started,
        "results": results,
        "pairs": flatness_pairs(results),
        "not_measured": not_measured,
        "extra": extra,
        "verdicts": [v.__dict__ for v in verdicts],
        "findings_md": FINDINGS.read_text() if FINDINGS.exists() else "",
    }
    json_path, md_path = report.write(payload)
    log(f"wrote {md_path.relative_to(ROOT)} and {json_path.relative_to(ROOT)} in {payload['elapsed_s']:.0f}s")
    for v in verdicts:
        log(f"{v.status:>12}: {v.target} — {v.detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
