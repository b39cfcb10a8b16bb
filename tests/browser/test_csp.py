"""Every page type under the Content-Security-Policy we send: no violation, no console error or warning."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from badges.services import award_issue
from content.models import LessonPage
from progress.services import enrolment_create
from tests.assessments.factories import make_quiz, make_task, single_choice
from tests.badges.conftest import make_achievement
from tests.factories import make_course, make_user
from tests.org_factories import make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-123456789"

LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(`${event.violatedDirective} blocked ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`);
});
"""


def _verified(email: str, **fields):
    user = make_user(email=email, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def site():
    from badges.models import Issuer
    from badges.services import issuer_key_create
    from lms.roles import role_groups_ensure

    role_groups_ensure()
    learner = _verified("lea@example.test", display_name="Lea Learner")
    admin = _verified("root@example.test", is_staff=True, is_superuser=True)
    course = make_course(title="Linux for the Cloud", lessons_per_module=1)
    quiz = make_quiz(course=course, title="Ports check", questions=[single_choice()], pass_mark=50)
    task = make_task(course=course, title="Write it up", accept_files=True, allowed_file_types="pdf")
    enrolment_create(user=learner, course=course)
    issuer = Issuer.objects.create(
        name="Stackable Academy", slug="academy", url="https://academy.example/", email="badges@academy.example"
    )
    issuer_key_create(issuer=issuer)
    award = award_issue(learner=learner, achievement=make_achievement(issuer, course=course))
    paid = make_course(title="Paid course", price="120.00", lessons_per_module=1)
    org = make_org(name="Northwind CSP", admin=admin)
    return {
        "learner": learner,
        "admin": admin,
        "quiz": quiz,
        "task": task,
        "course": course,
        "award": award,
        "paid": paid,
        "org": org,
    }


@pytest.fixture
def watched(page):
    """The page, with every console message of level warning or error and every CSP violation collected."""
    problems: list[str] = []
    page.context.expose_binding("reportViolation", lambda _source, text: problems.append(f"CSP: {text}"))
    page.context.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text} ({page.url})")
            if message.type in ("error", "warning")
            else None
        ),
    )
    return page, problems


def _visit(page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status < 400, f"{path}: {response and response.status}"
    page.wait_for_load_state("load")


def _login(page, email: str) -> None:
    _visit(page, "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def test_the_learner_pages_run_under_the_strict_policy(watched, site):
    page, problems = watched
    _visit(page, "/")
    _visit(page, "/courses/")
    _visit(page, "/credentials/")
    _visit(page, "/accounts/signup/")
    _visit(page, "/accounts/password/reset/")
    _visit(page, f"/credentials/{site['award'].code}/")
    _login(page, site["learner"].email)
    lesson = LessonPage.objects.descendant_of(site["course"]).first()
    for path in (
        "/dashboard/",
        site["course"].url,
        lesson.url,
        site["task"].url,
        f"/checkout/course/{site['paid'].pk}/",
    ):
        _visit(page, path)
    _visit(page, site["quiz"].url)
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_load_state("load")
    page.get_by_role("group", name="Question 1").get_by_label("22").check()
    expect(page.locator(".save-status").first).to_contain_text("Saved at")  # the autosave's answer
    assert problems == []


def test_the_organization_and_admin_pages_run_under_their_policies(watched, site):
    page, problems = watched
    _login(page, site["admin"].email)
    _visit(page, f"/org/{site['org'].slug}/")
    _visit(page, f"/checkout/bundle/?organization={site['org'].slug}")
    _visit(page, site["course"].url)  # with the Wagtail user bar
    _visit(page, "/admin/")
    _visit(page, f"/admin/pages/{site['course'].pk}/edit/")
    _visit(page, f"/admin/pages/{site['quiz'].pk}/edit/")
    _visit(page, "/admin/")  # the editor releases its editing session now, not while the test database is flushed
    assert problems == []
