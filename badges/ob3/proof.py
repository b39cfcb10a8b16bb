"""The eddsa-rdfc-2022 Data Integrity proof (W3C vc-di-eddsa): sign and verify.

hashData = sha256(RDFC-1.0(proof options with the credential's @context))
           + sha256(RDFC-1.0(credential without proof))
proofValue = "z" + base58btc(Ed25519 signature of hashData)
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils.translation import gettext as _
from pyld import jsonld
from pyld.canon import URDNA2015

from badges.ob3.keys import SigningKey, verify_signature
from badges.ob3.loader import ContextReusingProcessor, PinnedDocumentLoader, document_loader
from badges.ob3.multibase import MultibaseError, base58btc_encode, multibase_decode
from badges.ob3.terms import dropped_terms_by_shape

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_PURPOSE = "assertionMethod"
SIGNATURE_LENGTH = 64

# Canonicalization work limits: RDFC-1.0 is exponential on crafted "poison" graphs. An honest
# credential has almost no indistinguishable blank nodes, so these bounds never bite it.
MAX_HASH_N_DEGREE_CALLS = 2_000
MAX_RELATED_BLANK_NODES = 6

# XML Schema dateTimeStamp: a dateTime that carries a time zone.
_DATETIME_STAMP = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

PublicKeyResolver = Callable[[str], bytes | None]


class CanonicalizationError(Exception):
    """The document could not be canonicalized (a context is missing, or it is too complex)."""


class UndefinedTermsError(ValueError):
    """Refusal to sign a document with keys or values that no context defines."""

    def __init__(self, terms: list[str]) -> None:
        super().__init__("not defined by any context, so not covered by a signature: " + ", ".join(terms))
        self.terms = terms


class _BoundedURDNA2015(URDNA2015):
    """pyld's URDNA2015 (RDFC-1.0) with a work budget."""

    def __init__(self) -> None:
        super().__init__()
        self._calls_left = MAX_HASH_N_DEGREE_CALLS

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self._calls_left -= 1
        if self._calls_left < 0:
            raise CanonicalizationError(_("The document is too complex to canonicalize."))
        return super().hash_n_degree_quads(id_, issuer)

    def create_hash_to_related(self, id_: str, issuer: Any) -> dict[str, list[str]]:
        related = super().create_hash_to_related(id_, issuer)
        if any(len(nodes) > MAX_RELATED_BLANK_NODES for nodes in related.values()):
            raise CanonicalizationError(_("The document is too complex to canonicalize."))
        return related


def canonicalize(document: dict[str, Any], *, loader: PinnedDocumentLoader | None = None) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document, using only pinned contexts.

    Equal to pyld's `normalize(algorithm="URDNA2015", format="application/n-quads")` with our loader,
    but with a bounded amount of work.
    """
    loader = loader or document_loader()
    try:
        # base None, as jsonld.js: relative IRIs are dropped, not resolved against example.org.
        dataset = ContextReusingProcessor().to_rdf(document, loader.options(base=None, produceGeneralizedRdf=False))
        return str(_BoundedURDNA2015().main(dataset, {"format": "application/n-quads"}))
    except jsonld.JsonLdError as error:
        raise CanonicalizationError(
            _("The document could not be canonicalized: %(cause)s.") % {"cause": _root_cause(error)}
        ) from error


def _root_cause(error: BaseException) -> str:
    while error.__cause__ is not None:
        error = error.__cause__
    return str(error).splitlines()[0]


def format_datetime(moment: datetime) -> str:
    """UTC, whole seconds, with `Z`: `2025-01-02T03:04:05Z`."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a naive datetime is ambiguous; pass an aware one (UTC)")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: object) -> datetime | None:
    """An aware datetime from an XML Schema dateTimeStamp string, or None if it is not one."""
    if not isinstance(value, str) or not _DATETIME_STAMP.match(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def proof_options(*, verification_method: str, created: datetime) -> dict[str, Any]:
    return {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": format_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }


def hash_data(
    unsecured_document: dict[str, Any],
    options: dict[str, Any],
    *,
    loader: PinnedDocumentLoader | None = None,
) -> bytes:
    """The 64 bytes that are signed: sha256(canonical proof config) + sha256(canonical document)."""
    config = {**options, "@context": unsecured_document.get("@context")}
    config.pop("proofValue", None)
    proof_hash = _proof_config_hash(json.dumps(config, sort_keys=True), loader or document_loader())
    document_hash = hashlib.sha256(canonicalize(unsecured_document, loader=loader).encode("utf-8")).digest()
    return proof_hash + document_hash


@functools.lru_cache(maxsize=256)
def _proof_config_hash(config_json: str, loader: PinnedDocumentLoader) -> bytes:
    """sha256 of the canonical proof configuration: the same within a second for every credential an issuer
    key signs, so a busy worker canonicalizes it about once a second instead of once per credential."""
    return hashlib.sha256(canonicalize(json.loads(config_json), loader=loader).encode("utf-8")).digest()


def sign(
    credential: dict[str, Any],
    *,
    private_key: SigningKey | Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
    loader: PinnedDocumentLoader | None = None,
) -> dict[str, Any]:
    """`credential` with an embedded eddsa-rdfc-2022 DataIntegrityProof (as a one-item list): a new dict, the input
    left as it was; its members are the input's own objects, not copies (a deep copy cost a tenth of a signature,
    and every caller serializes the result at once).

    Refuses a credential that already has a proof, and one with terms no context defines (checked in
    full once per document shape: see `dropped_terms_by_shape`).
    """
    if "proof" in credential:
        raise ValueError("the credential already has a proof")
    undefined = dropped_terms_by_shape(credential, loader=loader)
    if undefined:
        raise UndefinedTermsError(undefined)
    key = private_key if isinstance(private_key, SigningKey) else SigningKey(private_key)
    options = proof_options(verification_method=verification_method, created=created)
    signature = key.sign(hash_data(credential, options, loader=loader))
    return {**credential, "proof": [{**options, "proofValue": "z" + base58btc_encode(signature)}]}


@dataclass
class ProofResult:
    ok: bool
    reasons: list[str] = field(default_factory=list)
    verification_method: str | None = None
    created: datetime | None = None


def single_proof(document: dict[str, Any]) -> dict[str, Any] | None:
    """The document's one proof (a lone object or a one-item list), or None."""
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    return proof if isinstance(proof, dict) else None


def verify_proof(
    document: dict[str, Any],
    *,
    public_key_resolver: PublicKeyResolver,
    loader: PinnedDocumentLoader | None = None,
) -> ProofResult:
    """Check the document's eddsa-rdfc-2022 proof.

    `public_key_resolver(verification_method_id)` returns the raw 32-byte Ed25519 key, or None when
    the method is unknown or not allowed to make assertions for this document.
    """
    proof = single_proof(document)
    if proof is None:
        return ProofResult(False, [_("The credential must carry exactly one proof object.")])

    reasons: list[str] = []
    if proof.get("type") != PROOF_TYPE:
        reasons.append(_("The proof type must be %(type)s.") % {"type": PROOF_TYPE})
    if proof.get("cryptosuite") != CRYPTOSUITE:
        reasons.append(_("The proof cryptosuite must be %(suite)s.") % {"suite": CRYPTOSUITE})
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        reasons.append(_("The proof purpose must be %(purpose)s.") % {"purpose": PROOF_PURPOSE})
    created = parse_datetime(proof.get("created"))
    if "created" in proof and created is None:
        reasons.append(_("The proof's creation time is not a valid date-time with a time zone."))
    if "expires" in proof and parse_datetime(proof.get("expires")) is None:
        reasons.append(_("The proof's expiry time is not a valid date-time with a time zone."))
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method:
        reasons.append(_("The proof does not name its verification method."))
        method = None
    signature = _signature(proof.get("proofValue"), reasons)

    unsecured = {key: value for key, value in document.items() if key != "proof"}
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    if "@context" in options:
        # vc-di-eddsa: the document's @context must start with the proof's, in order.
        proof_context = options["@context"]
        proof_context = proof_context if isinstance(proof_context, list) else [proof_context]
        document_context = unsecured.get("@context")
        document_context = document_context if isinstance(document_context, list) else [document_context]
        if document_context[: len(proof_context)] != proof_context:
            reasons.append(_("The proof's @context does not match the start of the credential's @context."))
        unsecured["@context"] = options.pop("@context")

    if reasons or method is None or signature is None:
        return ProofResult(False, reasons, method, created)

    public_key = public_key_resolver(method)
    if public_key is None:
        return ProofResult(
            False,
            [_("The key %(key)s could not be found or may not sign assertions.") % {"key": method}],
            method,
            created,
        )
    try:
        data = hash_data(unsecured, options, loader=loader)
    except CanonicalizationError as error:
        return ProofResult(False, [str(error)], method, created)
    if not verify_signature(public_key, signature, data):
        return ProofResult(
            False,
            [_("The signature does not match: the credential was changed or signed by another key.")],
            method,
            created,
        )
    return ProofResult(True, [], method, created)


def _signature(proof_value: object, reasons: list[str]) -> bytes | None:
    if not isinstance(proof_value, str):
        reasons.append(_("The proof has no proofValue."))
        return None
    try:
        signature = multibase_decode(proof_value)
    except MultibaseError:
        reasons.append(_("The proofValue is not base58btc multibase."))
        return None
    if len(signature) != SIGNATURE_LENGTH:
        reasons.append(_("The proofValue is not a 64-byte Ed25519 signature."))
        return None
    return signature
