"""did:web identifiers, their URLs and DID documents."""

from __future__ import annotations

import pytest

from badges.ob3.did import (
    DidError,
    assertion_method,
    did_document,
    did_web,
    did_web_url,
    split_did_url,
    verification_method_id,
)
from badges.ob3.multibase import decode_ed25519_public_key

KEY_1 = bytes(range(32))
KEY_2 = bytes(range(32, 64))


@pytest.mark.parametrize(
    ("site", "slug", "did"),
    [
        ("https://stackable.example", "acme", "did:web:stackable.example:issuers:acme"),
        ("https://Stackable.Example/", "acme", "did:web:stackable.example:issuers:acme"),
        ("http://127.0.0.1:8000", "acme", "did:web:127.0.0.1%3A8000:issuers:acme"),
        ("https://stackable.example:8443", "uni-x", "did:web:stackable.example%3A8443:issuers:uni-x"),
        ("https://example.org/learning", "acme", "did:web:example.org:learning:issuers:acme"),
    ],
)
def test_did_web_names_the_issuer_under_its_site(site: str, slug: str, did: str) -> None:
    assert did_web(site, slug) == did


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:stackable.example:issuers:acme", "https://stackable.example/issuers/acme/did.json"),
        ("did:web:127.0.0.1%3A8000:issuers:acme", "http://127.0.0.1:8000/issuers/acme/did.json"),
        ("did:web:localhost%3A8000:issuers:acme", "http://localhost:8000/issuers/acme/did.json"),
        ("did:web:localhost:issuers:acme", "http://localhost/issuers/acme/did.json"),
        ("did:web:stackable.example%3A8443:issuers:acme", "https://stackable.example:8443/issuers/acme/did.json"),
        ("did:web:stackable.example", "https://stackable.example/.well-known/did.json"),
    ],
)
def test_did_web_url_resolves_to_did_json(did: str, url: str) -> None:
    assert did_web_url(did) == url


def test_did_web_and_did_web_url_agree() -> None:
    did = did_web("http://127.0.0.1:8000", "acme")
    assert did_web_url(did) == "http://127.0.0.1:8000/issuers/acme/did.json"


@pytest.mark.parametrize("slug", ["", "a:b", "a/b", "a%3Ab", "-acme", "a b"])
def test_did_web_refuses_slugs_that_would_break_the_did(slug: str) -> None:
    with pytest.raises(DidError):
        did_web("https://stackable.example", slug)


@pytest.mark.parametrize("site", ["stackable.example", "ftp://stackable.example", "https://"])
def test_did_web_needs_an_http_site_url(site: str) -> None:
    with pytest.raises(DidError):
        did_web(site, "acme")


@pytest.mark.parametrize(
    "did",
    ["did:key:z6Mk", "did:web:", "did:web:evil.example%2Fx:issuers:a", "did:web:a.example::x", "did:web:a.example#k"],
)
def test_did_web_url_refuses_malformed_dids(did: str) -> None:
    with pytest.raises(DidError):
        did_web_url(did)


def test_the_did_document_lists_every_key_as_an_assertion_method() -> None:
    did = "did:web:127.0.0.1%3A8000:issuers:acme"
    document = did_document(did, [("key-1", KEY_1), ("key-2", KEY_2)])
    assert document == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": f"{did}#key-1",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": document["verificationMethod"][0]["publicKeyMultibase"],
            },
            {
                "id": f"{did}#key-2",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": document["verificationMethod"][1]["publicKeyMultibase"],
            },
        ],
        "assertionMethod": [f"{did}#key-1", f"{did}#key-2"],
    }
    assert decode_ed25519_public_key(document["verificationMethod"][0]["publicKeyMultibase"]) == KEY_1
    assert decode_ed25519_public_key(document["verificationMethod"][1]["publicKeyMultibase"]) == KEY_2


def test_a_did_document_needs_distinct_keys() -> None:
    with pytest.raises(DidError):
        did_document("did:web:a.example:issuers:x", [])
    with pytest.raises(DidError, match="share an id"):
        did_document("did:web:a.example:issuers:x", [("key-1", KEY_1), ("#key-1", KEY_2)])


def test_key_ids_are_absolute_did_urls() -> None:
    assert verification_method_id("did:web:a.example:issuers:x", "#key-3") == "did:web:a.example:issuers:x#key-3"
    with pytest.raises(DidError):
        verification_method_id("did:web:a.example:issuers:x", "key 3")
    assert split_did_url("did:web:a.example:issuers:x#key-3") == ("did:web:a.example:issuers:x", "key-3")
    with pytest.raises(DidError):
        split_did_url("https://a.example/issuers/x#key-3")


def test_assertion_method_finds_listed_keys_only() -> None:
    did = "did:web:a.example:issuers:x"
    document = did_document(did, [("key-1", KEY_1), ("key-2", KEY_2)])
    assert assertion_method(document, f"{did}#key-2") == document["verificationMethod"][1]
    document["assertionMethod"] = ["#key-1"]  # relative references are allowed too
    assert assertion_method(document, f"{did}#key-1") == document["verificationMethod"][0]
    assert assertion_method(document, f"{did}#key-2") is None
    assert assertion_method({"id": did}, f"{did}#key-1") is None
