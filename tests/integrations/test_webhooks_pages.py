"""The organization admin's webhooks page: register (the secret shown once), disable, delete, replay, and the
deliveries with their attempts; only the organization's admins reach it."""

from __future__ import annotations

import pytest

from integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from integrations.webhooks.signing import secret_decrypt
from progress.services import enrolment_create
from tests.factories import make_course, make_user
from tests.integrations.conftest import register
from tests.org_factories import make_member, make_org, org_admin

pytestmark = pytest.mark.django_db


def page(organization) -> str:
    return f"/org/{organization.slug}/webhooks/"


@pytest.fixture
def admin_client(client, organization):
    client.force_login(org_admin(organization))
    return client


def test_an_admin_registers_an_endpoint_and_sees_its_secret_once(admin_client, organization, receiver):
    response = admin_client.post(
        page(organization), {"url": receiver.url, "events": ["enrolment.created", "seat.assigned"]}
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get(organization=organization)
    secret = secret_decrypt(endpoint.secret_encrypted)
    assert secret.startswith("whsec_") and secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert secret not in endpoint.secret_encrypted  # encrypted at rest
    assert endpoint.events == ["enrolment.created", "seat.assigned"] and endpoint.active
    later = admin_client.get(page(organization)).content.decode()
    assert receiver.url in later and secret not in later


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example/in", "Only http:// and https:// addresses can receive webhooks."),
        ("not a url", "Enter a valid URL."),
        ("http://10.1.2.3/hooks", "private or local address"),
        ("http://127.0.0.1:9/hooks", "private or local address"),
        ("http://[::1]/hooks", "private or local address"),
        ("http://169.254.169.254/latest/meta-data/", "private or local address"),
    ],
)
def test_a_bad_or_private_url_is_a_form_error_and_nothing_is_saved(admin_client, organization, settings, url, message):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    response = admin_client.post(page(organization), {"url": url, "events": ["enrolment.created"]})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_needs_at_least_one_known_event(admin_client, organization, receiver):
    response = admin_client.post(page(organization), {"url": receiver.url})
    assert response.status_code == 400 and "Choose at least one event." in response.content.decode()
    response = admin_client.post(page(organization), {"url": receiver.url, "events": ["lesson.opened"]})
    assert response.status_code == 400 and "lesson.opened" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_page_answers_404_to_anyone_but_the_organizations_admins(client, organization, member):
    other = make_org()
    for user in (None, member, org_admin(other), make_user()):
        client.logout()
        if user is not None:
            client.force_login(user)
        assert client.get(page(organization)).status_code == 404
        assert (
            client.post(page(organization), {"url": "https://a.example/", "events": ["seat.assigned"]}).status_code
            == 404
        )
    assert not WebhookEndpoint.objects.exists()


def test_another_organizations_endpoint_or_delivery_is_not_found(
    client, organization, member, receiver, django_capture_on_commit_callbacks
):
    endpoint = register(organization, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_create(user=member, course=make_course(lessons_per_module=1))
    delivery = WebhookDelivery.objects.get()
    other = make_org()
    client.force_login(org_admin(other))
    base = page(other)
    assert client.post(f"{base}endpoints/{endpoint.pk}/active/", {"active": "0"}).status_code == 404
    assert client.post(f"{base}endpoints/{endpoint.pk}/delete/").status_code == 404
    assert client.post(f"{base}deliveries/{delivery.pk}/replay/").status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.active and WebhookDelivery.objects.get().attempt_records.count() == 1
    assert receiver.url not in client.get(base).content.decode()


def test_an_admin_disables_enables_and_deletes_an_endpoint(admin_client, organization, receiver):
    endpoint = register(organization, receiver)
    toggle = f"{page(organization)}endpoints/{endpoint.pk}/active/"
    assert admin_client.get(toggle).status_code == 405
    assert admin_client.post(toggle, {"active": "0"}).status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert "Disabled" in admin_client.get(page(organization)).content.decode()
    admin_client.post(toggle, {"active": "1"})
    endpoint.refresh_from_db()
    assert endpoint.active
    assert admin_client.post(f"{page(organization)}endpoints/{endpoint.pk}/delete/").status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_the_page_lists_deliveries_with_their_attempts_and_replays_one_through_the_worker(
    admin_client, organization, member, receiver, django_capture_on_commit_callbacks
):
    receiver.fail_first = 1
    register(organization, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_create(user=member, course=make_course(title="Forklift basics", lessons_per_module=1))
    delivery = WebhookDelivery.objects.get()
    html = admin_client.get(page(organization)).content.decode()
    assert "enrolment.created #1" in html and "HTTP 500" in html and "not now, sry" in html and "Pending" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{page(organization)}deliveries/{delivery.pk}/replay/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    html = admin_client.get(response["Location"]).content.decode()
    assert "The delivery is queued to be sent again." in html
    assert "HTTP 500" in html and "HTTP 204" in html and "Delivered" in html


def test_the_page_runs_a_fixed_number_of_queries(
    admin_client, organization, receiver, django_capture_on_commit_callbacks, django_assert_num_queries
):
    register(organization, receiver)
    for _n in range(3):
        learner = make_member(organization)
        with django_capture_on_commit_callbacks(execute=True):
            enrolment_create(user=learner, course=make_course(lessons_per_module=1))
    # the user, the organization, endpoints, deliveries, their attempts, and the base template's permissions (2)
    with django_assert_num_queries(7):
        response = admin_client.get(page(organization))
    assert response.content.decode().count("HTTP 204") == 3


def test_the_page_is_in_french_under_fr(admin_client, organization):
    html = admin_client.get(f"/fr{page(organization)}").content.decode()
    assert '<html lang="fr"' in html


def test_the_org_dashboard_links_the_webhooks_page(admin_client, organization):
    html = admin_client.get(f"/org/{organization.slug}/").content.decode()
    assert f'href="{page(organization)}"' in html
