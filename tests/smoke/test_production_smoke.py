"""A learner's whole journey on the production shape (tests/smoke/conftest.py), in Chromium.

Sign in, enrol, complete the lesson, send the task's PDF straight to S3 and fetch it back through its presigned
link, have the instructor grade it in the admin, and receive the badge issued by the real worker: its page
says it is valid, its signed JSON verifies, and its e-mail arrives.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.smoke.stack import PRIVATE_BUCKET, Stack

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.browser, pytest.mark.celery_worker]

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
BADGE_SECONDS = 60


def signed_in(browser, stack: Stack, email: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(base_url=stack.site_url, locale="en-CA", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(stack.seed["password"])
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/dashboard/")
    return context, page


def badge_link_after_reloads(page: Page, seconds: float):
    """The dashboard's link to the badge, once the worker has issued it."""
    deadline = time.monotonic() + seconds
    link = page.locator(".badges-dashboard-list a")
    while True:
        page.goto("/dashboard/")
        if link.count() or time.monotonic() > deadline:
            return link
        time.sleep(1)


def mail_containing(mail_dir: Path, text: str, seconds: float) -> str | None:
    deadline = time.monotonic() + seconds
    while True:
        for message in sorted(mail_dir.glob("*.log")):
            body = message.read_text(errors="replace")
            if text in body:
                return body
        if time.monotonic() > deadline:
            return None
        time.sleep(0.5)


def test_a_learner_goes_from_sign_in_to_a_verified_badge_on_the_production_stack(_playwright_browser, production_stack):
    stack = production_stack
    context, page = signed_in(_playwright_browser, stack, stack.seed["learner"])
    # Production's session cookie is Secure; Chromium keeps it on http://127.0.0.1, a secure context.
    assert [c["secure"] for c in context.cookies() if c["name"] == "sessionid"] == [True]
    stack.mark("learner signed in")

    page.goto(stack.seed["course_url"])
    page.get_by_role("button", name="Enrol for free").click()
    expect(page.get_by_text("You are enrolled")).to_be_visible()
    page.get_by_role("link", name="Start the course").click()
    page.get_by_role("button", name="Mark as complete").click()
    expect(page.locator("#lesson-complete [role=status]")).to_contain_text("Lesson complete")
    stack.mark("enrolled, lesson complete")

    page.goto(stack.seed["task_url"])
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.get_by_label("Files").set_input_files(
        files=[{"name": "report.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_text("Your work is submitted.")).to_be_visible()
    to_s3 = [url for url in posts if url.startswith(f"{stack.s3_public}/")]
    assert to_s3 == [f"{stack.s3_public}/{PRIVATE_BUCKET}"], posts  # straight from the browser to S3
    stack.mark("task file sent to S3")

    with page.expect_download() as downloading:
        page.get_by_role("link", name="report.pdf").click()
    download = downloading.value
    assert download.url.startswith(f"{stack.s3_public}/{PRIVATE_BUCKET}/private/direct/")
    assert Path(download.path()).read_bytes() == PDF
    assert page.request.get(download.url).status == 200  # the presigned link itself, not only the browser's copy
    stack.mark("task file downloaded")

    grader_context, grader = signed_in(_playwright_browser, stack, stack.seed["instructor"])
    grader.goto("/admin/grading/")
    grader.get_by_role("link", name=stack.seed["learner"]).click()
    grader.get_by_label("Points (out of 100)").fill("90")
    grader.get_by_role("button", name="Grade").click()
    expect(grader.get_by_role("status")).to_contain_text("The submission is graded")
    expect(grader.get_by_role("row", name=stack.seed["learner"])).to_contain_text("90%")
    grader_context.close()
    stack.mark("graded")

    badge = badge_link_after_reloads(page, BADGE_SECONDS)
    assert badge.count() == 1, f"no badge on the dashboard {BADGE_SECONDS} s after the course was completed"
    badge.click()
    expect(page.get_by_role("status")).to_contain_text("Valid")
    code = urlsplit(page.url).path.rstrip("/").rsplit("/", 1)[-1]
    stack.mark("badge issued and shown")

    credential = page.request.get(f"/credentials/{code}.json").text()
    page.goto("/credentials/")
    page.get_by_label("Paste a credential (JSON)").fill(credential)
    page.get_by_role("button", name="Verify").click()
    report = page.locator(".badges-report")
    expect(report).to_contain_text("Valid: this credential was issued as shown and has not been changed.")
    assert report.locator(".badges-check-failed").count() == 0
    assert report.locator(".badges-check-passed").count() > 0
    stack.mark("credential verified")

    e_mail = mail_containing(stack.mail_dir, code, seconds=30)
    assert e_mail is not None and stack.seed["learner"] in e_mail, "the badge's e-mail did not arrive"
    context.close()
