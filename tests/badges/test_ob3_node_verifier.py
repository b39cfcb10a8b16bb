"""Our credentials verify in Digital Bazaar's independent JavaScript stack, offline.

Marked `node`: `make test` installs the verifier's packages, and without Node.js or them every test here fails
(tests/conftest.py), so a missing install step can never pass silently.
"""

from __future__ import annotations

import copy
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.badges.test_ob3_verify import INDEX, LIST_URL, NOW, Issuer, sample_credential, verify

VERIFIER_DIR = Path(__file__).resolve().parents[2] / "badges" / "ob3" / "node_verifier"
VERIFY_MJS = VERIFIER_DIR / "verify.mjs"
pytestmark = pytest.mark.node


def run_node(
    credential: dict[str, Any],
    tmp_path: Path,
    *,
    did_documents: dict[str, Any],
    status_lists: dict[str, Any],
    now: datetime = NOW,
) -> dict[str, Any]:
    payload = {
        "credential": credential,
        "didDocuments": did_documents,
        "statusLists": status_lists,
        "now": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    path = tmp_path / "input.json"
    path.write_text(json.dumps(payload))
    completed = subprocess.run(
        ["node", str(VERIFY_MJS), str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.strip().splitlines()
    assert len(lines) == 1, completed.stdout
    return json.loads(lines[0])


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


def node_verify(credential: dict[str, Any], issuer: Issuer, tmp_path: Path, **kwargs: Any) -> dict[str, Any]:
    return run_node(
        credential,
        tmp_path,
        did_documents=kwargs.pop("did_documents", {issuer.did: issuer.did_document()}),
        status_lists=kwargs.pop("status_lists", {LIST_URL: issuer.status_list()}),
        **kwargs,
    )


def test_our_signed_badge_verifies_in_digital_bazaars_verifier(issuer: Issuer, tmp_path: Path) -> None:
    signed = issuer.sign(sample_credential(issuer))
    assert node_verify(signed, issuer, tmp_path) == {"verified": True, "revoked": False, "errors": []}
    assert verify(signed, issuer).status == "valid"


def test_a_revoked_badge_is_verified_with_status_revoked(issuer: Issuer, tmp_path: Path) -> None:
    signed = issuer.sign(sample_credential(issuer))
    issuer.revoked.add(INDEX)
    result = node_verify(signed, issuer, tmp_path)
    assert result["verified"] is True
    assert result["revoked"] is True
    assert verify(signed, issuer).status == "revoked"


def test_a_tampered_badge_does_not_verify(issuer: Issuer, tmp_path: Path) -> None:
    tampered = copy.deepcopy(issuer.sign(sample_credential(issuer)))
    tampered["credentialSubject"]["achievement"]["name"] = "Python Mastery"
    result = node_verify(tampered, issuer, tmp_path)
    assert result["verified"] is False
    assert "Invalid signature." in result["errors"]
    assert verify(tampered, issuer).status == "invalid"


def test_an_undefined_term_added_after_signing_fails_in_safe_mode(issuer: Issuer, tmp_path: Path) -> None:
    # pyld alone would still accept the signature (the term is dropped before hashing); both
    # Digital Bazaar's safe mode and our terms check reject the badge.
    altered = copy.deepcopy(issuer.sign(sample_credential(issuer)))
    altered["issuanceDate"] = "2025-09-01T09:30:00Z"
    result = node_verify(altered, issuer, tmp_path)
    assert result["verified"] is False
    assert any("issuanceDate" in error for error in result["errors"]), result["errors"]
    assert verify(altered, issuer).status == "invalid"


def test_a_key_whose_controller_is_not_the_issuer_does_not_verify(issuer: Issuer, tmp_path: Path) -> None:
    signed = issuer.sign(sample_credential(issuer))
    document = issuer.did_document()
    document["verificationMethod"][0]["controller"] = "did:web:evil.example:issuers:mallory"
    document_for_evil = {**document, "id": "did:web:evil.example:issuers:mallory"}
    result = node_verify(
        signed,
        issuer,
        tmp_path,
        did_documents={issuer.did: document, document_for_evil["id"]: document_for_evil},
    )
    assert result["verified"] is False


def test_an_expired_badge_does_not_verify(issuer: Issuer, tmp_path: Path) -> None:
    signed = issuer.sign(sample_credential(issuer))
    result = node_verify(signed, issuer, tmp_path, now=datetime(2029, 1, 1, tzinfo=UTC))
    assert result["verified"] is False
    assert any("validUntil" in error for error in result["errors"]), result["errors"]


def test_a_status_list_from_another_issuer_is_rejected(issuer: Issuer, tmp_path: Path) -> None:
    mallory = Issuer(slug="mallory")
    signed = issuer.sign(sample_credential(issuer))
    result = node_verify(
        signed,
        issuer,
        tmp_path,
        did_documents={issuer.did: issuer.did_document(), mallory.did: mallory.did_document()},
        status_lists={LIST_URL: mallory.status_list()},
    )
    assert result["verified"] is False


def test_the_verifier_exits_non_zero_on_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "input.json"
    path.write_text("{not json")
    completed = subprocess.run(["node", str(VERIFY_MJS), str(path)], capture_output=True, text=True, timeout=60)
    assert completed.returncode != 0
    assert "crashed" in completed.stderr
