"""Fixtures for the webhook tests: an organization with an admin and a member, and a real receiver on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.models import WebhookEndpoint, WebhookEventType
from integrations.webhooks.services import endpoint_create
from organizations.models import Organization
from tests.integrations.webhook_receiver import Receiver
from tests.org_factories import make_member, make_org, org_admin

ALL_EVENTS = list(WebhookEventType.values)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def organization(db) -> Organization:
    return make_org(name="Acme")


@pytest.fixture
def member(organization):
    return make_member(organization, display_name="Sam Staff")


def register(organization: Organization, receiver: Receiver, events=None) -> WebhookEndpoint:
    """Register the receiver for `events` (all by default) and give it the secret, as an admin would."""
    endpoint, secret = endpoint_create(
        organization=organization, url=receiver.url, events=events or ALL_EVENTS, actor=org_admin(organization)
    )
    receiver.secret = secret
    return endpoint
