"""Sign-in with production's password hasher: milliseconds a sign-in and sign-ins per second per core.

The bench (like the test suite) runs with the test settings' MD5 hasher, which would make a sign-in look nearly
free. Production sets no PASSWORD_HASHERS of its own (`lms.settings.production` and `base`), so it hashes with
Django's default list, whose first hasher (PBKDF2 in Django 5.2) is the one every stored password is checked
and re-hashed with. This measure signs a learner in through allauth's form with that list in force, and the
same sign-in with the test hasher beside it: the difference is the hasher's.
"""

from __future__ import annotations

import ast
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import global_settings
from django.test import Client
from django.test.utils import override_settings

from bench.measure import counting_rows, percentile
from bench.operations import BenchError, expect

PASSWORD = "bench-sign-in-9"  # noqa: S105 - a benchmark account's password, in the benchmark's database only
SIGNIN_EMAIL = "signin-{hasher}@bench.test"
PRODUCTION_SETTINGS = ("production.py", "base.py")


def production_password_hashers(folder: Path | None = None) -> list[str]:
    """PASSWORD_HASHERS as production runs them: the value `lms.settings.production` (or `base`, which it
    imports) assigns, read from the source since importing production's settings refuses to start without its
    secrets; Django's default list when neither assigns one (the case today)."""
    if folder is None:
        import lms.settings

        folder = Path(lms.settings.__file__).parent
    for name in PRODUCTION_SETTINGS:
        tree = ast.parse((folder / name).read_text())
        for node in tree.body:
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            else:
                continue
            for target in targets:
                if isinstance(target, ast.Name) and target.id == "PASSWORD_HASHERS":
                    try:
                        return list(ast.literal_eval(value))
                    except ValueError as error:
                        raise BenchError(f"lms/settings/{name} computes PASSWORD_HASHERS: read it here") from error
    return list(global_settings.PASSWORD_HASHERS)


def _signin_user(hashers: list[str]) -> str:
    """A learner with a verified address whose password is stored by the first of `hashers`; returns the e-mail."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password

    from lms.models import User

    email = SIGNIN_EMAIL.format(hasher=hashers[0].rsplit(".", 1)[-1].lower())
    with override_settings(PASSWORD_HASHERS=hashers):
        encoded = make_password(PASSWORD)
    user, _created = User.objects.update_or_create(email=email, defaults={"password": encoded})
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return email


def _sign_in(email: str) -> Any:
    """One sign-in through allauth's form, by a new visitor (a new client, no session): answers the dashboard."""
    response = expect(Client().post("/accounts/login/", {"login": email, "password": PASSWORD}), 302)
    if not response["Location"].endswith("/dashboard/"):
        raise BenchError(f"the sign-in went to {response['Location']}, not the dashboard")
    return response


def _timed(email: str, count: int) -> tuple[list[float], list[float]]:
    _sign_in(email)  # warm-up: imports, templates, the hasher's first call
    walls, cpus = [], []
    for _ in range(count):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        _sign_in(email)
        walls.append(time.perf_counter() - wall0)
        cpus.append(time.process_time() - cpu0)
    return walls, cpus


def signin_rate(log: Callable[[str], None], *, count: int = 8) -> dict[str, Any]:
    """`count` sign-ins with production's hashers, and as many with the test hasher, after a warm-up each."""
    from django.conf import settings
    from django.contrib.auth.hashers import check_password, identify_hasher

    production = production_password_hashers()
    with override_settings(PASSWORD_HASHERS=production):
        email = _signin_user(production)
        stored = identify_hasher(_stored_password(email))  # the stored hash names the hasher that checks it
        if stored.algorithm != _first_algorithm(production):
            raise BenchError(f"the sign-in account's password is stored with {stored.algorithm}")
        walls, cpus = _timed(email, count)
        with counting_rows() as statements:  # one entry a statement, whatever the query log holds
            _sign_in(email)
        encoded = _stored_password(email)
        hasher_cpu = []
        for _ in range(3):
            cpu0 = time.process_time()
            check_password(PASSWORD, encoded)
            hasher_cpu.append(time.process_time() - cpu0)
        iterations = getattr(stored, "iterations", None)
    test_hashers = list(settings.PASSWORD_HASHERS)
    test_walls, test_cpus = _timed(_signin_user(test_hashers), count)
    cpu_ms = statistics.median(cpus) * 1000
    figures = {
        "hasher": stored.algorithm,
        "iterations": iterations,
        "sign_ins": count,
        "ms_median": statistics.median(walls) * 1000,
        "ms_p95": percentile(walls, 95) * 1000,
        "cpu_ms": cpu_ms,
        "per_second_per_core": 1000 / cpu_ms,
        "hasher_cpu_ms": statistics.median(hasher_cpu) * 1000,
        "queries": len(statements),
        "test_hasher": test_hashers[0].rsplit(".", 1)[-1],
        "test_hasher_ms_median": statistics.median(test_walls) * 1000,
        "test_hasher_cpu_ms": statistics.median(test_cpus) * 1000,
    }
    log(
        f"  sign-in with {stored.algorithm} ({iterations} iterations): {figures['ms_median']:.0f} ms "
        f"(p95 {figures['ms_p95']:.0f}), CPU {cpu_ms:.0f} ms = {figures['per_second_per_core']:.2f}/s per core; "
        f"the hasher alone {figures['hasher_cpu_ms']:.0f} ms; with the test hasher {figures['test_hasher_ms_median']:.1f} ms"
    )
    return figures


def _first_algorithm(hashers: list[str]) -> str:
    from django.utils.module_loading import import_string

    return str(import_string(hashers[0]).algorithm)


def _stored_password(email: str) -> str:
    from lms.models import User

    return str(User.objects.values_list("password", flat=True).get(email=email))
