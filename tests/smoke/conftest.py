"""Fixtures of the production smoke test: the stack (tests/smoke/stack.py); Chromium is tests/conftest.py's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.smoke.stack import Stack, production_stack_running


@pytest.fixture
def production_stack(tmp_path: Path) -> Iterator[Stack]:
    with production_stack_running(tmp_path) as stack:
        yield stack


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed journey shows the end of every service's log."""
    report = yield
    stack = getattr(item, "funcargs", {}).get("production_stack")
    if report.failed and report.when == "call" and isinstance(stack, Stack):
        for log_name, tail in stack.log_tails():
            report.sections.append((f"smoke log: {log_name}", tail))
    return report
