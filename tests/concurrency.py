"""Races on PostgreSQL: steps run in real threads, each on its own connection, released together by a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from django.db import connection


def race(*steps: Callable[[], object], named: Mapping[type[Exception], str] | None = None) -> list[str]:
    """Run every step at once; each reports "ok", the name `named` gives the exception it raised, or its repr.

    The outcomes come in the order the steps finished. Each thread closes its connection, so the test's
    database can be flushed afterwards.
    """
    barrier = threading.Barrier(len(steps))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(step: Callable[[], object]) -> None:
        try:
            barrier.wait()
            step()
            result = "ok"
        except Exception as error:  # noqa: BLE001 - reported by the test's assertion
            result = next((name for kind, name in (named or {}).items() if isinstance(error, kind)), repr(error))
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(step,)) for step in steps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
