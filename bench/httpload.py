"""HTTP mode: gunicorn on a loopback port and a bounded closed-loop load generator.

For each page, concurrency steps up (1, 2, 4, 8, 16 clients, each a different enrolled learner with a keep-alive
connection) until p95 passes 2x the page's unloaded p95 or errors reach 1%; the throughput of the last step
within both limits is what the page holds. Every step is bounded in requests and seconds; nothing leaves
127.0.0.1. The held throughputs are divided by the bare Wagtail page's.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.measure import percentile
from bench.operations import BENCH_PAGE_SLUGS, Context

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
WORKERS = 2
STEPS = (1, 2, 4, 8, 16)
STEP_SECONDS = 4.0
STEP_MAX_REQUESTS = 400
UNLOADED_REQUESTS = 25


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_until_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status in (200, 503):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer on loopback")


class Client:
    """One learner's keep-alive connection."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port, self.cookie = port, cookie
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)

    def get(self, path: str) -> tuple[float, bool]:
        started = time.perf_counter()
        try:
            self.conn.request("GET", path, headers={"Cookie": f"sessionid={self.cookie}", "Host": "localhost"})
            response = self.conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
            ok = False
        return time.perf_counter() - started, ok


def _step(clients: list[Client], paths: list[str]) -> dict[str, Any]:
    """Closed loop: each client sends its next request when the previous one answered, until a bound is hit."""
    times: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.perf_counter() + STEP_SECONDS

    def loop(client: Client, path: str) -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            with lock:
                if len(times) + errors >= STEP_MAX_REQUESTS:
                    return
            elapsed, ok = client.get(path)
            with lock:
                if ok:
                    times.append(elapsed)
                else:
                    errors += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(c, p)) for c, p in zip(clients, paths, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    total = len(times) + errors
    return {
        "rps": len(times) / wall if wall else 0.0,
        "p95_ms": percentile(times, 95) * 1000 if times else float("inf"),
        "error_rate": errors / total if total else 1.0,
        "requests": total,
    }


def _page(
    port: int, cookies: list[str], path_for: Callable[[int], str], log: Callable[[str], None], name: str
) -> dict[str, Any]:
    solo = Client(port, cookies[0])
    for _ in range(3):
        solo.get(path_for(0))
    unloaded = [solo.get(path_for(0))[0] for _ in range(UNLOADED_REQUESTS)]
    unloaded_p95 = percentile(unloaded, 95) * 1000
    held: dict[str, Any] = {"rps": 0.0, "p95_ms": None, "error_rate": 0.0, "concurrency": 0}
    steps = []
    for concurrency in STEPS:
        clients = [Client(port, cookies[i % len(cookies)]) for i in range(concurrency)]
        result = _step(clients, [path_for(i) for i in range(concurrency)])
        result["concurrency"] = concurrency
        steps.append(result)
        within = result["p95_ms"] <= 2 * unloaded_p95 and result["error_rate"] < 0.01
        log(
            f"  http {name}: {concurrency} clients, {result['rps']:.1f} req/s, p95 {result['p95_ms']:.0f} ms"
            f"{'' if within else ' (over the limits)'}"
        )
        if not within:
            break
        if result["rps"] >= held["rps"]:
            held = result
    return {
        "unloaded_p95_ms": unloaded_p95,
        "held_rps": held["rps"],
        "held_concurrency": held["concurrency"],
        "held_p95_ms": held["p95_ms"],
        "held_error_rate": held["error_rate"],
        "steps": steps,
    }


def measure(ctx: Context, *, database_url: str, log: Callable[[str], None]) -> dict[str, Any]:
    from progress.models import Enrolment

    m = ctx.manifest
    enrolments = list(
        Enrolment.objects.filter(course=m.big, status="active", completed_at__isnull=True)
        .select_related("user")
        .order_by("pk")[: max(STEPS)]
    )
    cookies = []
    for enrolment in enrolments:
        client = ctx.client(enrolment.user)
        cookies.append(client.cookies["sessionid"].value)
    lessons = [item.url for item in m.items(m.big) if item.specific_class.__name__ == "LessonPage"]
    leaf = "/" + "/".join(BENCH_PAGE_SLUGS) + "/"
    pages: dict[str, Callable[[int], str]] = {
        "bare_page": lambda i: leaf,
        "lesson_page": lambda i: lessons[(i * 7) % len(lessons)],
        "course_page": lambda i: m.big.url,
        "dashboard": lambda i: "/dashboard/",
    }
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DATABASE_URL": database_url}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "bench.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(WORKERS),
        "--threads",
        "1",
        "--log-level",
        "warning",
        "--timeout",
        "60",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    try:
        _wait_until_up(port)
        results = {name: _page(port, cookies, path_for, log, name) for name, path_for in pages.items()}
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    bare = results["bare_page"]["held_rps"]
    for result in results.values():
        result["ratio_to_bare"] = result["held_rps"] / bare if bare else None
    return {
        "method": f"gunicorn, {WORKERS} sync workers, on {HOST}; closed-loop clients {list(STEPS)}, each step at "
        f"most {STEP_SECONDS:.0f}s and {STEP_MAX_REQUESTS} requests; held = the best throughput with p95 within 2x "
        "the unloaded p95 and errors under 1%; each client is a different learner enrolled in the 60-hour course",
        "pages": results,
    }
