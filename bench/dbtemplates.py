"""Datasets kept as PostgreSQL template databases: built once per schema, restored by CREATE DATABASE ... TEMPLATE.

The template `bench_<size>` carries its schema hash in its comment; a run rebuilds it only when the hash of
the migrations and the generator changed, else it clones it into the run's database in a few seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
COMMENT_PREFIX = "stackable-bench schema="


def _admin_url(database_url: str) -> str:
    parsed = urlparse(database_url)
    return urlunparse(parsed._replace(path="/postgres"))


def database_name(database_url: str) -> str:
    return urlparse(database_url).path.lstrip("/")


def with_name(database_url: str, name: str) -> str:
    return urlunparse(urlparse(database_url)._replace(path=f"/{name}"))


def _admin(database_url: str) -> psycopg.Connection:
    return psycopg.connect(_admin_url(database_url), autocommit=True)


def template_name(size: str) -> str:
    # Checkouts benchmarking side by side give their templates their own prefix, so a schema change in one
    # never rebuilds the template another is restoring from.
    return f"{os.environ.get('BENCH_TEMPLATE_PREFIX', 'bench')}_{size.lower()}"


def stored_hash(database_url: str, template: str) -> str | None:
    with _admin(database_url) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [template]
        ).fetchone()
    if row is None:
        return None
    comment = row[0] or ""
    return comment.removeprefix(COMMENT_PREFIX) if comment.startswith(COMMENT_PREFIX) else ""


def _drop(conn: psycopg.Connection, name: str) -> None:
    # FORCE ends sessions on this benchmark database only (ours: a previous run or a killed build).
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def ensure_template(*, database_url: str, size: str, expected_hash: str, log: callable = print) -> float:
    """Build `bench_<size>` unless it exists with `expected_hash`. Returns the seconds spent building (0 if none)."""
    template = template_name(size)
    if stored_hash(database_url, template) == expected_hash:
        return 0.0
    build = f"{template}_build"
    with _admin(database_url) as conn:
        _drop(conn, build)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(build)))
    log(f"building dataset {size} into {build} (schema {expected_hash})")
    started = time.perf_counter()
    env = {**os.environ, "DATABASE_URL": with_name(database_url, build), "DJANGO_SETTINGS_MODULE": "bench.settings"}
    subprocess.run([sys.executable, "-m", "bench.build", "--dataset", size], cwd=ROOT, env=env, check=True)  # noqa: S603
    with _admin(database_url) as conn:
        _drop(conn, template)
        conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(build), sql.Identifier(template)))
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(template), sql.Literal(COMMENT_PREFIX + expected_hash)
            )
        )
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
        _drop(conn, target)
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(target), sql.Identifier(template_name(size))
            )
        )
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    return time.perf_counter() - started
