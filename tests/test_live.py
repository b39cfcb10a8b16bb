"""tests/live.py's drain: a browser test's page ends only once the live server has served every request."""

from __future__ import annotations

import threading
import time

from tests.live import InFlight


def test_idle_waits_for_a_request_still_running():
    in_flight = InFlight()
    in_flight.started()
    finished_at: list[float] = []

    def finish_later() -> None:
        time.sleep(0.3)
        finished_at.append(time.monotonic())
        in_flight.finished()

    threading.Thread(target=finish_later).start()
    assert in_flight.wait_idle(timeout=5, settle=0.05) is True
    assert finished_at and time.monotonic() >= finished_at[0]
    assert in_flight.count == 0


def test_a_request_arriving_while_settling_is_waited_for_too():
    in_flight = InFlight()
    done = threading.Event()

    def late_request() -> None:
        time.sleep(0.05)  # within the settle period, after the count was first seen at zero
        in_flight.started()
        time.sleep(0.3)
        in_flight.finished()
        done.set()

    threading.Thread(target=late_request).start()
    assert in_flight.wait_idle(timeout=5, settle=0.2) is True
    assert done.is_set()


def test_idle_gives_up_on_a_request_that_never_ends():
    in_flight = InFlight()
    in_flight.started()
    began = time.monotonic()
    assert in_flight.wait_idle(timeout=0.3, settle=0.05) is False
    assert time.monotonic() - began >= 0.3
    assert in_flight.count == 1
