"""The verifier: every check, and every way a credential can be wrong.

The sample issuer, credential and status list built here are imported by the other OB3 tests.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from badges.ob3 import proof as proof_module
from badges.ob3 import verify as verify_module
from badges.ob3.did import did_document, did_web
from badges.ob3.keys import SigningKey
from badges.ob3.proof import sign, verify_proof
from badges.ob3.statuslist import Bitstring, status_entry, status_list_credential
from badges.ob3.terms import dropped_terms
from badges.ob3.verify import VerificationReport, verify_credential

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
ISSUED = datetime(2025, 9, 1, 9, 30, 0, tzinfo=UTC)
SITE = "http://127.0.0.1:8000"
LIST_URL = "https://stackable.example/issuers/acme/status/1"
INDEX = 94_567


def identity_hash(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


@dataclass
class Issuer:
    """An issuer with a did:web, keys, and a signed status list."""

    slug: str = "acme"
    keys: dict[str, SigningKey] = field(default_factory=dict)
    revoked: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not self.keys:
            self.keys["key-1"] = SigningKey.from_seed(hashlib.sha256(self.slug.encode()).digest())

    @property
    def did(self) -> str:
        return did_web(SITE, self.slug)

    def did_document(self) -> dict[str, Any]:
        return did_document(self.did, [(fragment, key.public_bytes) for fragment, key in self.keys.items()])

    def sign(self, credential: dict[str, Any], *, key_id: str = "key-1", key: SigningKey | None = None) -> dict:
        return sign(
            credential,
            private_key=key or self.keys[key_id],
            verification_method=f"{self.did}#{key_id}",
            created=ISSUED,
        )

    def status_list(self, *, list_url: str = LIST_URL, valid_until: datetime | None = None) -> dict[str, Any]:
        bits = Bitstring()
        for index in self.revoked:
            bits.set(index)
        unsigned = status_list_credential(
            list_url=list_url, issuer=self.did, bitstring=bits, valid_from=ISSUED, valid_until=valid_until
        )
        return self.sign(unsigned)


def sample_credential(issuer: Issuer, **changes: Any) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential shaped exactly as CREDENTIALS.md says."""
    salt = "3f1c9a52e0b84d7e"
    credential: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:8d3f6a86-5c1e-4a7e-9a4b-3c2f1e0d9b71",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Python Foundations",
        "issuer": {
            "id": issuer.did,
            "type": ["Profile"],
            "name": "Acme Academy",
            "url": "https://acme.example/",
            "email": "badges@acme.example",
            "image": {"id": "https://stackable.example/media/acme-logo.png", "type": "Image"},
        },
        "validFrom": "2025-09-01T09:30:00Z",
        "validUntil": "2028-09-01T09:30:00Z",
        "awardedDate": "2025-09-01T09:30:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "hashed": True,
                    "identityType": "emailAddress",
                    "salt": salt,
                    "identityHash": identity_hash("Learner@Example.com ", salt),
                }
            ],
            "achievement": {
                "id": "https://stackable.example/achievements/python-foundations",
                "type": ["Achievement"],
                "name": "Python Foundations",
                "description": "Writes, tests and debugs small Python programs.",
                "criteria": {
                    "id": "https://stackable.example/courses/python-foundations/criteria/",
                    "narrative": "Complete every lesson and score **80%** or more in the final quiz.",
                },
                "achievementType": "MicroCredential",
                "image": {"id": "https://stackable.example/media/python-badge.png", "type": "Image"},
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "Python (computer programming)",
                        "targetUrl": "https://esco.example/skill/python",
                        "targetFramework": "ESCO",
                        "targetCode": "S1.2.3",
                    }
                ],
                "creditsAvailable": 2.5,
                "tag": ["python", "programming"],
                "inLanguage": "en",
                "resultDescription": [
                    {
                        "id": "urn:uuid:0b7c3a1e-2f44-4c55-8f3e-6d2a1b9c8e70",
                        "type": ["ResultDescription"],
                        "name": "Final quiz score",
                        "resultType": "Percent",
                    }
                ],
            },
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": "urn:uuid:0b7c3a1e-2f44-4c55-8f3e-6d2a1b9c8e70",
                    "value": "87",
                }
            ],
        },
        "credentialStatus": status_entry(LIST_URL, INDEX),
    }
    credential.update(changes)
    return credential


def verify(
    credential: dict[str, Any] | str | bytes,
    issuer: Issuer,
    *,
    did_documents: dict[str, dict[str, Any]] | None = None,
    status_lists: dict[str, dict[str, Any]] | None = None,
    now: datetime = NOW,
) -> VerificationReport:
    dids = did_documents if did_documents is not None else {issuer.did: issuer.did_document()}
    lists = status_lists if status_lists is not None else {LIST_URL: issuer.status_list()}
    return verify_credential(credential, did_resolver=dids.get, status_fetcher=lists.get, now=now)


def check(report: VerificationReport, name: str) -> bool:
    matching = [c.passed for c in report.checks if c.name == name]
    assert matching, f"no {name!r} check in {report.checks}"
    return all(matching)


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


@pytest.fixture
def signed(issuer: Issuer) -> dict[str, Any]:
    return issuer.sign(sample_credential(issuer))


def test_a_freshly_signed_credential_is_valid(issuer: Issuer, signed: dict) -> None:
    report = verify(signed, issuer)
    assert report.status == "valid", report.checks
    assert all(c.passed for c in report.checks)
    assert [c.name for c in report.checks] == [
        "size", "json", "shape", "terms", "issuer_key", "signature",
        "valid_from", "expiry", "status_list", "revocation",
    ]  # fmt: skip
    assert all(c.message.endswith(".") for c in report.checks)


@pytest.mark.parametrize("as_type", [str, bytes])
def test_json_text_and_bytes_verify_like_a_dict(issuer: Issuer, signed: dict, as_type: type) -> None:
    text = json.dumps(signed)
    assert verify(text if as_type is str else text.encode(), issuer).status == "valid"


def _set(path: str, value: Any) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


TAMPERINGS = {
    "name": _set("name", "Advanced Python"),
    "issuer name": _set("issuer.name", "Evil Academy"),
    "issuer url": _set("issuer.url", "https://evil.example/"),
    "issuer email": _set("issuer.email", "badges@evil.example"),
    "subject identity hash": _set(
        "credentialSubject.identifier.0.identityHash", identity_hash("someone@else.example", "3f1c9a52e0b84d7e")
    ),
    "subject salt": _set("credentialSubject.identifier.0.salt", "0000000000000000"),
    "validFrom": _set("validFrom", "2024-09-01T09:30:00Z"),
    "validUntil": _set("validUntil", "2099-09-01T09:30:00Z"),
    "awardedDate": _set("awardedDate", "2024-01-01T00:00:00Z"),
    "achievement name": _set("credentialSubject.achievement.name", "Python Mastery"),
    "achievement description": _set("credentialSubject.achievement.description", "Expert."),
    "achievement id": _set("credentialSubject.achievement.id", "https://stackable.example/achievements/other"),
    "criteria narrative": _set("credentialSubject.achievement.criteria.narrative", "None."),
    "achievement type": _set("credentialSubject.achievement.achievementType", "Certificate"),
    "skill": _set("credentialSubject.achievement.alignment.0.targetName", "Rust"),
    "credits": _set("credentialSubject.achievement.creditsAvailable", 25),
    "grade": _set("credentialSubject.result.0.value", "100"),
    "status index": _set("credentialStatus.statusListIndex", "1"),
    "status list": _set("credentialStatus.statusListCredential", "https://stackable.example/issuers/acme/status/2"),
    "credential id": _set("id", "urn:uuid:00000000-0000-4000-8000-000000000000"),
    "proof created": _set("proof.0.created", "2025-09-02T09:30:00Z"),
    "extra type": _set("type", ["VerifiableCredential", "OpenBadgeCredential", "EndorsementCredential"]),
}


@pytest.mark.parametrize("tamper", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_every_tampered_field_breaks_the_signature(issuer: Issuer, signed: dict, tamper: Callable) -> None:
    tampered = copy.deepcopy(signed)
    tamper(tampered)
    # A real list sits at whatever URL the tampered badge names, so only the signature can fail.
    list_url = tampered["credentialStatus"]["statusListCredential"]
    report = verify(tampered, issuer, status_lists={list_url: issuer.status_list(list_url=list_url)})
    assert report.status == "invalid"
    assert not check(report, "signature")
    assert check(report, "issuer_key")


def test_a_signature_made_by_another_key_is_rejected(issuer: Issuer) -> None:
    forged = issuer.sign(sample_credential(issuer), key=SigningKey.generate())
    report = verify(forged, issuer)
    assert report.status == "invalid"
    assert not check(report, "signature")


def test_a_key_not_controlled_by_the_issuer_is_rejected(issuer: Issuer, signed: dict) -> None:
    document = issuer.did_document()
    document["verificationMethod"][0]["controller"] = "did:web:evil.example:issuers:mallory"
    report = verify(signed, issuer, did_documents={issuer.did: document})
    assert report.status == "invalid"
    assert not check(report, "issuer_key")
    assert "not controlled by the issuer" in report.failed[0].message


def test_a_key_of_another_did_is_rejected(issuer: Issuer) -> None:
    mallory = Issuer(slug="mallory")
    credential = sample_credential(issuer)
    forged = sign(
        credential, private_key=mallory.keys["key-1"], verification_method=f"{mallory.did}#key-1", created=ISSUED
    )
    report = verify(
        forged, issuer, did_documents={issuer.did: issuer.did_document(), mallory.did: mallory.did_document()}
    )
    assert report.status == "invalid"
    assert "not of its issuer" in report.failed[0].message


def test_a_key_missing_from_assertion_method_is_rejected(issuer: Issuer, signed: dict) -> None:
    document = issuer.did_document()
    document["assertionMethod"] = []
    report = verify(signed, issuer, did_documents={issuer.did: document})
    assert not check(report, "issuer_key")


def test_an_unresolvable_did_is_rejected(issuer: Issuer, signed: dict) -> None:
    def failing_resolver(did: str) -> dict:
        raise ConnectionError(did)

    report = verify_credential(signed, did_resolver=failing_resolver, status_fetcher={}.get, now=NOW)
    assert report.status == "invalid"
    assert not check(report, "issuer_key")


def test_old_badges_still_verify_after_a_key_rotation(issuer: Issuer, signed: dict) -> None:
    issuer.keys["key-2"] = SigningKey.generate()
    newer = issuer.sign(sample_credential(issuer), key_id="key-2")
    assert verify(signed, issuer).status == "valid"
    assert verify(newer, issuer).status == "valid"


def test_an_expired_badge_is_reported_expired(issuer: Issuer, signed: dict) -> None:
    report = verify(signed, issuer, now=datetime(2028, 9, 1, 9, 30, 1, tzinfo=UTC))
    assert report.status == "expired"
    assert [c.name for c in report.failed] == ["expiry"]
    assert "expired on 2028-09-01T09:30:00Z" in report.failed[0].message


def test_a_badge_without_validuntil_never_expires(issuer: Issuer) -> None:
    credential = sample_credential(issuer)
    del credential["validUntil"]
    report = verify(issuer.sign(credential), issuer, now=datetime(2090, 1, 1, tzinfo=UTC))
    assert report.status == "valid"


def test_a_badge_used_before_its_validfrom_is_invalid(issuer: Issuer, signed: dict) -> None:
    report = verify(signed, issuer, now=ISSUED - timedelta(days=1))
    assert report.status == "invalid"
    assert not check(report, "valid_from")


def test_a_revoked_badge_is_reported_revoked(issuer: Issuer, signed: dict) -> None:
    issuer.revoked.add(INDEX)
    report = verify(signed, issuer)
    assert report.status == "revoked"
    assert [c.name for c in report.failed] == ["revocation"]
    assert check(report, "signature")


def test_revocation_wins_over_expiry(issuer: Issuer, signed: dict) -> None:
    issuer.revoked.add(INDEX)
    assert verify(signed, issuer, now=datetime(2030, 1, 1, tzinfo=UTC)).status == "revoked"


def test_another_revoked_index_does_not_revoke_this_badge(issuer: Issuer, signed: dict) -> None:
    issuer.revoked.update({INDEX - 1, INDEX + 1})
    assert verify(signed, issuer).status == "valid"


def test_a_tampered_status_list_is_not_trusted(issuer: Issuer, signed: dict) -> None:
    status_list = issuer.status_list()
    bits = Bitstring.decode(status_list["credentialSubject"]["encodedList"])
    bits.set(12)
    status_list["credentialSubject"]["encodedList"] = bits.encode()
    report = verify(signed, issuer, status_lists={LIST_URL: status_list})
    assert report.status == "invalid"
    assert not check(report, "status_list")


def test_a_status_list_signed_by_another_issuer_is_not_trusted(issuer: Issuer, signed: dict) -> None:
    mallory = Issuer(slug="mallory")
    report = verify(
        signed,
        issuer,
        did_documents={issuer.did: issuer.did_document(), mallory.did: mallory.did_document()},
        status_lists={LIST_URL: mallory.status_list()},
    )
    assert report.status == "invalid"
    assert "issued by someone else" in report.failed[0].message


def test_an_out_of_date_status_list_is_not_trusted(issuer: Issuer, signed: dict) -> None:
    stale = issuer.status_list(valid_until=NOW - timedelta(minutes=1))
    report = verify(signed, issuer, status_lists={LIST_URL: stale})
    assert report.status == "invalid"
    assert "out of date" in report.failed[0].message


def test_a_missing_status_list_makes_the_badge_unverifiable(issuer: Issuer, signed: dict) -> None:
    report = verify(signed, issuer, status_lists={})
    assert report.status == "invalid"
    assert not check(report, "status_list")


def test_an_oversized_document_is_refused_before_parsing(issuer: Issuer, signed: dict) -> None:
    bloated = json.dumps({**signed, "description": "x" * 70_000})
    report = verify(bloated, issuer)
    assert report.status == "invalid"
    assert [c.name for c in report.checks] == ["size"]
    assert report.credential is None


def test_the_size_cap_is_configurable(issuer: Issuer, signed: dict) -> None:
    report = verify_credential(signed, did_resolver={}.get, status_fetcher={}.get, now=NOW, max_bytes=1_000)
    assert [(c.name, c.passed) for c in report.checks] == [("size", False)]


def test_an_undefined_term_is_refused_and_named(issuer: Issuer, signed: dict) -> None:
    # Added after signing: pyld drops it from the canonical form, so the signature alone still "verifies".
    altered = copy.deepcopy(signed)
    altered["credentialSubject"]["achievement"]["foo"] = "not covered by the signature"
    assert verify_proof(altered, public_key_resolver=lambda _: issuer.keys["key-1"].public_bytes).ok
    report = verify(altered, issuer)
    assert report.status == "invalid"
    assert [c.name for c in report.failed] == ["terms"]
    assert "credentialSubject.achievement.foo" in report.failed[0].message


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_set("credentialStatus", [status_entry(LIST_URL, INDEX)]), "credentialStatus must be one object"),
        (
            _set("@context", ["https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                              "https://www.w3.org/ns/credentials/v2"]),
            "@context must be a list starting with",
        ),
        (_set("@context", ["https://www.w3.org/ns/credentials/v2",
                           "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                           "https://evil.example/context.json"]), "vocabulary this verifier does not know"),
        (_set("type", "OpenBadgeCredential"), "type must be a list"),
        (_set("issuer", "did:web:acme.example"), "issuer must be a profile"),
        (_set("validFrom", "2025-09-01"), "validFrom must be a date-time"),
        (_set("credentialSubject.identifier.0.type", ["IdentityObject"]), "IdentityObject"),
        (_set("credentialStatus.statusListIndex", 94567), "statusListIndex must be a whole number"),
        (_set("credentialStatus.type", "StatusList2021Entry"), "BitstringStatusListEntry"),
        (_set("proof", []), "not signed"),
    ],
    ids=["status list", "context order", "unknown context", "type string", "issuer string", "date only",
         "identity type list", "index number", "status type", "no proof"],
)  # fmt: skip
def test_malformed_credentials_fail_the_shape_check(
    issuer: Issuer, signed: dict, change: Callable, problem: str
) -> None:
    altered = copy.deepcopy(signed)
    change(altered)
    report = verify(altered, issuer)
    assert report.status == "invalid"
    assert [c.name for c in report.failed] == ["shape"]
    assert problem in report.failed[0].message


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"a": NaN}', '{"a": 1', "", b"\xff\xfe"])
def test_text_that_is_not_a_json_object_is_invalid(issuer: Issuer, text: str | bytes) -> None:
    report = verify(text, issuer)
    assert report.status == "invalid"
    assert report.failed[0].name == "json"


def test_deeply_nested_input_is_refused_without_recursing(issuer: Issuer, signed: dict) -> None:
    nested = "[" * 20_000 + "]" * 20_000
    assert verify('{"a": ' + nested + "}", issuer).status == "invalid"
    deep: Any = "x"
    for _ in range(100):
        deep = {"d": deep}
    report = verify({**signed, "credentialSubject": {**signed["credentialSubject"], "deep": deep}}, issuer)
    assert report.failed[0].name == "shape"


def test_the_report_keeps_the_parsed_credential_for_display(issuer: Issuer, signed: dict) -> None:
    report = verify(json.dumps(signed), issuer)
    assert report.credential == signed
    assert report.summary.startswith("This credential is valid")


def test_now_must_be_aware(issuer: Issuer, signed: dict) -> None:
    with pytest.raises(ValueError, match="aware"):
        verify(signed, issuer, now=datetime(2026, 1, 1))


# dropped_terms


def test_the_sample_credential_defines_every_term(issuer: Issuer, signed: dict) -> None:
    assert dropped_terms(sample_credential(issuer)) == []
    assert dropped_terms(signed) == []
    assert dropped_terms(issuer.status_list()) == []
    assert dropped_terms(issuer.did_document()) == []


def test_dropped_terms_reports_every_undefined_key_path(issuer: Issuer) -> None:
    credential = sample_credential(issuer, issuanceDate="2025-09-01T09:30:00Z", foo=1)
    credential["issuer"]["fax"] = "555"
    credential["credentialSubject"]["achievement"]["alignment"][0]["weight"] = 3
    credential["credentialSubject"]["identifier"][0]["email"] = "learner@example.com"
    credential["credentialStatus"]["note"] = "x"
    assert sorted(dropped_terms(credential)) == [
        "credentialStatus.note",
        "credentialSubject.achievement.alignment[0].weight",
        "credentialSubject.identifier[0].email",
        "foo",
        "issuanceDate",
        "issuer.fax",
    ]


def test_dropped_terms_reports_undefined_types_and_relative_ids(issuer: Issuer) -> None:
    credential = sample_credential(issuer)
    credential["issuer"]["type"] = ["Profile", "Organisation"]
    credential["credentialSubject"]["achievement"]["id"] = "python-foundations"
    assert sorted(dropped_terms(credential)) == [
        "credentialSubject.achievement.id: 'python-foundations'",
        "issuer.type: 'Organisation'",
    ]


def test_null_values_and_empty_lists_are_not_undefined_terms(issuer: Issuer) -> None:
    credential = sample_credential(issuer)
    credential["credentialSubject"]["achievement"]["alignment"] = []
    credential["credentialSubject"]["achievement"]["inLanguage"] = None
    assert dropped_terms(credential) == []


def test_a_proof_compacted_to_a_single_object_still_verifies(issuer: Issuer, signed: dict) -> None:
    # Some wallets re-serialize a one-item proof list as an object; the signature is the same.
    compacted = {**signed, "proof": signed["proof"][0]}
    assert verify(compacted, issuer).status == "valid"


# The check sentences are shown on the public page in the visitor's language: each goes through gettext.


@pytest.fixture
def marked_translations(monkeypatch: pytest.MonkeyPatch) -> None:
    """gettext returns every message wrapped in ⟦ ⟧, so a sentence that bypasses it shows up bare."""

    def translate(message: str) -> str:
        return f"⟦{message}⟧"

    monkeypatch.setattr(verify_module, "_", translate)
    monkeypatch.setattr(proof_module, "_", translate)


def translated(message: str) -> bool:
    return message.startswith("⟦") and message.endswith("⟧")


def test_the_sentences_of_a_valid_credential_are_translatable(
    issuer: Issuer, signed: dict, marked_translations: None
) -> None:
    report = verify(signed, issuer)
    assert report.status == "valid"
    assert [c.message for c in report.checks if not translated(c.message)] == []
    assert translated(report.summary)


def test_the_sentences_of_failed_checks_are_translatable(
    issuer: Issuer, signed: dict, marked_translations: None
) -> None:
    issuer.revoked.add(INDEX)
    tampered = copy.deepcopy(signed)
    tampered["name"] = "Advanced Python"
    report = verify(tampered, issuer, now=datetime(2031, 1, 1, tzinfo=UTC))
    assert {c.name for c in report.failed} == {"signature", "expiry", "revocation"}
    assert [c.message for c in report.checks if not translated(c.message)] == []
    signature = next(c.message for c in report.failed if c.name == "signature")
    assert signature == "⟦The signature does not match: the credential was changed or signed by another key.⟧"


def test_the_problems_of_a_malformed_credential_are_translatable(
    issuer: Issuer, signed: dict, marked_translations: None
) -> None:
    malformed = copy.deepcopy(signed)
    malformed["credentialStatus"] = [malformed["credentialStatus"]]
    report = verify(malformed, issuer)
    (shape,) = report.failed
    assert shape.message == (
        "⟦The credential is not a well-formed Open Badges 3.0 credential: "
        "⟦credentialStatus must be one object, not a list⟧.⟧"
    )
