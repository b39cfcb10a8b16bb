"""Browser tests: Playwright drives Debian's Chromium (tests/conftest.py's `_playwright_browser`) against
pytest-django's live server."""

from __future__ import annotations

import pytest

from tests.live import live_page
from tests.s3 import s3, s3_server  # noqa: F401  (moto's S3 server, for the direct-upload browser test)


@pytest.fixture
def page(_playwright_browser, live_server):
    with live_page(_playwright_browser, live_server) as page:
        yield page


@pytest.fixture
def login(page, live_server):
    """Log a user in through the real login form."""

    def _login(email: str, password: str) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_load_state()

    return _login
