"""Keyboard-only journeys (WCAG 2.1.1, 2.1.2, 2.4.3, 2.4.7, 4.1.3): after the first `goto` of each journey only
`page.keyboard` moves. Every element that takes focus on the way is visible and shows a focus style, Tab always
moves on (no trap), and each htmx update is announced by a live region that stays the same node while its text
changes. A full-page answer with an error puts focus on its error summary (role=alert)."""

from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from commerce.models import DiscountTier
from lms.roles import role_groups_ensure
from progress.services import enrolment_create
from tests.assessments.factories import course_of, make_quiz, single_choice
from tests.factories import make_course, make_skill, make_user
from tests.org_factories import make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-123456789"

FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) { return {body: true}; }
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow && style.boxShadow !== "none";
  return {
    body: false,
    key: el.tagName + "#" + el.id + "." + el.className + "|" + (el.getAttribute("href") || el.name || "")
      + "|" + (el.value || "") + "|" + el.textContent.trim().slice(0, 40),
    visible: box.width > 0 && box.height > 0 && el.checkVisibility({visibilityProperty: true}),
    styled: outline || shadow,
    html: el.outerHTML.slice(0, 160),
  };
}"""

TAG_REGION = """(selector) => {
  const region = document.querySelector(selector);
  window.__announcer = region;
  return region.textContent.trim();
}"""

SAME_REGION = """(selector) => window.__announcer !== undefined && window.__announcer.isConnected
  && window.__announcer === document.querySelector(selector)"""


def focus_state(page):
    return page.evaluate(FOCUS_STATE)


def assert_focus_shown(page):
    state = focus_state(page)
    assert not state["body"], "focus fell to <body>"
    assert state["visible"], f"the focused element is not visible: {state['html']}"
    assert state["styled"], f"the focused element shows no focus style: {state['html']}"
    return state


def tab_to(page, selector, *, limit=80, key="Tab"):
    """Press Tab (or Shift+Tab) until an element matching `selector` has focus, checking every stop on the way."""
    target = page.locator(selector)
    expect(target.first).to_be_attached()
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        state = assert_focus_shown(page)
        seen.append(state["key"])
        if target.evaluate_all("els => els.includes(document.activeElement)"):
            return
    raise AssertionError(f"{selector} never took focus after {limit} presses of {key}: {seen[-10:]}")


def assert_not_trapped(page):
    before = focus_state(page)["key"]
    page.keyboard.press("Tab")
    after = assert_focus_shown(page)
    assert after["key"] != before, "Tab did not move focus: a keyboard trap"
    page.keyboard.press("Shift+Tab")
    assert_focus_shown(page)


def tag_region(page, selector):
    return page.evaluate(TAG_REGION, selector)


def assert_announced(page, selector, before):
    region = page.locator(selector)
    expect(region).not_to_have_text(before)
    expect(region).not_to_be_empty()
    assert page.evaluate(SAME_REGION, selector), f"{selector} was replaced: its update is likely not announced"
    live = region.evaluate("el => el.closest('[aria-live], [role=status], [role=alert]') !== null")
    assert live, f"{selector} is not inside a live region"


def verified(email):
    user = make_user(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def sign_in(page, email):
    """Set-up, not the journey: the login fixture's form (its own keyboard path is checked elsewhere)."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def test_a_catalog_search_with_filters_by_keyboard(page):
    linux = make_skill("Linux")
    make_course(title="Linux for the Cloud", level="beginner", skills=[linux])
    make_course(title="Containers and Kubernetes", level="intermediate", price="249.00")
    make_course(title="Search Engine Marketing", level="beginner", language="fr")

    page.goto("/courses/")
    page.wait_for_load_state("load")
    count = "#catalog-count"
    expect(page.locator(count)).to_contain_text("3 courses")

    tab_to(page, "#filter-level-beginner")
    before = tag_region(page, count)
    page.keyboard.press("Enter")
    page.wait_for_url("**/courses/?level=beginner")
    assert_announced(page, count, before)
    expect(page.locator(count)).to_contain_text("2 courses")
    # The chosen filter keeps focus (the link was replaced by its new copy, same id): not <body>.
    expect(page.locator("#filter-level-beginner")).to_be_focused()
    expect(page.locator("#filter-level-beginner")).to_have_attribute("aria-current", "true")
    assert_focus_shown(page)
    assert_not_trapped(page)

    tab_to(page, "#catalog-q")
    before = tag_region(page, count)
    page.keyboard.type("linux")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=linux**")
    assert_announced(page, count, before)
    expect(page.locator(count)).to_contain_text("1 course")
    expect(page.locator("#catalog-q")).to_be_focused()
    assert "level=beginner" in page.url

    # On to the filtered result, and into it.
    tab_to(page, "#catalog-results .course-card a")
    expect(page.locator(":focus")).to_have_text("Linux for the Cloud")
    assert_not_trapped(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Linux for the Cloud")


@pytest.fixture
def quiz_with_checks():
    role_groups_ensure()
    user = verified("kim@example.test")
    ports = single_choice(1, prompt="Which port does SSH use?")
    http = single_choice(2, prompt="Which port does plain HTTP use?")
    quiz = make_quiz(title="Ports check", questions=[ports, http], pass_mark=50, time_limit_minutes=30)
    quiz.feedback_mode = "immediate"
    quiz.save_revision().publish()
    enrolment_create(user=user, course=course_of(quiz))
    return user, quiz


def test_a_quiz_from_start_to_submit_with_a_check_by_keyboard(page, quiz_with_checks):
    user, quiz = quiz_with_checks
    sign_in(page, user.email)
    page.goto(quiz.url)

    tab_to(page, "button:text('Start the quiz')")
    page.keyboard.press("Enter")
    expect(page.locator("form.quiz-form")).to_be_visible()
    page.wait_for_load_state("load")  # htmx and attempt.js are deferred
    timer = page.get_by_role("timer", name="Time left")
    expect(timer).to_have_attribute("aria-live", "off")
    # The silent timer is read on demand, through the quiz's live region.
    tab_to(page, ".quiz-timer-read")
    before = tag_region(page, "#quiz-announcer")
    page.keyboard.press("Enter")
    assert_announced(page, "#quiz-announcer", before)
    expect(page.locator("#quiz-announcer")).to_contain_text("Time left:")

    first = page.locator("fieldset.quiz-question").first
    key = first.get_attribute("data-key")
    status = f"#status-{key}"
    tab_to(page, f"#question-{key} input[type=radio]")
    before = tag_region(page, status)
    page.keyboard.press("Space")
    assert_announced(page, status, before)
    expect(page.locator(status)).to_contain_text("Saved at")

    tab_to(page, f"#question-{key} button.check-answer")
    before = tag_region(page, "#quiz-announcer")
    page.keyboard.press("Enter")
    assert_announced(page, "#quiz-announcer", before)
    expect(page.locator("#quiz-announcer")).to_contain_text("Question 1:")
    expect(page.locator(f"#check-{key}")).to_be_focused()  # the result takes focus, not <body>
    assert_focus_shown(page)
    assert_not_trapped(page)

    second = page.locator("fieldset.quiz-question").nth(1)
    second_key = second.get_attribute("data-key")
    tab_to(page, f"#question-{second_key} input[type=radio]")
    page.keyboard.press("Space")
    expect(page.locator(f"#status-{second_key}")).to_contain_text("Saved at")
    tab_to(page, "button:text('Submit the quiz')")
    assert_not_trapped(page)
    page.keyboard.press("Enter")
    expect(page.locator(".result-score")).to_be_visible()


def test_the_invitation_form_with_an_error_then_corrected_by_keyboard(page):
    make_course(title="Linux for the Cloud", price="200.00")
    org = make_org(name="Northwind Keys", admin=verified("boss@northwind.test"))
    sign_in(page, "boss@northwind.test")
    page.goto(f"/org/{org.slug}/invite/")

    tab_to(page, "#id_email")
    page.keyboard.type("not-an-email")
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")

    summary = page.locator(".error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()  # focus on the summary, not <body>
    assert_focus_shown(page)
    expect(page.locator("#id_email")).to_have_attribute("aria-invalid", "true")
    described = page.locator("#id_email").get_attribute("aria-describedby").split()
    assert any(page.locator(f"#{id_}").inner_text().strip() for id_ in described)

    page.keyboard.press("Tab")
    expect(summary.locator("a[href='#id_email']")).to_be_focused()
    assert_focus_shown(page)
    page.keyboard.press("Enter")
    expect(page.locator("#id_email")).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("staff@northwind.test")
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    expect(page.locator(".messages")).to_contain_text("Invitation sent to staff@northwind.test")
    expect(page.locator(".error-summary")).to_have_count(0)


def test_the_checkout_to_the_order_by_keyboard(page):
    DiscountTier.objects.create(min_seats=5, percent=Decimal("10"))
    make_course(title="Linux for the Cloud", price="200.00", lessons_per_module=2)
    org = make_org(name="Northwind Checkout", admin=verified("buyer@northwind.test"))
    sign_in(page, "buyer@northwind.test")
    page.goto(f"/checkout/bundle/?organization={org.slug}")

    # Placing the order without a payment method: the error summary takes focus and leads to the choices.
    tab_to(page, "button[value=place]")
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    assert_focus_shown(page)

    tab_to(page, "#id_course")
    page.keyboard.press("ArrowDown")  # a closed <select> changes its choice with the arrows
    expect(page.locator("#id_course")).not_to_have_value("")
    tab_to(page, "#id_seats")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("5")
    tab_to(page, "input[name=provider]:checked")  # Tab enters a radio group at its checked choice
    test_payment = page.locator("input[name=provider][value=test]")
    for _ in range(page.locator("input[name=provider]").count()):
        if test_payment.is_checked():
            break
        page.keyboard.press("ArrowDown")  # the arrows move the choice within the group
    expect(test_payment).to_be_checked()
    expect(test_payment).to_be_focused()
    tab_to(page, "button[value=quote]")
    page.keyboard.press("Enter")
    expect(page.locator(".commerce-total")).to_contain_text("$1,017.00")  # 1000 − 10 %, + 13 % HST

    tab_to(page, "button[value=place]")
    assert_not_trapped(page)
    page.keyboard.press("Enter")
    tab_to(page, "button[value=confirm]")
    page.keyboard.press("Enter")
    expect(page.locator(".commerce-status")).to_have_text("Paid")
    tab_to(page, "a:text('Give out the seats')")
    assert_not_trapped(page)
