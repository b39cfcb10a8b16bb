"""Datasets kept as PostgreSQL template databases: built once per schema, restored by CREATE DATABASE ... TEMPLATE.

The template `bench_<size>` carries its schema hash in its comment; a run rebuilds it only when the hash of
the migrations and the generator changed, else it clones it into the run's database in a few seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import psycopg

from bench.statements import (
    analyze,
    database_comment,
    database_comment_set,
    database_create,
    database_drop,
    database_rename,
)

ROOT = Path(__file__).resolve().parent.parent
COMMENT_PREFIX = "stackable-bench schema="


def _admin_url(database_url: str) -> str:
    parsed = urlparse(database_url)
    return urlunparse(parsed._replace(path="/postgres"))


def database_name(database_url: str) -> str:
    return urlparse(database_url).path.lstrip("/")


def with_name(database_url: str, name: str) -> str:
    return urlunparse(urlparse(database_url)._replace(path=f"/{name}"))


def _admin(database_url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(_admin_url(database_url), autocommit=True)


def template_name(size: str) -> str:
    # Checkouts benchmarking side by side give their templates their own prefix, so a schema change in one
    # never rebuilds the template another is restoring from.
    return f"{os.environ.get('BENCH_TEMPLATE_PREFIX', 'bench')}_{size.lower()}"


def stored_hash(database_url: str, template: str) -> str | None:
    with _admin(database_url) as conn:
        comment = database_comment(conn, template)
    if comment is None:
        return None
    return comment.removeprefix(COMMENT_PREFIX) if comment.startswith(COMMENT_PREFIX) else ""


def ensure_template(*, database_url: str, size: str, expected_hash: str, log: Callable[[str], None] = print) -> float:
    """Build `bench_<size>` unless it exists with `expected_hash`. Returns the seconds spent building (0 if none)."""
    template = template_name(size)
    if stored_hash(database_url, template) == expected_hash:
        return 0.0
    build = f"{template}_build"
    with _admin(database_url) as conn:
        database_drop(conn, build)
        database_create(conn, build)
    log(f"building dataset {size} into {build} (schema {expected_hash})")
    started = time.perf_counter()
    env = {**os.environ, "DATABASE_URL": with_name(database_url, build), "DJANGO_SETTINGS_MODULE": "bench.settings"}
    subprocess.run([sys.executable, "-m", "bench.build", "--dataset", size], cwd=ROOT, env=env, check=True)  # noqa: S603
    with _admin(database_url) as conn:
        database_drop(conn, template)
        database_rename(conn, build, template)
        database_comment_set(conn, template, COMMENT_PREFIX + expected_hash)
    return time.perf_counter() - started


def restore(*, database_url: str, size: str) -> float:
    """Replace the run's database with a fresh copy of the template, with planner statistics. Returns the seconds
    it took.

    The template is filled with COPY and a database cloned from it starts with empty statistics counters, so
    autovacuum would not analyse it during a run and the planner would guess (sequential scans of large tables
    in small joins). Production databases are analysed by autovacuum: the clone is analysed once here.
    """
    started = time.perf_counter()
    target = database_name(database_url)
    if not target.startswith(("stackable_bench", "bench_")):
        raise ValueError(f"refusing to replace {target!r}: the benchmark only drops its own databases")
    with _admin(database_url) as conn:
        database_drop(conn, target)
        database_create(conn, target, template=template_name(size))
    with psycopg.connect(database_url, autocommit=True) as conn:
        analyze(conn)
    return time.perf_counter() - started
