"""The production shape of docker-compose.yml, without Docker: every service a subprocess on a loopback port.

moto's S3 server (a public and a private bucket), a PostgreSQL database of the smoke test's own (created,
migrated with `manage.py migrate` under lms.settings.production, dropped at the end), a redis-server of its own
(broker on db 0, cache on db 1, as in compose), gunicorn, a Celery worker on both queues and Celery beat, all
under lms.settings.production with real-looking secrets. Each process writes a log; a failing test shows them.

The server reaches S3 at 127.0.0.1 and browsers at localhost (AWS_S3_PUBLIC_ENDPOINT_URL), as compose's
containers reach MinIO at http://minio:9000 while browsers use the host's address.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.conftest import IN_CI, ROOT
from tests.s3 import MOTO_SERVER, _free_port

BIN = Path(sys.executable).parent
PUBLIC_BUCKET = "stackable-public"
PRIVATE_BUCKET = "stackable-private"
LOG_TAIL_LINES = 150


@dataclass
class Stack:
    """The running production shape, and what the journey needs to drive it."""

    site_url: str
    s3_internal: str
    s3_public: str
    mail_dir: Path
    env: dict[str, str]
    logs: dict[str, Path]
    seed: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    timeline: list[str] = field(default_factory=list)

    def mark(self, step: str) -> None:
        """Note when a step ended (seconds since the stack started): the log of a slow or failed run."""
        self.timeline.append(f"{time.monotonic() - self.started:6.1f} s  {step}")

    def log_tails(self) -> list[tuple[str, str]]:
        tails = [("timeline", "\n".join(self.timeline))]
        for name, path in self.logs.items():
            lines = path.read_text(errors="replace").splitlines() if path.exists() else ["(no log)"]
            tails.append((name, "\n".join(lines[-LOG_TAIL_LINES:])))
        return tails


class Processes:
    """Subprocesses started by the fixture, each in a session of its own, so stopping one stops its children
    (gunicorn's and Celery's workers) and nothing else."""

    def __init__(self, log_dir: Path, env: dict[str, str]) -> None:
        self.log_dir, self.env = log_dir, env
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: dict[str, Path] = {}

    def start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = self.log_dir / f"{name}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.running[name], self.logs[name] = process, log
        return process

    def finish(self, name: str, timeout: float) -> None:
        """Wait for a one-off command; fail with its log if it does not succeed."""
        try:
            code = self.running[name].wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise StackError(f"`{name}` did not finish in {timeout:.0f} s") from None
        if code != 0:
            raise StackError(f"`{name}` exited with {code}")

    def assert_alive(self, name: str) -> None:
        if self.running[name].poll() is not None:
            raise StackError(f"{name} exited with {self.running[name].returncode}")

    def stop_all(self) -> None:
        """SIGTERM to each process group (a leader that died may have left children), SIGKILL after 10 s."""
        for process in self.running.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.running.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=5)


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # the whole group has exited
        os.killpg(process.pid, signum)


class StackError(RuntimeError):
    """A service of the stack did not start or a setup command failed; the logs say why."""


def wait_until(check: Callable[[], bool], *, what: str, seconds: float, alive: Callable[[], None]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive()
        if check():
            return
        time.sleep(0.2)
    raise StackError(f"{what} within {seconds:.0f} s")


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code < 500
    except requests.RequestException:
        return False


def log_says(path: Path, text: str) -> bool:
    return path.exists() and text in path.read_text(errors="replace")


def needed_executable(name: str, path: Path | str | None) -> str:
    """A server the stack runs; when it is missing, the test fails in CI and is skipped elsewhere."""
    if path and Path(path).exists():
        return str(path)
    reason = f"needs {name} (not found)"
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service is a failure)", pytrace=False)
    pytest.skip(reason)


# --- PostgreSQL: a database of the smoke test's own, on the server the test settings name -------------------


def database_server() -> dict[str, Any]:
    from django.conf import settings

    default = settings.DATABASES["default"]
    return {
        "host": default.get("HOST") or "127.0.0.1",
        "port": int(default.get("PORT") or 5432),
        "user": default.get("USER") or "postgres",
        "password": default.get("PASSWORD") or "",
    }


def database_url(server: dict[str, Any], name: str) -> str:
    password = f":{quote(server['password'], safe='')}" if server["password"] else ""
    return f"postgres://{quote(server['user'], safe='')}{password}@{server['host']}:{server['port']}/{name}"


def database_admin(server: dict[str, Any], statement: str) -> None:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **server) as connection:
        connection.execute(statement)


# --- the stack --------------------------------------------------------------------------------------------


def production_env(*, tmp: Path, database: str, redis_port: int, s3_port: int, web_port: int) -> dict[str, str]:
    from cryptography.fernet import Fernet

    site_url = f"http://127.0.0.1:{web_port}"
    # Only what compose's containers get: nothing of the developer's own environment leaks into production settings.
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "lms.settings.production",
            "STACKABLE_VAR_DIR": str(tmp / "var"),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "BADGES_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DEBUG": "false",
            "SITE_URL": site_url,
            "ALLOWED_HOSTS": "127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": site_url,
            # Loopback has no TLS: production accepts an http SITE_URL there only with the redirect off.
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database,
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/1",
            "AWS_STORAGE_BUCKET_NAME": PUBLIC_BUCKET,
            "AWS_PRIVATE_BUCKET_NAME": PRIVATE_BUCKET,
            "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}",
            "AWS_S3_PUBLIC_ENDPOINT_URL": f"http://localhost:{s3_port}",
            "AWS_ACCESS_KEY_ID": "smoke",
            "AWS_SECRET_ACCESS_KEY": secrets.token_hex(24),
            "EMAIL_URL": f"filemail:///{tmp / 'mail'}",
            "DEFAULT_FROM_EMAIL": "Stackable <no-reply@smoke.test>",
        }
    )
    return env


def buckets_create(env: dict[str, str]) -> None:
    """The buckets compose's MinIO holds; anyone may read the public one (`mc anonymous set download`)."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=env["AWS_S3_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    for bucket in (PUBLIC_BUCKET, PRIVATE_BUCKET):
        client.create_bucket(Bucket=bucket)
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{PUBLIC_BUCKET}/*",
    }
    client.put_bucket_policy(
        Bucket=PUBLIC_BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )


@contextlib.contextmanager
def production_stack_running(tmp_path: Path) -> Iterator[Stack]:
    """Start the stack, yield it, and stop every process and drop the database whatever happens."""
    redis_server = needed_executable("redis-server", shutil.which("redis-server"))
    moto_server = needed_executable("moto_server (moto[server])", MOTO_SERVER)
    redis_port, s3_port, web_port = _free_port(), _free_port(), _free_port()
    server = database_server()
    name = f"stackable_smoke_{uuid.uuid4().hex[:12]}"
    env = production_env(
        tmp=tmp_path, database=database_url(server, name), redis_port=redis_port, s3_port=s3_port, web_port=web_port
    )
    (tmp_path / "var").mkdir()
    (tmp_path / "mail").mkdir()
    processes = Processes(tmp_path, env)
    stack = Stack(
        site_url=env["SITE_URL"],
        s3_internal=env["AWS_S3_ENDPOINT_URL"],
        s3_public=env["AWS_S3_PUBLIC_ENDPOINT_URL"],
        mail_dir=tmp_path / "mail",
        env=env,
        logs=processes.logs,
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    celery = [str(BIN / "celery"), "-A", "lms"]
    database_admin(server, f'CREATE DATABASE "{name}"')
    try:
        redis = [redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        processes.start("redis", [*redis, "--dir", str(tmp_path)])
        processes.start("s3", [moto_server, "-H", "127.0.0.1", "-p", str(s3_port)])
        processes.start("migrate", [*manage, "migrate", "--noinput"])
        processes.start("collectstatic", [*manage, "collectstatic", "--noinput"])
        wait_until(lambda: answers(stack.s3_internal), what="S3 answers", seconds=30, alive=lambda: None)
        buckets_create(env)
        stack.mark("S3 answers, buckets created")
        processes.finish("collectstatic", timeout=60)
        stack.mark("collectstatic done")
        # The long-running services start while migrations run: none of them reads the database before a request.
        # No control socket: gunicorn's default one is a single path under $HOME, shared by every gunicorn there.
        processes.start(
            "web",
            [str(BIN / "gunicorn"), "lms.wsgi:application", "--bind", f"127.0.0.1:{web_port}", "--workers", "2"]
            + ["--access-logfile", "-", "--timeout", "60", "--no-control-socket"],
        )
        processes.start(
            "worker",
            [*celery, "worker", "--loglevel=info", "--concurrency=1", "--queues=celery,notifications"]
            + ["--hostname", f"smoke-{web_port}@%h"],
        )
        processes.start("beat", [*celery, "beat", "--loglevel=info", "--schedule", str(tmp_path / "celerybeat")])
        processes.finish("migrate", timeout=120)
        stack.mark("migrate done")
        seeded = subprocess.run(
            [*manage, "shell", "-c", "from tests.smoke.seed import seed; seed()"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        (tmp_path / "seed.log").write_text(seeded.stdout + seeded.stderr)
        processes.logs["seed"] = tmp_path / "seed.log"
        if seeded.returncode != 0:
            raise StackError(f"the seed exited with {seeded.returncode}")
        stack.seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        stack.mark("seeded")

        def all_alive() -> None:
            for service in ("redis", "s3", "web", "worker", "beat"):
                processes.assert_alive(service)

        wait_until(lambda: answers(f"{stack.site_url}/healthz"), what="gunicorn answers", seconds=60, alive=all_alive)
        stack.mark("gunicorn answers")
        worker_log = processes.logs["worker"]
        wait_until(lambda: log_says(worker_log, " ready."), what="the worker is ready", seconds=60, alive=all_alive)
        stack.mark("worker ready")
        beat_log = processes.logs["beat"]
        wait_until(lambda: log_says(beat_log, "beat: Starting"), what="beat starts", seconds=30, alive=all_alive)
        stack.mark("beat started")
        yield stack
    except Exception:  # setup failed: show why, from every log
        for log_name, tail in stack.log_tails():
            print(f"----- {log_name} -----\n{tail}")
        raise
    finally:
        processes.stop_all()
        print("\n".join(["smoke timeline:", *stack.timeline]))  # shown with -rP, and on failure
        database_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
