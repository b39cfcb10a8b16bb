"""Chromium from the sign-in page, through the organization's real identity provider on loopback, to a staff
member holding a seat: once with OpenID Connect (node-oidc-provider), once with SAML 2.0 (samlify)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from lms.models import User
from organizations.models import Membership, Seat, SeatState
from progress.models import Enrolment
from tests.browser.a11y import assert_accessible
from tests.live import live_page
from tests.sso.idp import DOMAIN, oidc_provider, organization_with_sso, saml_provider

pytestmark = [pytest.mark.browser, pytest.mark.node, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def oidc_idp(live_server) -> Iterator[dict]:
    with oidc_provider(live_server.url) as info:
        yield info


@pytest.fixture(scope="module")
def saml_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with saml_provider(tmp_path_factory.mktemp("saml-idp")) as info:
        yield info


@pytest.fixture
def page(_playwright_browser, live_server):
    with live_page(_playwright_browser, live_server) as page:
        yield page


def assert_member_with_seat(email: str, sso, bundle) -> None:
    user = User.objects.get(email=email)
    assert Membership.objects.filter(organization=sso.organization, user=user).exists()
    assert Seat.objects.get(bundle=bundle, user=user).state == SeatState.ASSIGNED
    assert Enrolment.objects.get(user=user, course=bundle.course).source == "seat"


def test_a_staff_member_signs_in_through_openid_connect_and_holds_a_seat(page, live_server, oidc_idp):
    sso, bundle = organization_with_sso(provider="openid_connect", idp=oidc_idp)
    page.goto("/accounts/login/")
    page.get_by_label("Work e-mail address").fill(f"ada@{DOMAIN}")
    page.get_by_role("button", name="Continue to my organization").click()
    # node-oidc-provider's own sign-in page, the address passed as login_hint; any password.
    expect(page.locator("input[name=login]")).to_have_value(f"ada@{DOMAIN}")
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/")
    expect(page.get_by_role("main")).to_contain_text(bundle.course.title)
    assert_member_with_seat(f"ada@{DOMAIN}", sso, bundle)


def test_a_staff_member_signs_in_through_saml_and_holds_a_seat(page, live_server, saml_idp):
    sso, bundle = organization_with_sso(provider="saml", idp=saml_idp)
    page.goto("/accounts/login/")
    page.get_by_label("Work e-mail address").fill(f"carl@{DOMAIN}")
    page.get_by_role("button", name="Continue to my organization").click()
    page.get_by_label("E-mail").fill(f"carl@{DOMAIN}")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/")
    expect(page.get_by_role("main")).to_contain_text(bundle.course.title)
    assert_member_with_seat(f"carl@{DOMAIN}", sso, bundle)


def test_the_organization_sign_in_page_and_its_error_pass_axe_and_work_from_the_keyboard(
    _playwright_browser, live_server
):
    # axe is injected as a script, which the site's CSP refuses: this context only bypasses it (tests/browser/a11y).
    context = _playwright_browser.new_context(base_url=live_server.url, locale="en-CA", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/org/sso/sign-in/")
    assert_accessible(page, "sign in with your organization")
    page.get_by_label("Work e-mail address").fill("someone@unknown.test")
    page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_contain_text("No organization signs in with addresses ending in")
    expect(page.get_by_label("Work e-mail address")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "sign in with your organization, unknown domain")
    context.close()
