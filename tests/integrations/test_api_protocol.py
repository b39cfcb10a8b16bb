"""What every operation shares: tokens, JSON errors, cursors, the rate limit (and Redis down), the schema."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import OperationalError
from django.utils import timezone
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from integrations.api import api
from integrations.models import TokenScope
from integrations.tokens import token_create, token_revoke
from organizations.models import Invitation, Membership, Role
from organizations.services import invitation_create
from tests.faults import free_port
from tests.integrations.conftest import Caller, token_for
from tests.org_factories import make_bundle, make_member

pytestmark = pytest.mark.django_db

BUNDLES = "/api/v1/organization/bundles"
INVITATIONS = "/api/v1/organization/invitations"


# --- tokens -------------------------------------------------------------------------------------------


def test_a_revoked_token_answers_401(org_api, admin):
    from integrations.models import ApiToken

    assert org_api.get(BUNDLES).status_code == 200
    token_revoke(token=ApiToken.objects.get(), actor=admin)
    answer = org_api.get(BUNDLES)
    assert answer.status_code == 401
    assert answer.json() == {
        "code": "unauthenticated",
        "message": "Send a valid API token: Authorization: Bearer <token>.",
        "fields": {},
    }
    assert answer["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer stk_00000000_x", "Basic YTpi", "Bearer "])
def test_an_unknown_or_malformed_token_answers_401(client, org_api, header):
    assert client.get(BUNDLES, HTTP_AUTHORIZATION=header).status_code == 401


def test_the_right_prefix_with_a_wrong_secret_answers_401(client, org_api):
    forged = org_api.token[:-4] + ("AAAA" if not org_api.token.endswith("AAAA") else "BBBB")
    assert client.get(BUNDLES, HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401


def test_a_token_whose_creator_is_no_longer_an_admin_is_refused(org_api, org, admin):
    Membership.objects.filter(organization=org, user=admin).update(role=Role.MEMBER)
    answer = org_api.get(BUNDLES)
    assert answer.status_code == 403
    assert answer.json()["code"] == "forbidden"


# --- JSON errors --------------------------------------------------------------------------------------


def test_a_method_not_served_answers_405_in_json(org_api):
    answer = org_api.client.delete(BUNDLES, HTTP_AUTHORIZATION=f"Bearer {org_api.token}")
    assert answer.status_code == 405
    assert answer.json()["code"] == "method_not_allowed"
    assert answer["Allow"] == "GET"


def test_an_unknown_address_answers_404_in_json(client):
    answer = client.get("/api/v1/organization/nothing-here")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


def test_an_unexpected_error_answers_500_in_json(org_api, monkeypatch):
    import integrations.api.organizations as resource

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(resource, "bundles_with_counts", broken)
    answer = org_api.get(BUNDLES)
    assert answer.status_code == 500
    assert answer.json() == {"code": "server_error", "message": "Something went wrong on our side.", "fields": {}}


def test_a_database_outage_answers_503_in_json(org_api, monkeypatch):
    import integrations.api.organizations as resource

    def down(**kwargs: Any) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(resource, "bundles_with_counts", down)
    answer = org_api.get(BUNDLES)
    assert answer.status_code == 503
    assert answer.json()["code"] == "unavailable"
    assert answer["Retry-After"]


# --- cursors ------------------------------------------------------------------------------------------


def _walk(caller: Caller, path: str, **params: Any) -> tuple[list[int], int]:
    answer = caller.get(path, **params).json()
    seen, pages = [row["id"] for row in answer["items"]], 1
    while answer["next"]:
        answer = caller.client.get(answer["next"], HTTP_AUTHORIZATION=f"Bearer {caller.token}").json()
        seen += [row["id"] for row in answer["items"]]
        pages += 1
    return seen, pages


def test_a_cursor_walk_covers_every_row_once_even_with_equal_keys(org_api, org, admin):
    for n in range(7):
        invitation_create(organization=org, email=f"p{n}@example.test", actor=admin)
    Invitation.objects.update(created_at=timezone.now())  # every row has the same ordering key: the id decides
    seen, pages = _walk(org_api, INVITATIONS, limit=3)
    assert pages == 3
    assert len(seen) == 7 and set(seen) == set(Invitation.objects.values_list("pk", flat=True))


def test_a_row_added_during_a_walk_does_not_shift_the_pages(org_api, org, admin):
    for n in range(4):
        invitation_create(organization=org, email=f"p{n}@example.test", actor=admin)
    first = org_api.get(INVITATIONS, limit=2).json()
    invitation_create(organization=org, email="late@example.test", actor=admin)  # newest: before the cursor
    second = org_api.client.get(first["next"], HTTP_AUTHORIZATION=f"Bearer {org_api.token}").json()
    ids = [row["id"] for row in first["items"] + second["items"]]
    assert len(set(ids)) == 4


def test_a_tampered_cursor_answers_400(org_api, org, admin):
    for n in range(3):
        invitation_create(organization=org, email=f"p{n}@example.test", actor=admin)
    cursor = org_api.get(INVITATIONS, limit=1).json()["next"].split("cursor=")[1].split("&")[0]
    answer = org_api.get(INVITATIONS, cursor=cursor[:-3] + "xyz")
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid" and "cursor" in answer.json()["fields"]
    assert org_api.get(INVITATIONS, cursor="not-a-cursor").status_code == 400


def test_a_cursor_of_another_list_answers_400(org_api, org, admin):
    for n in range(3):
        invitation_create(organization=org, email=f"p{n}@example.test", actor=admin)
    next_url = org_api.get(INVITATIONS, limit=1).json()["next"]
    cursor = next_url.split("cursor=")[1].split("&")[0]
    from urllib.parse import unquote

    answer = org_api.get("/api/v1/organization/credentials", cursor=unquote(cursor))
    assert answer.status_code == 400


# --- the rate limit -----------------------------------------------------------------------------------


def test_the_limit_answers_429_with_retry_after_per_token(client, org, admin, settings):
    settings.API_RATE_LIMIT = "3/m"
    first = Caller(client, token_for(actor=admin, organization=org))
    second = Caller(client, token_for(actor=admin, organization=org))
    answers = [first.get(BUNDLES) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert [answer["X-RateLimit-Remaining"] for answer in answers[:3]] == ["2", "1", "0"]
    assert answers[0]["X-RateLimit-Limit"] == "3"
    limited = answers[3]
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert second.get(BUNDLES).status_code == 200  # another token has its own window


def test_the_window_ends(org, admin, settings):
    from integrations.api.auth import rate_count

    settings.API_RATE_LIMIT = "2/m"
    token = token_create(actor=admin, organization=org, name="t", scope=TokenScope.READ).token
    assert [rate_count(token_id=token.pk, now=120.0).remaining for _ in range(3)] == [1, 0, -1]
    assert rate_count(token_id=token.pk, now=180.0).remaining == 1


def test_with_redis_down_the_api_serves_without_a_limit(client, org, admin, settings):
    """Redis is an accelerator (lms.cache): the counter cannot be read, so the API fails open rather than
    refusing every client; the database still authenticates each request."""
    settings.API_RATE_LIMIT = "2/m"
    options = {"BREAKER_SECONDS": 5, "socket_timeout": 0.2, "socket_connect_timeout": 0.2}
    settings.CACHES = {
        "default": {
            "BACKEND": "lms.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": options,
        }
    }
    caller = Caller(client, token_for(actor=admin, organization=org))
    assert [caller.get(BUNDLES).status_code for _ in range(5)] == [200] * 5
    assert client.get(BUNDLES, HTTP_AUTHORIZATION="Bearer stk_00000000_x").status_code == 401


# --- the schema ---------------------------------------------------------------------------------------


@pytest.fixture
def schema(client) -> dict[str, Any]:
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def test_the_schema_is_valid_openapi_3(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}


def _routes() -> set[tuple[str, str]]:
    """Every (path, method) the API serves, read from ninja's routers rather than from the schema."""
    served = set()
    for bound in api._get_bound_routers():
        for address, path_view in bound.template.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    served.add((f"/api/v1{bound.prefix}{address}".replace("//", "/"), method.lower()))
    return served


def test_every_route_served_is_in_the_schema(schema):
    documented = {(address, method) for address, methods in schema["paths"].items() for method in methods}
    served = _routes()
    assert len(served) >= 15
    assert served == documented


def _validates(schema: dict[str, Any], path: str, method: str, answer: Any) -> None:
    operation = schema["paths"][path][method]
    content = operation["responses"][str(answer.status_code)]["content"]["application/json"]["schema"]
    OAS31Validator({**content, "components": schema["components"]}).validate(answer.json())


def test_real_answers_validate_against_their_schema(schema, org_api, learner_api, org, admin):
    bundle = make_bundle(org, seats=2)
    member = make_member(org)
    invitation_create(organization=org, email="a@example.test", actor=admin, bundle=bundle)
    seat = org_api.post("/api/v1/organization/seats", {"bundle_id": bundle.pk, "email": member.email})
    _validates(schema, "/api/v1/organization/seats", "post", seat)
    calls = [
        ("/api/v1/organization/bundles", org_api.get(BUNDLES)),
        ("/api/v1/organization/invitations", org_api.get(INVITATIONS, limit=1)),
        ("/api/v1/organization/progress", org_api.get("/api/v1/organization/progress")),
        ("/api/v1/organization/credentials", org_api.get("/api/v1/organization/credentials")),
        ("/api/v1/me/enrolments", learner_api.get("/api/v1/me/enrolments")),
        ("/api/v1/me/credentials", learner_api.get("/api/v1/me/credentials")),
        ("/api/v1/catalog/courses", learner_api.get("/api/v1/catalog/courses")),
    ]
    for path, answer in calls:
        assert answer.status_code == 200, path
        _validates(schema, path, "get", answer)
    refused = org_api.post("/api/v1/organization/seats", {"bundle_id": "x"})
    _validates(schema, "/api/v1/organization/seats", "post", refused)
    verified = learner_api.post("/api/v1/credentials/verify", json.dumps({"not": "a credential"}))
    _validates(schema, "/api/v1/credentials/verify", "post", verified)


def test_the_docs_page_lists_every_operation_without_inline_script(client, schema):
    answer = client.get("/api/v1/docs")
    assert answer.status_code == 200
    page = answer.content.decode()
    for address in schema["paths"]:
        assert f"<code>{address}</code>" in page
    assert "<script>" not in page and "cdn." not in page
    assert "'unsafe-inline'" not in answer["Content-Security-Policy"]
