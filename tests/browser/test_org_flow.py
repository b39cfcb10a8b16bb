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
    page.get_by_label("Course").select_option(label="Linux for the Cloud ($200.00)")
    page.get_by_label("Seats").fill("5")
    page.get_by_label("Test payment").check()
    page.get_by_role("button", name="Update the total").click()
    expect(page.locator(".commerce-total")).to_contain_text("$1,017.00")  # 1000 − 10 %, + 13 % HST
    page.get_by_role("button", name="Place the order").click()
    page.get_by_role("button", name="Confirm the payment").click()
    expect(page.locator(".commerce-status")).to_have_text("Paid")
    page.get_by_role("link", name="Give out the seats").click()
    expect(page.locator("table").first).to_contain_text("Linux for the Cloud")

    page.get_by_role("link", name="Invitations").click()
    page.get_by_label("E-mail address").fill("staff@northwind.test")
    page.locator("#id_bundle").select_option(label="Linux for the Cloud (5 available)")
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


def test_a_platform_admin_refunds_unused_seats_in_the_wagtail_admin(page, login):
    from commerce.models import Refund
    from commerce.services import order_create, payment_confirm
    from lms.roles import role_groups_ensure
    from tests.org_factories import org_admin

    course = make_course(title="Cloud Refunds", price="100.00", lessons_per_module=1)
    org = make_org(name="Refund Co")
    order = payment_confirm(
        order=order_create(buyer=org_admin(org), organization=org, items=[(course, 6)], provider="test"),
        provider="test",
    )
    _instructors, admins = role_groups_ensure()
    verified("finance@stackable.test").groups.add(admins)

    login("finance@stackable.test", PASSWORD)
    page.goto("/admin/commerce/orders/")
    page.locator("#id_q").fill(order.number)
    page.keyboard.press("Enter")
    page.get_by_role("link", name=order.number).first.click()  # the title opens the order's page (no edit view)
    expect(page.locator("#order-lines")).to_have_text("Lines")
    expect(page.locator("body")).to_contain_text("Cloud Refunds")
    page.get_by_role("link", name="Refund unused seats").click()
    page.get_by_label("Unused seats to refund").fill("7")
    page.get_by_label("Reason").fill("fewer staff than planned")
    page.get_by_role("button", name="Refund", exact=True).click()
    expect(page.locator(".error-message")).to_be_visible()
    page.get_by_label("Unused seats to refund").fill("2")
    page.get_by_role("button", name="Refund", exact=True).click()
    expect(page.locator("body")).to_contain_text("fewer staff than planned")
    assert Refund.objects.get(order=order).seats == 2


def test_an_instructor_creates_a_private_course_that_only_members_find(page, login, _playwright_browser, live_server):
    from organizations.models import Role
    from organizations.services import membership_add

    make_course(title="Public Course", lessons_per_module=1)
    org = make_org(name="Private Co")
    membership_add(organization=org, user=verified("author@private.test"), role=Role.INSTRUCTOR)
    membership_add(organization=org, user=verified("member@private.test"))
    verified("stranger@elsewhere.test")

    login("author@private.test", PASSWORD)
    page.goto("/admin/organizations/private-courses/")
    page.get_by_label("Title").fill("Private Co onboarding")
    page.get_by_label("Summary").fill("How we work.")
    page.get_by_label("Estimated hours").fill("6")
    page.get_by_role("button", name="Create the draft").click()
    page.wait_for_url("**/admin/pages/*/edit/")
    expect(page.locator(".messages")).to_contain_text("is a private draft of Private Co")
    page.get_by_role("button", name="More actions").click()  # Publish sits in the editor footer's menu
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".messages")).to_contain_text("published")

    def catalog_for(email):
        context = _playwright_browser.new_context(base_url=live_server.url)
        other = context.new_page()
        other.goto("/accounts/login/")
        other.get_by_label("Email").fill(email)
        other.get_by_label("Password").fill(PASSWORD)
        other.get_by_role("button", name="Sign In").click()
        other.wait_for_load_state()
        other.goto("/courses/")
        text = other.locator("main").inner_text()
        context.close()
        return text

    assert "Private Co onboarding" in catalog_for("member@private.test")
    assert "Private Co onboarding" not in catalog_for("stranger@elsewhere.test")
