"""The production shape for the outbox's fault tests: a Redis broker of the test's own (which it may stop), a real
Celery worker and a real beat in processes of their own, e-mails written to files the test counts, and this
process publishing to that broker as a web request would."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from lms.celery import app

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> float:
    """Poll until `condition` holds; returns the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            pytest.fail(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.1)
    return time.monotonic() - start


class RedisBroker:
    """`redis-server` on a free loopback port, without persistence: stopped and started again on the same port."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--daemonize", "no", "--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")],
            start_new_session=True,
        )
        wait_for(self.answers, seconds=20, what="redis-server to answer")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)
            self.process = None


def celery_process(
    broker: RedisBroker, command: list[str], *, log: Path, emails: Path, block_signing: Path | None = None
) -> subprocess.Popen[bytes]:
    """`celery worker` or `celery beat` (tests.badges.killable_worker) on this test's database and broker, with the
    outbox re-delivering after 2 s and beat running it every second."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_BROKER_URL": broker.url,
        "OUTBOX_REDELIVER_EVERY": "1",
        "OUTBOX_REDELIVER_AFTER": "2",
        "OUTBOX_TEST_EMAIL_DIR": str(emails),
    }
    env.pop("BADGES_TEST_BLOCK_SIGNING", None)
    if block_signing is not None:
        env["BADGES_TEST_BLOCK_SIGNING"] = str(block_signing)
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.badges.killable_worker", *command],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def worker(broker: RedisBroker, tmp_path: Path, *, block_signing: Path | None = None) -> subprocess.Popen[bytes]:
    """A worker consuming both queues, as deployed; returns once it is ready to take tasks."""
    command = ["--pool=solo", "--concurrency=1", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    command += ["--loglevel=INFO", "--queues=celery,notifications", f"--hostname={uuid.uuid4().hex}@%h"]
    log = tmp_path / f"worker-{uuid.uuid4().hex[:8]}.log"
    process = celery_process(broker, command, log=log, emails=tmp_path / "emails", block_signing=block_signing)
    wait_for(lambda: "ready." in log.read_text(errors="replace"), seconds=90, what="the worker to be ready")
    return process


def beat(broker: RedisBroker, tmp_path: Path) -> subprocess.Popen[bytes]:
    command = ["beat", "--loglevel=INFO", f"--schedule={tmp_path / 'beat-schedule'}", f"--pidfile={tmp_path / 'b.pid'}"]
    return celery_process(broker, command, log=tmp_path / "beat.log", emails=tmp_path / "emails")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Kill a process and any it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def emails_to(emails: Path, address: str) -> int:
    """How many e-mails the worker wrote to `address` (the file backend writes each message's headers)."""
    if not emails.exists():
        return 0
    return sum(file.read_text(errors="replace").count(f"\nTo: {address}\n") for file in emails.iterdir())


@contextlib.contextmanager
def publishing_to(broker: RedisBroker) -> Iterator[None]:
    """This process publishes to `broker` instead of running tasks eagerly, as a web process would."""
    keys = ("task_always_eager", "broker_url")
    saved = {key: app.conf[key] for key in keys}
    saved_environment = os.environ.get("CELERY_BROKER_URL")
    # Celery reads the broker's URL from the environment before its configuration.
    os.environ["CELERY_BROKER_URL"] = broker.url
    app.conf.update(task_always_eager=False, broker_url=broker.url)
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        if saved_environment is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_environment
        app.conf.update(saved)
        app._pool = None
        app.amqp._producer_pool = None


def end_worker_sessions() -> None:
    """End the database sessions the killed processes left, or the test database cannot be dropped."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
