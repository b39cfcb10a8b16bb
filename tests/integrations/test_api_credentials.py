"""Verifying a credential through the API: by its code and by its JSON, with the verification page's checks."""

from __future__ import annotations

import json

import pytest

from badges.models import Issuer
from badges.services import award_issue, award_revoke, issuer_key_create
from tests.badges.conftest import make_achievement
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def make_issuer() -> Issuer:
    issuer = Issuer.objects.create(
        name="Stackable Academy", slug="academy", url="https://academy.example/", email="badges@academy.example"
    )
    issuer_key_create(issuer=issuer)
    return issuer


@pytest.fixture
def award(db):
    return award_issue(learner=make_user(display_name="Lea Learner"), achievement=make_achievement(make_issuer()))


def test_a_credential_is_read_by_its_code_with_its_live_status(org_api, award):
    answer = org_api.get(f"/api/v1/credentials/{award.code}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "valid" and body["issuer"] == "Stackable Academy"
    assert body["credential"] == json.loads(award.credential_json)
    assert body["holder"] is None  # the learner has not chosen to show their name


def test_a_code_typed_loosely_is_found(learner_api, award):
    assert learner_api.get(f"/api/v1/credentials/{award.code.replace('-', '').lower()}").status_code == 200


def test_a_revoked_credential_says_so(org_api, award):
    award_revoke(award=award, user=make_user(is_superuser=True), reason="Exam fraud")
    assert org_api.get(f"/api/v1/credentials/{award.code}").json()["status"] == "revoked"


def test_an_unknown_code_is_not_found(org_api):
    answer = org_api.get("/api/v1/credentials/AAAA-BBBB-CCCC")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


def test_posting_a_credential_runs_the_verification_pages_checks(org_api, award):
    answer = org_api.post("/api/v1/credentials/verify", award.credential_json.encode())
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "valid"
    assert {check["name"] for check in body["checks"]} >= {"json", "shape"}
    assert all(check["passed"] for check in body["checks"])


def test_a_changed_credential_is_invalid(learner_api, award):
    credential = json.loads(award.credential_json)
    credential["name"] = "Something else"
    body = learner_api.post("/api/v1/credentials/verify", credential).json()
    assert body["status"] == "invalid"
    assert any(not check["passed"] for check in body["checks"])


def test_a_read_token_may_verify(org_read_api, award):
    assert org_read_api.post("/api/v1/credentials/verify", award.credential_json.encode()).status_code == 200


def test_a_body_that_is_not_json_is_reported_invalid(org_api):
    body = org_api.post("/api/v1/credentials/verify", b"not json").json()
    assert body["status"] == "invalid"
    assert [check["name"] for check in body["checks"] if not check["passed"]] == ["json"]
