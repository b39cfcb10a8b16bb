"""A Playwright page on pytest-django's live server that ends only when the server has finished serving it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.signals import request_finished, request_started


class InFlight:
    """How many requests the live server is serving, counted by Django's request signals.

    A page's last action can leave a request running after the test's last assertion: an autosave whose answer
    is already on screen while its thread finishes, a beacon sent as the page unloads, the editor releasing its
    editing session. A transactional test's flush (one TRUNCATE of every table) then meets that request's locks,
    PostgreSQL breaks the deadlock by failing the flush, and the next test starts on a database full of rows."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = threading.Condition()

    def started(self, **_kwargs: object) -> None:
        with self._changed:
            self.count += 1

    def finished(self, **_kwargs: object) -> None:
        with self._changed:
            self.count -= 1
            self._changed.notify_all()

    def wait_idle(self, timeout: float = 20.0, settle: float = 0.2) -> bool:
        """True once no request has run for `settle` seconds (a request the browser sent as it closed may not
        have reached Django yet); False if requests were still running after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                while self.count:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._changed.wait(left)
                self._changed.wait(settle)
                if not self.count:
                    return True


@contextmanager
def live_page(browser, live_server) -> Iterator[object]:
    """A new browser context's page on the live server; on exit the context closes and the server drains."""
    in_flight = InFlight()
    request_started.connect(in_flight.started)
    request_finished.connect(in_flight.finished)
    context = browser.new_context(base_url=live_server.url, locale="en-CA")
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
    finally:
        context.close()
        idle = in_flight.wait_idle()
        request_started.disconnect(in_flight.started)
        request_finished.disconnect(in_flight.finished)
    if not idle:
        pytest.fail(f"the live server still served {in_flight.count} request(s) 20 s after the browser closed")
