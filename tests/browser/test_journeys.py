"""Whole journeys in Chromium: an admin revokes a learner's badge; a learner goes from sign-up to a shared badge."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from badges.models import Award
from badges.services import award_issue
from tests.badges import conftest as badge_fixtures
from tests.badges.conftest import make_achievement
from tests.factories import make_course, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

issuer = badge_fixtures.issuer
PASSWORD = "pw-123456789"


def verified_user(email: str, **extra) -> object:
    user = make_user(email=email, **extra)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def signed_in(browser, live_server, email: str):
    """A browser context of its own, signed in through the real login form."""
    context = browser.new_context(base_url=live_server.url, locale="en-CA")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    return context, page


def test_an_admin_revokes_a_badge_and_every_sharing_action_is_withdrawn(_playwright_browser, live_server, issuer):
    learner = verified_user("lea@example.test", display_name="Lea")
    verified_user("admin@example.test", is_staff=True, is_superuser=True)
    award = award_issue(learner=learner, achievement=make_achievement(issuer, name="Linux for the Cloud"))
    mail.outbox.clear()

    admin_context, admin = signed_in(_playwright_browser, live_server, "admin@example.test")
    admin.goto(reverse("badges_award_revoke", args=[award.pk]))
    admin.get_by_label("Reason (shown publicly)").fill("Plagiarism in the final task")
    admin.get_by_role("button", name="Revoke").click()
    admin.wait_for_selector("text=1 credential(s) revoked.")
    admin_context.close()

    context, page = signed_in(_playwright_browser, live_server, learner.email)
    page.goto("/dashboard/")
    item = page.locator(".badges-dashboard-list li", has_text="Linux for the Cloud")
    assert "Revoked" in item.inner_text()
    page.goto("/dashboard/badges/")
    wallet_item = page.locator(".badges-wallet-item", has_text="Linux for the Cloud")
    assert "Revoked" in wallet_item.inner_text() and "Plagiarism in the final task" in wallet_item.inner_text()
    for action in (
        "Download badge image (PNG)",
        "Download certificate (PDF)",
        "Add to LinkedIn profile",
        "Download JSON",
    ):
        assert wallet_item.get_by_role("link", name=action).count() == 0
    for path in ("badge.png", "certificate.pdf", "linkedin/"):
        response = page.request.get(f"/dashboard/badges/{award.code}/{path}", max_redirects=0)
        assert response.status == 410 and "Plagiarism in the final task" in response.text()

    page.goto(f"/credentials/{award.code}/")
    status = page.get_by_role("status").inner_text()
    assert "Revoked" in status and "Plagiarism in the final task" in status
    context.close()

    (message,) = [m for m in mail.outbox if learner.email in m.to]
    assert "revoked" in message.subject and "Plagiarism in the final task" in message.body


def test_a_learner_signs_up_earns_a_badge_and_adds_it_to_linkedin(page, live_server, issuer):
    course = make_course(title="Intro to Bash", modules=1, lessons_per_module=1)
    make_achievement(issuer, course=course, name="Intro to Bash")

    page.goto("/accounts/signup/")
    page.locator("#id_email").fill("newcomer@example.test")
    page.locator("#id_display_name").fill("Nora Newcomer")
    page.locator("#id_password1").fill("a-long-pass-phrase-42")
    page.locator("#id_password2").fill("a-long-pass-phrase-42")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_load_state()
    (confirmation,) = [m for m in mail.outbox if "newcomer@example.test" in m.to]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", confirmation.body)
    assert link is not None
    page.goto(urlsplit(link.group(0)).path)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()

    page.goto(course.url)
    page.get_by_role("button", name="Enrol for free").click()
    page.get_by_role("link", name="Start the course").click()
    page.get_by_role("button", name="Mark as complete").click()
    page.wait_for_selector("#lesson-complete [role=status]")

    page.goto("/dashboard/")
    badge_link = page.locator(".badges-dashboard-list").get_by_role("link", name="Intro to Bash")
    badge_link.click()
    award = Award.objects.get(learner__email="newcomer@example.test")
    assert page.url.endswith(f"/credentials/{award.code}/")
    assert "Valid" in page.get_by_role("status").inner_text()
    assert page.get_by_role("img", name="Badge: Intro to Bash").is_visible()

    # Not loaded: LinkedIn is reached by our redirect, whose Location is read here (CREDENTIALS.md's parameters).
    page.goto("/dashboard/badges/")
    href = page.get_by_role("link", name="Add to LinkedIn profile").get_attribute("href")
    assert href == f"/dashboard/badges/{award.code}/linkedin/"
    response = page.request.get(href, max_redirects=0)
    assert response.status == 302
    url = response.headers["location"]
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    params = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert params == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Intro to Bash",
        "organizationId": issuer.linkedin_organization_id,
        "issueYear": str(award.awarded_at.year),
        "issueMonth": str(award.awarded_at.month),
        "certUrl": award.url,
        "certId": award.code,
    }
