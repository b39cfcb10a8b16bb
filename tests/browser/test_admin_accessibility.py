"""axe-core over our pages inside the Wagtail admin, empty and after a failed submission (issue #17).

Only the page's <main> is audited: the sidebar and the rest of the chrome are Wagtail's own. axe-core is the npm
package pinned in tests/browser/axe (installed by `make axe`); it is injected as a script element, which the
admin's Content-Security-Policy refuses, so this context bypasses the policy (tests/browser/test_csp.py checks it).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from playwright.sync_api import expect

from assessments.services import attempt_start, attempt_submit, response_save, submission_create
from commerce.models import OrderLine
from commerce.services import order_create, payment_confirm
from tests.assessments.factories import course_of, learner_in, make_quiz, make_task, single_choice
from tests.factories import make_course, make_user
from tests.org_factories import make_org, org_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-123456789"
AXE_SCRIPT = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN_AXE = """
async (tags) => {
  const result = await axe.run({include: [["main"]]}, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
"""
SETTLED = "*, *::before, *::after { transition: none !important; animation: none !important; }"
ESSAY = {"type": "essay", "prompt": "Explain NAT.", "points": 4, "explanation": "", "min_words": 0, "max_words": 0}


@pytest.fixture
def admin_page(_playwright_browser, live_server):
    assert AXE_SCRIPT.exists(), "axe-core is not installed: run `make axe`"
    context = _playwright_browser.new_context(base_url=live_server.url, locale="en-CA", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    admin = make_user(email="root@example.test", is_staff=True, is_superuser=True)
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    yield page
    context.close()


def audit(page, path: str | None = None) -> None:
    if path is not None:
        response = page.goto(path)
        assert response is not None and response.status < 400, f"{path}: {response and response.status}"
    expect(page.locator("main h1")).to_have_count(1)
    # axe judges colours as they are painted: a field's error styling still fading in read as low contrast (one
    # run in five). Transitions and animations end at once, so the audit sees the page as it settles.
    page.add_style_tag(content=SETTLED)
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    page.add_script_tag(path=str(AXE_SCRIPT))
    assert page.evaluate(RUN_AXE, WCAG_TAGS) == [], page.url


def submit_failing(page, button: str, *, status: int = 400) -> None:
    """Submit a form with what the test filled in; the page answers with its errors."""
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name=button, exact=True).click()
    assert posted.value.status == status
    page.wait_for_load_state()


def test_our_admin_pages_pass_axe_empty_and_with_errors(admin_page):
    page = admin_page
    quiz = make_quiz(questions=[single_choice(), ESSAY], pass_mark=Decimal("50"), time_limit_minutes=30)
    learner = learner_in(quiz)
    attempt = attempt_start(quiz=quiz, user=learner)
    response_save(attempt=attempt, user=learner, key=attempt.question_keys[0], raw="a")
    response_save(attempt=attempt, user=learner, key=attempt.question_keys[1], raw="<p>It rewrites.</p>")
    attempt = attempt_submit(attempt=attempt, user=learner)
    task = make_task(course=course_of(quiz), max_points=Decimal("10"))
    submission = submission_create(task=task, user=learner_in(task), text="<p>work</p>")
    course = make_course(title="Cloud Basics", price="200.00", lessons_per_module=1)
    org = make_org()
    make_org()
    order = order_create(buyer=org_admin(org), organization=org, items=[(course, 10)], provider="test")
    order = payment_confirm(order=order, provider="test")
    line = OrderLine.objects.get(order=order)

    for path in (
        reverse("assessments_admin:queue"),
        reverse("assessments_admin:analysis", args=[quiz.pk]),
        reverse("progress_admin:courses"),
        reverse("progress_admin:report", args=[course_of(quiz).pk]),
        reverse("commerce_invoices"),
        reverse("commerce_orders:inspect", args=[order.pk]),
        reverse("organizations_private_courses_index"),
        reverse("lms_outbox"),
    ):
        audit(page, path)

    audit(page, "/admin/courses/new/")
    page.get_by_label("Estimated hours").fill("900")
    submit_failing(page, "Create the course")
    audit(page)

    audit(page, reverse("organizations_private_courses", args=[org.pk]))
    submit_failing(page, "Create the draft")
    audit(page)

    audit(page, reverse("commerce_orders:refund_seats", args=[order.pk, line.pk]))
    page.get_by_label("Unused seats to refund").fill("0")
    submit_failing(page, "Refund")
    audit(page)

    audit(page, reverse("assessments_accommodations:list", args=[course_of(quiz).pk]))
    page.get_by_label("Extra minutes").fill("-5")
    submit_failing(page, "Save the accommodation")
    audit(page)

    audit(page, reverse("assessments_admin:import", args=[quiz.pk]))
    submit_failing(page, "Preview")
    audit(page)

    audit(page, reverse("assessments_admin:attempt", args=[attempt.pk]))
    submit_failing(page, "Save the grade")
    audit(page)

    audit(page, reverse("assessments_admin:submission", args=[submission.pk]))
    page.get_by_label("Points (out of 10)").fill("99")
    submit_failing(page, "Grade", status=400)
    audit(page)
