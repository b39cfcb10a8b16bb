"""An org admin invites a new address onto a seat; the invitee signs up from the link and lands enrolled."""

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from lms.models import User
from organizations.models import Invitation, SeatBundle
from progress.models import Enrolment
from tests.factories import make_course, make_user
from tests.org_factories import make_bundle, make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-123456789"


def test_an_invitee_signs_up_from_the_link_and_lands_enrolled_without_accepting_again(
    page, login, _playwright_browser, live_server
):
    admin = make_user(email="boss@westwind.test")
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    org = make_org(name="Westwind", admin=admin)
    course = make_course(title="Containers at Work", price="150.00", lessons_per_module=1)
    bundle = make_bundle(org, seats=3, course=course)

    login("boss@westwind.test", PASSWORD)
    page.goto(f"/org/{org.slug}/invite/")
    page.get_by_label("E-mail address").fill("newhire@westwind.test")
    page.locator("#id_bundle").select_option(label="Containers at Work (3 available)")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".messages")).to_contain_text("Invitation sent to newhire@westwind.test")

    token = Invitation.objects.get(email="newhire@westwind.test").token
    invitee_context = _playwright_browser.new_context(base_url=live_server.url, locale="en-CA")
    invitee = invitee_context.new_page()
    invitee.set_default_timeout(15_000)
    invitee.goto(f"/org/invitations/{token}/")
    invitee.get_by_role("link", name="Create your account").click()
    expect(invitee.get_by_label("Email")).to_have_value("newhire@westwind.test")
    invitee.get_by_label("Display name").fill("New Hire")
    invitee.get_by_label("Password:", exact=True).fill("a-long-pass-phrase-42")
    invitee.get_by_label("Password (again)").fill("a-long-pass-phrase-42")
    invitee.get_by_role("button", name="Sign Up").click()
    expect(invitee.locator(".messages")).to_contain_text("Welcome to Westwind")
    expect(invitee).to_have_url(live_server.url + course.url)
    invitee_context.close()

    user = User.objects.get(email="newhire@westwind.test")
    assert Enrolment.objects.get(user=user, course=course).source == "seat"
    assert SeatBundle.objects.get(pk=bundle.pk).seats_used == 1
    page.goto(f"/org/{org.slug}/seats/")
    expect(page.locator("table").nth(1)).to_contain_text("newhire@westwind.test")
