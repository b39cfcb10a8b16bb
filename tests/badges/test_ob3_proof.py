"""The eddsa-rdfc-2022 proof against the W3C vc-di-eddsa test vectors; the loader; issuer keys."""

from __future__ import annotations

import copy
import hashlib
import json
import pickle
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld

from badges.ob3 import terms
from badges.ob3.keys import (
    KeyDecryptionError,
    SigningKey,
    decrypt_private_key,
    encrypt_private_key,
    generate_fernet_key,
    generate_keypair,
    reencrypt_private_key,
)
from badges.ob3.loader import CONTEXTS_DIR, PINNED_CONTEXT_FILES, ContextNotAllowedError, document_loader
from badges.ob3.multibase import multibase_decode
from badges.ob3.proof import (
    CanonicalizationError,
    UndefinedTermsError,
    canonicalize,
    format_datetime,
    hash_data,
    proof_options,
    sign,
    verify_proof,
)
from tests.badges.test_ob3_verify import ISSUED, Issuer, sample_credential

VECTORS = Path(__file__).parent / "vectors"
RDFC = VECTORS / "eddsa-rdfc-2022"
EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"
# Test-only: the vectors' credential uses the W3C examples context, which production never loads.
VECTOR_LOADER = document_loader().with_documents(
    {EXAMPLES_CONTEXT: json.loads((VECTORS / "credentials-examples-v2.jsonld").read_text())}
)

PINNED_SHA256 = {
    "ob-v3p0-context-3.0.3.json": "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761",
    "bitstring-status-list-v1.jsonld": "fd08cbf28ddd829ab2f1978c48f43ab07a112c1c90245a0cfac7ba721c65170c",
    "credentials-v2.jsonld": "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f",
    "data-integrity-v2.jsonld": "0f77743daf5b4e8fc067fc5ba5b21044283053aa717fc6b0219843bed3b00363",
    "did-v1.jsonld": "62c1054bf404d6dd3a4b26b64f830fd72095f6a26edc4469908c94351352ce5f",
    "multikey-v1.jsonld": "8e6bad2e5b4f0721906a4dcc2f7a894b1215cf9a47014c71e286423860642ff0",
}


def load(name: str) -> Any:
    return json.loads((RDFC / name).read_text())


def text(name: str) -> str:
    return (RDFC / name).read_text()


def vector_key() -> SigningKey:
    secret = multibase_decode(load("keyPair.json")["secretKeyMultibase"])
    assert secret[:2] == b"\x80\x26"  # multicodec ed25519-priv
    return SigningKey.from_seed(secret[2:])


def vector_public_key() -> bytes:
    return vector_key().public_bytes


# The pinned contexts and the loader


@pytest.mark.parametrize("name", sorted(PINNED_SHA256))
def test_each_pinned_context_has_the_published_sha256(name: str) -> None:
    assert hashlib.sha256((CONTEXTS_DIR / name).read_bytes()).hexdigest() == PINNED_SHA256[name]


def test_the_loader_serves_exactly_the_six_pinned_contexts() -> None:
    assert set(PINNED_CONTEXT_FILES.values()) == set(PINNED_SHA256)
    loader = document_loader()
    assert loader.urls == frozenset(PINNED_CONTEXT_FILES)
    for url in PINNED_CONTEXT_FILES:
        assert loader(url, {})["document"]["@context"]


@pytest.mark.parametrize(
    "url",
    [EXAMPLES_CONTEXT, "https://www.w3.org/2018/credentials/v1", "https://evil.example/ctx", "file:///etc/passwd"],
)
def test_the_loader_refuses_any_other_url(url: str) -> None:
    with pytest.raises(ContextNotAllowedError, match="not one of the pinned contexts"):
        document_loader()(url, {})


def test_a_document_naming_an_unpinned_context_cannot_be_canonicalized() -> None:
    with pytest.raises(CanonicalizationError, match="not one of the pinned contexts"):
        canonicalize(load("unsecured.json"))


def test_contexts_resolved_by_a_test_loader_do_not_leak_into_the_production_loader() -> None:
    canonicalize(load("unsecured.json"), loader=VECTOR_LOADER)
    with pytest.raises(CanonicalizationError):
        canonicalize(load("unsecured.json"))


def test_an_embedded_context_is_keyed_once_and_canonicalizes_as_pyld_does(monkeypatch) -> None:
    from pyld.context_resolver import ContextResolver

    from badges.ob3 import loader as loader_module

    def fresh_loader() -> loader_module.PinnedDocumentLoader:
        return loader_module.PinnedDocumentLoader.from_files(
            {url: CONTEXTS_DIR / name for url, name in PINNED_CONTEXT_FILES.items()}
        )

    credential, loader = sample_credential(Issuer()), fresh_loader()
    computed: list[object] = []
    keyed = loader_module.canonicalize
    monkeypatch.setattr(loader_module, "canonicalize", lambda ctx: computed.append(ctx) or keyed(ctx))
    ours = canonicalize(credential, loader=loader)
    assert computed  # the type-scoped contexts of the OB context, keyed by their canonical JSON once...
    computed.clear()
    assert canonicalize(credential, loader=loader) == ours
    assert computed == []  # ...and looked up by identity every time after

    class PyldResolver(ContextResolver):
        def __init__(self, shared, document_loader, _keys) -> None:
            super().__init__(shared, document_loader)

    monkeypatch.setattr(loader_module, "_IdentityKeyedContextResolver", PyldResolver)
    assert canonicalize(credential, loader=fresh_loader()) == ours


# W3C vc-di-eddsa, Appendix B.1 (eddsa-rdfc-2022)


def test_vector_key_pair_matches_its_public_multikey() -> None:
    assert vector_key().public_key_multibase == load("keyPair.json")["publicKeyMultibase"]


def test_vector_credential_canonical_form_and_hash() -> None:
    canonical = canonicalize(load("unsecured.json"), loader=VECTOR_LOADER)
    assert canonical == text("canonDoc.nq")
    assert hashlib.sha256(canonical.encode()).hexdigest() == text("docHash.txt").strip()


def test_vector_proof_options_canonical_form_and_hash() -> None:
    canonical = canonicalize(load("proofOptions.json"), loader=VECTOR_LOADER)
    assert canonical == text("proofCanon.nq")
    assert hashlib.sha256(canonical.encode()).hexdigest() == text("proofHash.txt").strip()


def test_vector_combined_hash_and_signature() -> None:
    options = {k: v for k, v in load("proofOptions.json").items() if k != "@context"}
    combined = hash_data(load("unsecured.json"), options, loader=VECTOR_LOADER)
    assert combined.hex() == text("combinedHash.txt").strip()
    assert vector_key().sign(combined).hex() == text("sigHex.txt").strip()


@pytest.mark.parametrize("signed_file", ["signed.json", "signedDataInt-httpsVerificationMethod.json"])
def test_our_signer_reproduces_the_vector_proof_exactly(signed_file: str) -> None:
    expected = load(signed_file)
    ours = sign(
        load("unsecured.json"),
        private_key=vector_key(),
        verification_method=expected["proof"]["verificationMethod"],
        created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC),
        loader=VECTOR_LOADER,
    )
    assert ours["proof"] == [expected["proof"]]
    assert {k: v for k, v in ours.items() if k != "proof"} == load("unsecured.json")
    if signed_file == "signed.json":
        assert ours["proof"][0]["proofValue"] == text("sigBTC58.txt").strip()


@pytest.mark.parametrize("signed_file", ["signed.json", "signedDataInt-httpsVerificationMethod.json"])
def test_the_vector_signed_credential_verifies(signed_file: str) -> None:
    signed = load(signed_file)
    method = signed["proof"]["verificationMethod"]
    result = verify_proof(signed, public_key_resolver={method: vector_public_key()}.get, loader=VECTOR_LOADER)
    assert result.ok, result.reasons
    assert result.verification_method == method
    assert result.created == datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)


def test_the_vector_with_a_changed_subject_fails() -> None:
    signed = load("signed.json")
    signed["credentialSubject"]["alumniOf"] = "Another School"
    result = verify_proof(signed, public_key_resolver=lambda _: vector_public_key(), loader=VECTOR_LOADER)
    assert not result.ok
    assert "signature does not match" in result.reasons[0]


# Proof configuration checks (vc-di-eddsa "Verify Proof")


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("type", "Ed25519Signature2020", "proof type must be DataIntegrityProof"),
        ("cryptosuite", "eddsa-jcs-2022", "cryptosuite must be eddsa-rdfc-2022"),
        ("proofPurpose", "authentication", "purpose must be assertionMethod"),
        ("created", "2023-02-24T23:36:38", "not a valid date-time with a time zone"),
        ("created", "yesterday", "not a valid date-time with a time zone"),
        ("expires", "2030-01-01", "expiry time is not a valid date-time"),
        ("proofValue", "u" + "A" * 86, "not base58btc multibase"),
        ("proofValue", "z3yQ", "not a 64-byte Ed25519 signature"),
        ("proofValue", None, "no proofValue"),
        ("verificationMethod", None, "does not name its verification method"),
    ],
)
def test_invalid_proof_configurations_are_rejected(field: str, value: Any, reason: str) -> None:
    signed = load("signed.json")
    if value is None:
        del signed["proof"][field]
    else:
        signed["proof"][field] = value
    result = verify_proof(signed, public_key_resolver=lambda _: vector_public_key(), loader=VECTOR_LOADER)
    assert not result.ok
    assert any(reason in r for r in result.reasons), result.reasons


def test_an_unknown_verification_method_is_rejected() -> None:
    result = verify_proof(load("signed.json"), public_key_resolver=lambda _: None, loader=VECTOR_LOADER)
    assert not result.ok
    assert "could not be found" in result.reasons[0]


def test_a_proof_context_must_prefix_the_document_context() -> None:
    signed = load("signed.json")
    signed["proof"]["@context"] = signed["@context"]
    ok = verify_proof(signed, public_key_resolver=lambda _: vector_public_key(), loader=VECTOR_LOADER)
    assert ok.ok, ok.reasons
    signed["proof"]["@context"] = [EXAMPLES_CONTEXT]
    bad = verify_proof(signed, public_key_resolver=lambda _: vector_public_key(), loader=VECTOR_LOADER)
    assert "does not match the start" in bad.reasons[0]


@pytest.mark.parametrize("proof", [None, [], "z123", [{"type": "DataIntegrityProof"}, {"type": "DataIntegrityProof"}]])
def test_a_document_needs_exactly_one_proof_object(proof: Any) -> None:
    signed = load("signed.json")
    signed["proof"] = proof
    result = verify_proof(signed, public_key_resolver=lambda _: vector_public_key(), loader=VECTOR_LOADER)
    assert not result.ok
    assert "exactly one proof" in result.reasons[0]


# Signing our own credentials


def test_sign_embeds_one_data_integrity_proof_and_leaves_the_input_alone() -> None:
    issuer = Issuer()
    credential = sample_credential(issuer)
    before = copy.deepcopy(credential)
    signed = issuer.sign(credential)
    assert credential == before
    (proof,) = signed["proof"]
    assert proof.keys() == {"type", "cryptosuite", "created", "verificationMethod", "proofPurpose", "proofValue"}
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["created"] == "2025-09-01T09:30:00Z"
    assert proof["verificationMethod"] == f"{issuer.did}#key-1"
    assert proof["proofValue"].startswith("z")
    assert verify_proof(signed, public_key_resolver=lambda _: issuer.keys["key-1"].public_bytes).ok


def test_signing_is_deterministic() -> None:
    issuer = Issuer()
    assert issuer.sign(sample_credential(issuer)) == issuer.sign(sample_credential(issuer))


def test_our_canonicalization_equals_pyld_normalize() -> None:
    credential = Issuer().sign(sample_credential(Issuer()))
    loader = document_loader()
    expected = jsonld.normalize(
        credential, loader.options(algorithm="URDNA2015", format="application/n-quads", base=None)
    )
    assert canonicalize(credential) == expected


def test_reused_type_scoped_contexts_canonicalize_every_document_as_pyld_does() -> None:
    # The same contexts processed for one credential are reused for the next: the results must not drift.
    issuer = Issuer()
    loader = document_loader()
    options = loader.options(algorithm="URDNA2015", format="application/n-quads", base=None)
    documents = [
        issuer.sign(sample_credential(issuer)),
        issuer.status_list(),
        issuer.did_document(),
        issuer.sign(sample_credential(issuer, name="Another badge")),
        sample_credential(issuer),
    ]
    for _round in range(2):
        for document in documents:
            assert canonicalize(document) == jsonld.normalize(document, options)


def test_sign_refuses_undefined_terms() -> None:
    issuer = Issuer()
    credential = sample_credential(issuer, issuanceDate="2025-09-01T09:30:00Z")
    with pytest.raises(UndefinedTermsError) as raised:
        issuer.sign(credential)
    assert raised.value.terms == ["issuanceDate"]


def test_the_term_check_runs_once_per_credential_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    issuer = Issuer()
    loader = document_loader().with_documents({})  # a fresh loader: nothing remembered yet
    checked: list[dict[str, Any]] = []
    full_check = terms.dropped_terms

    def counting(document: dict[str, Any], **kwargs: Any) -> list[str]:
        checked.append(document)
        return full_check(document, **kwargs)

    monkeypatch.setattr(terms, "dropped_terms", counting)
    for name, salt in [("Ada", "01"), ("Grace", "02"), ("Linus", "03")]:
        credential = sample_credential(issuer, name=f"Badge of {name}")
        credential["credentialSubject"]["identifier"][0]["salt"] = salt
        sign(credential, private_key=issuer.keys["key-1"], verification_method=f"{issuer.did}#key-1",
             created=ISSUED, loader=loader)  # fmt: skip
    assert len(checked) == 1


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda c: c["credentialSubject"]["achievement"].update(foo="bar"), "credentialSubject.achievement.foo"),
        (lambda c: c.update(issuanceDate="2025-09-01T09:30:00Z"), "issuanceDate"),
        (lambda c: c["issuer"].update(type=["Profile", "Weird"]), "issuer.type: 'Weird'"),
        (lambda c: c["credentialSubject"]["achievement"].update(id="not-an-iri"), "credentialSubject.achievement.id"),
    ],
    ids=["unknown key", "vc 1.1 key", "unknown type", "relative id"],
)
def test_a_credential_with_an_undefined_term_is_refused_after_its_shape_was_signed(change, problem: str) -> None:
    issuer = Issuer()
    loader = document_loader().with_documents({})
    options = {"private_key": issuer.keys["key-1"], "verification_method": f"{issuer.did}#key-1", "created": ISSUED}
    sign(sample_credential(issuer), loader=loader, **options)  # its shape is now known to be clean
    credential = sample_credential(issuer)
    change(credential)
    with pytest.raises(UndefinedTermsError) as raised:
        sign(credential, loader=loader, **options)
    assert any(term.startswith(problem) for term in raised.value.terms), raised.value.terms


def test_sign_refuses_a_credential_that_already_has_a_proof() -> None:
    issuer = Issuer()
    with pytest.raises(ValueError, match="already has a proof"):
        issuer.sign(issuer.sign(sample_credential(issuer)))


def test_created_is_utc_whole_seconds_and_never_naive() -> None:
    moment = datetime(2025, 9, 1, 11, 30, 0, 987654, tzinfo=timezone(timedelta(hours=2)))
    assert format_datetime(moment) == "2025-09-01T09:30:00Z"
    assert proof_options(verification_method="did:web:x#key-1", created=moment)["created"] == "2025-09-01T09:30:00Z"
    with pytest.raises(ValueError, match="naive"):
        format_datetime(datetime(2025, 9, 1, 9, 30))


def test_a_poison_graph_is_refused_instead_of_hanging() -> None:
    # Eight indistinguishable blank nodes, each linked to all others: RDFC-1.0 would try 7! orders
    # per node, recursively. The work budget stops it.
    nodes = [f"_:n{i}" for i in range(8)]
    poison = {
        "@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES_CONTEXT],
        "@graph": [{"@id": n, "knows": [{"@id": m} for m in nodes if m != n]} for n in nodes],
    }
    with pytest.raises(CanonicalizationError, match="too complex"):
        canonicalize(poison, loader=VECTOR_LOADER)


def test_a_few_identical_blank_nodes_still_canonicalize() -> None:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES_CONTEXT],
        "id": "urn:uuid:1",
        "knows": [{"name": "twin"}, {"name": "twin"}, {"name": "twin"}],
    }
    assert canonicalize(document, loader=VECTOR_LOADER).count("_:c14n") == 6


# Issuer keys


def test_a_signing_key_never_shows_its_private_half() -> None:
    key = generate_keypair()
    seed = key._seed()
    for shown in (repr(key), str(key), f"{key}", repr([key]), repr({"key": key})):
        assert seed.hex() not in shown
        assert "private=hidden" in shown
        assert key.public_key_multibase in shown
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(key)


def test_private_keys_round_trip_through_fernet_encryption() -> None:
    fernet_key = generate_fernet_key()
    key = generate_keypair()
    token = encrypt_private_key(key, fernet_key)
    assert key._seed().hex() not in token
    restored = decrypt_private_key(token, fernet_key)
    assert restored.public_bytes == key.public_bytes
    assert restored.sign(b"data") == key.sign(b"data")


def test_a_wrong_fernet_key_cannot_decrypt() -> None:
    token = encrypt_private_key(generate_keypair(), generate_fernet_key())
    with pytest.raises(KeyDecryptionError):
        decrypt_private_key(token, generate_fernet_key())
    with pytest.raises(KeyDecryptionError):
        decrypt_private_key("not a token", generate_fernet_key())


def test_fernet_keys_can_be_rotated() -> None:
    old, new = generate_fernet_key(), generate_fernet_key()
    key = generate_keypair()
    token = encrypt_private_key(key, old)
    assert decrypt_private_key(token, [new, old]).public_bytes == key.public_bytes
    rotated = reencrypt_private_key(token, [new, old])
    assert decrypt_private_key(rotated, new).public_bytes == key.public_bytes


def test_a_seed_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        SigningKey.from_seed(b"short")


def test_the_sample_issuer_key_signs_at_the_issue_time() -> None:
    assert Issuer().sign(sample_credential(Issuer()))["proof"][0]["created"] == format_datetime(ISSUED)
