"""An organization admin buys seats with the test provider, invites a member, and sees them on the dashboard."""

from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from commerce.models import DiscountTier
from organizations.models import Invitation
from tests.factories import make_course, make_user
from tests.org_factories import make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-123456789"


def verified(email: str):
    user = make_user(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def test_an_admin_buys_a_bundle_invites_a_member_and_sees_them_on_the_dashboard(
    page, login, _playwright_browser, live_server
):
    DiscountTier.objects.create(min_seats=5, percent=Decimal("10"))
    make_course(title="Linux for the Cloud", price="200.00", lessons_per_module=2)
    org = make_org(name="Northwind Browser", admin=verified("boss@northwind.test"))
    verified("staff@northwind.test")

    login("boss@northwind.test", PASSWORD)
    page.goto(f"/checkout/bundle/?organization={org.slug}")
    page.get_by_label("Course").select_option(label="Linux for the Cloud (200.00 $)")
    page.get_by_label("Seats").fill("5")
    page.get_by_label("Test payment").check()
    page.get_by_role("button", name="Update the total").click()
    expect(page.locator(".commerce-total")).to_contain_text("1017.00 $")  # 1000 − 10 %, + 13 % HST
    page.get_by_role("button", name="Place the order").click()
    page.get_by_role("button", name="Confirm the payment").click()
    expect(page.locator(".commerce-status")).to_have_text("Paid")
    page.get_by_role("link", name="Give out the seats").click()
    expect(page.locator("table").first).to_contain_text("Linux for the Cloud")

    page.get_by_role("link", name="Invitations").click()
    page.get_by_label("E-mail address").fill("staff@northwind.test")
    page.locator("#id_bundle").select_option(label="Linux for the Cloud (5)")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".messages")).to_contain_text("Invitation sent to staff@northwind.test")

    token = Invitation.objects.get(email="staff@northwind.test").token
    staff_context = _playwright_browser.new_context(base_url=live_server.url)
    staff_page = staff_context.new_page()
    staff_page.goto("/accounts/login/")
    staff_page.get_by_label("Email").fill("staff@northwind.test")
    staff_page.get_by_label("Password").fill(PASSWORD)
    staff_page.get_by_role("button", name="Sign In").click()
    staff_page.wait_for_load_state()
    staff_page.goto(f"/org/invitations/{token}/")
    staff_page.get_by_role("button", name="Accept the invitation").click()
    expect(staff_page.locator(".messages")).to_contain_text("Welcome to Northwind Browser")
    staff_context.close()

    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("#staff-table")).to_contain_text("staff@northwind.test")
    expect(page.locator("#staff-table")).to_contain_text("Not started")
