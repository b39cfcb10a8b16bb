"""Fixtures for the integrations tests: two organizations with their admins' tokens and a learner with their own
token (the API), an organization with an admin and a member and a real receiver on loopback (webhooks)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from integrations.models import TokenScope, WebhookEndpoint, WebhookEventType
from integrations.tokens import token_create
from integrations.webhooks.services import endpoint_create
from lms.models import User
from organizations.models import Organization
from tests.factories import make_user
from tests.integrations.webhook_receiver import Receiver
from tests.org_factories import make_member, make_org, org_admin

ALL_EVENTS = list(WebhookEventType.values)


@dataclass
class Caller:
    """A test client that sends one token."""

    client: Any
    token: str

    def _headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, **self._headers())

    def post(self, path: str, body: Any = None, **extra: Any) -> Any:
        import json

        data = body if isinstance(body, (bytes, str)) else json.dumps(body if body is not None else {})
        return self.client.post(path, data, content_type="application/json", **self._headers(), **extra)


def token_for(*, actor: User, organization: Organization | None = None, scope: str = TokenScope.READ_WRITE) -> str:
    return token_create(actor=actor, organization=organization, name="test", scope=scope).plain


@pytest.fixture
def org(db) -> Organization:
    return make_org(name="Acme")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def organization(db) -> Organization:
    return make_org(name="Acme")


@pytest.fixture
def other_org(db) -> Organization:
    return make_org(name="Globex")


@pytest.fixture
def admin(org) -> User:
    return org_admin(org)


@pytest.fixture
def org_api(client, org, admin) -> Caller:
    return Caller(client, token_for(actor=admin, organization=org))


@pytest.fixture
def org_read_api(client, org, admin) -> Caller:
    return Caller(client, token_for(actor=admin, organization=org, scope=TokenScope.READ))


@pytest.fixture
def other_api(client, other_org) -> Caller:
    return Caller(client, token_for(actor=org_admin(other_org), organization=other_org))


@pytest.fixture
def learner(db) -> User:
    return make_user(email="lea@example.test", display_name="Lea Learner")


@pytest.fixture
def learner_api(client, learner) -> Caller:
    return Caller(client, token_for(actor=learner))


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
