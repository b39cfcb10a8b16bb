"""Verify an Open Badges 3.0 credential and explain the verdict, check by check.

The report is shown on the public "verify a credential" page, so every check carries a plain
sentence. The caller supplies the DID documents and status list credentials (the Django app reads
its own database; tests pass dicts): nothing here touches the network.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from django.utils.translation import gettext as _

from badges.ob3.did import DidError, assertion_method, split_did_url
from badges.ob3.loader import CREDENTIALS_V2, OB_V3P0, PinnedDocumentLoader, document_loader
from badges.ob3.multibase import MultibaseError, decode_ed25519_public_key
from badges.ob3.proof import parse_datetime, single_proof, verify_proof
from badges.ob3.statuslist import STATUS_PURPOSE, Bitstring, StatusListError
from badges.ob3.terms import dropped_terms

Status = Literal["valid", "expired", "revoked", "invalid"]
DidResolver = Callable[[str], dict[str, Any] | None]
StatusFetcher = Callable[[str], dict[str, Any] | None]

MAX_BYTES = 64_000
MAX_STATUS_LIST_BYTES = 1_000_000
MAX_DEPTH = 32
# Clocks differ; a credential issued a moment ago must not look "not yet valid" elsewhere.
MAX_CLOCK_SKEW = timedelta(minutes=5)
_INDEX = re.compile(r"^(0|[1-9][0-9]{0,9})$")

# Checks whose failure gives the credential a status of its own rather than "invalid".
EXPIRY = "expiry"
REVOCATION = "revocation"


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    message: str


@dataclass
class VerificationReport:
    status: Status
    checks: list[Check] = field(default_factory=list)
    credential: dict[str, Any] | None = None

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]

    @property
    def summary(self) -> str:
        return {
            "valid": _("This credential is valid: it was issued as shown and has not been changed."),
            "expired": _("This credential was issued as shown, but it has expired."),
            "revoked": _("This credential was issued as shown, but its issuer has revoked it."),
            "invalid": _("This credential could not be verified."),
        }[self.status]


class _Report:
    def __init__(self) -> None:
        self.checks: list[Check] = []

    def add(self, name: str, passed: bool, message: str) -> bool:
        self.checks.append(Check(name, passed, message))
        return passed

    def finish(self, credential: dict[str, Any] | None) -> VerificationReport:
        failed = {check.name for check in self.checks if not check.passed}
        status: Status
        if failed - {EXPIRY, REVOCATION}:
            status = "invalid"
        elif REVOCATION in failed:
            status = "revoked"
        elif EXPIRY in failed:
            status = "expired"
        else:
            status = "valid"
        return VerificationReport(status, self.checks, credential)


def verify_credential(
    document: dict[str, Any] | bytes | str,
    *,
    did_resolver: DidResolver,
    status_fetcher: StatusFetcher,
    now: datetime,
    max_bytes: int = MAX_BYTES,
    loader: PinnedDocumentLoader | None = None,
) -> VerificationReport:
    """Verify an OpenBadgeCredential (JSON text, bytes or a parsed dict) as of `now` (aware)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    loader = loader or document_loader()
    report = _Report()

    size = _size(document)
    if size is None:
        report.add("json", False, _("The credential is not valid JSON."))
        return report.finish(None)
    if size > max_bytes:
        report.add(
            "size",
            False,
            _("The credential is %(size)s bytes; credentials over %(limit)s bytes are not checked.")
            % {"size": f"{size:,}", "limit": f"{max_bytes:,}"},
        )
        return report.finish(None)
    report.add("size", True, _("The credential is of a reasonable size."))

    credential = _parse(document)
    if credential is None:
        report.add("json", False, _("The credential is not a valid JSON object."))
        return report.finish(None)
    report.add("json", True, _("The credential is a JSON object."))

    problems = _shape_problems(credential, loader)
    if not report.add(
        "shape",
        not problems,
        _("The credential has the structure of an Open Badges 3.0 credential.")
        if not problems
        else _("The credential is not a well-formed Open Badges 3.0 credential: %(problems)s.")
        % {"problems": "; ".join(problems)},
    ):
        return report.finish(credential)

    try:
        undefined = dropped_terms(credential, loader=loader)
    except Exception as error:  # noqa: BLE001 - pyld raises JsonLdError, and plain errors on odd input
        report.add(
            "terms",
            False,
            _("The credential's JSON-LD could not be processed (%(error)s).") % {"error": type(error).__name__},
        )
        return report.finish(credential)
    if not report.add(
        "terms",
        not undefined,
        _("Every field of the credential is defined by its vocabularies, so the signature covers all of it.")
        if not undefined
        else _("These fields are not defined by any vocabulary, so the signature does not cover them: %(fields)s.")
        % {"fields": ", ".join(undefined)},
    ):
        return report.finish(credential)

    issuer_id = credential["issuer"]["id"]
    proof = single_proof(credential)
    assert proof is not None
    public_key = _issuer_key(report, "issuer_key", proof.get("verificationMethod"), issuer_id, did_resolver)
    if public_key is not None:
        _signature(report, "signature", credential, proof["verificationMethod"], public_key, loader)

    _validity(report, credential, now)
    _revocation(report, credential, issuer_id, did_resolver, status_fetcher, now, loader)
    return report.finish(credential)


def _size(document: dict[str, Any] | bytes | str) -> int | None:
    """Size in bytes as JSON text; None for a dict that is not JSON at all."""
    if isinstance(document, bytes):
        return len(document)
    if isinstance(document, str):
        return len(document.encode("utf-8"))
    try:
        return len(json.dumps(document, separators=(",", ":"), allow_nan=False).encode("utf-8"))
    except (TypeError, ValueError, RecursionError):
        return None


def _parse(document: dict[str, Any] | bytes | str) -> dict[str, Any] | None:
    if isinstance(document, dict):
        return document
    try:
        parsed = json.loads(document, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _depth(value: Any, limit: int) -> bool:
    """True when `value` nests no deeper than `limit` (iterative: no recursion on hostile input)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return True


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _shape_problems(credential: dict[str, Any], loader: PinnedDocumentLoader) -> list[str]:
    problems: list[str] = []
    if not _depth(credential, MAX_DEPTH):
        return [_("it is nested too deeply")]

    contexts = credential.get("@context")
    if not isinstance(contexts, list) or contexts[:2] != [CREDENTIALS_V2, OB_V3P0]:
        problems.append(
            _("@context must be a list starting with %(first)s then %(second)s")
            % {"first": CREDENTIALS_V2, "second": OB_V3P0}
        )
    elif not all(isinstance(url, str) and url in loader.urls for url in contexts):
        problems.append(_("@context names a vocabulary this verifier does not know"))

    types = credential.get("type")
    if not isinstance(types, list) or not {"VerifiableCredential", "OpenBadgeCredential"} <= {
        t for t in types if isinstance(t, str)
    }:
        problems.append(_('type must be a list holding "VerifiableCredential" and "OpenBadgeCredential"'))
    for key in ("id", "name"):
        if not isinstance(credential.get(key), str) or not credential[key]:
            problems.append(_("%(field)s is missing") % {"field": key})

    issuer = credential.get("issuer")
    if not isinstance(issuer, dict) or not isinstance(issuer.get("id"), str) or not issuer["id"].startswith("did:"):
        problems.append(_("issuer must be a profile whose id is a DID"))
    elif "Profile" not in _types(issuer.get("type")):
        problems.append(_('issuer.type must be a list holding "Profile"'))

    if parse_datetime(credential.get("validFrom")) is None:
        problems.append(_("validFrom must be a date-time with a time zone"))
    if "validUntil" in credential and parse_datetime(credential.get("validUntil")) is None:
        problems.append(_("validUntil must be a date-time with a time zone"))

    problems.extend(_subject_problems(credential.get("credentialSubject")))

    for key in ("evidence",):
        if key in credential and not isinstance(credential[key], list):
            problems.append(_("%(field)s must be a list") % {"field": key})

    if "credentialStatus" in credential:
        problems.extend(_status_entry_problems(credential["credentialStatus"]))

    proofs = credential.get("proof")
    if single_proof(credential) is None:
        problems.append(
            _("the credential must carry exactly one proof") if proofs else _("the credential is not signed")
        )
    return problems


def _subject_problems(subject: Any) -> list[str]:
    if not isinstance(subject, dict):
        return [_("credentialSubject must be one object")]
    problems = []
    if "AchievementSubject" not in _types(subject.get("type")):
        problems.append(_('credentialSubject.type must be a list holding "AchievementSubject"'))
    achievement = subject.get("achievement")
    if not isinstance(achievement, dict) or "Achievement" not in _types(achievement.get("type")):
        problems.append(_('credentialSubject.achievement must be an object of type ["Achievement"]'))
    identifiers = subject.get("identifier")
    if identifiers is not None and not (
        isinstance(identifiers, list)
        and all(isinstance(entry, dict) and entry.get("type") == "IdentityObject" for entry in identifiers)
    ):
        problems.append(_('credentialSubject.identifier must be a list of objects of type "IdentityObject"'))
    return problems


def _status_entry_problems(entry: Any) -> list[str]:
    if not isinstance(entry, dict):
        return [_("credentialStatus must be one object, not a list")]
    problems = []
    if entry.get("type") != "BitstringStatusListEntry":
        problems.append(_('credentialStatus.type must be "BitstringStatusListEntry"'))
    if entry.get("statusPurpose") != STATUS_PURPOSE:
        problems.append(_('credentialStatus.statusPurpose must be "%(purpose)s"') % {"purpose": STATUS_PURPOSE})
    if not isinstance(entry.get("statusListIndex"), str) or not _INDEX.match(entry["statusListIndex"]):
        problems.append(_("credentialStatus.statusListIndex must be a whole number written as a string"))
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        problems.append(_("credentialStatus.statusListCredential must be a URL"))
    elif entry.get("id") == url:
        problems.append(_("credentialStatus.id must not be the status list's URL"))
    return problems


def _issuer_key(report: _Report, name: str, method_id: Any, issuer_id: str, did_resolver: DidResolver) -> bytes | None:
    """The raw public key of `method_id` if the issuer's DID document allows it to sign assertions."""
    if not isinstance(method_id, str):
        report.add(name, False, _("The signature does not say which key made it."))
        return None
    try:
        did, _fragment = split_did_url(method_id)
    except DidError:
        report.add(name, False, _("The signing key %(key)s is not a key of a DID.") % {"key": method_id})
        return None
    if did != issuer_id:
        report.add(
            name,
            False,
            _("The credential was signed with a key of %(did)s, not of its issuer %(issuer)s.")
            % {"did": did, "issuer": issuer_id},
        )
        return None
    try:
        did_doc = did_resolver(did)
    except Exception:  # noqa: BLE001 - the caller's resolver; any failure means "not found"
        did_doc = None
    if not isinstance(did_doc, dict) or did_doc.get("id") != did:
        report.add(name, False, _("The issuer's DID document (%(did)s) could not be found.") % {"did": did})
        return None
    method = assertion_method(did_doc, method_id)
    if method is None:
        report.add(
            name, False, _("The issuer's DID document does not list %(key)s as a key for issuing.") % {"key": method_id}
        )
        return None
    if method.get("controller") != issuer_id:
        report.add(
            name,
            False,
            _("The signing key %(key)s is not controlled by the issuer %(issuer)s.")
            % {"key": method_id, "issuer": issuer_id},
        )
        return None
    if method.get("type") != "Multikey":
        report.add(name, False, _("The signing key %(key)s is not an Ed25519 Multikey.") % {"key": method_id})
        return None
    try:
        public_key = decode_ed25519_public_key(str(method.get("publicKeyMultibase", "")))
    except MultibaseError:
        report.add(name, False, _("The signing key %(key)s is not a valid Ed25519 public key.") % {"key": method_id})
        return None
    report.add(
        name,
        True,
        _("The credential was signed with %(key)s, a key of the issuer %(issuer)s.")
        % {"key": method_id, "issuer": issuer_id},
    )
    return public_key


def _signature(
    report: _Report,
    name: str,
    document: dict[str, Any],
    method_id: str,
    public_key: bytes,
    loader: PinnedDocumentLoader,
) -> bool:
    result = verify_proof(
        document,
        public_key_resolver=lambda requested: public_key if requested == method_id else None,
        loader=loader,
    )
    if result.ok:
        return report.add(name, True, _("The signature is valid: nothing in the credential has been changed."))
    return report.add(name, False, " ".join(result.reasons))


def _validity(report: _Report, credential: dict[str, Any], now: datetime) -> None:
    valid_from = parse_datetime(credential["validFrom"])
    assert valid_from is not None
    if valid_from - MAX_CLOCK_SKEW > now:
        report.add(
            "valid_from", False, _("The credential is not valid before %(date)s.") % {"date": credential["validFrom"]}
        )
    else:
        report.add("valid_from", True, _("The credential is valid from %(date)s.") % {"date": credential["validFrom"]})
    valid_until = parse_datetime(credential.get("validUntil"))
    if valid_until is None:
        report.add(EXPIRY, True, _("The credential does not expire."))
    elif valid_until < now:
        report.add(EXPIRY, False, _("The credential expired on %(date)s.") % {"date": credential["validUntil"]})
    else:
        report.add(EXPIRY, True, _("The credential is valid until %(date)s.") % {"date": credential["validUntil"]})


def _revocation(
    report: _Report,
    credential: dict[str, Any],
    issuer_id: str,
    did_resolver: DidResolver,
    status_fetcher: StatusFetcher,
    now: datetime,
    loader: PinnedDocumentLoader,
) -> None:
    entry = credential.get("credentialStatus")
    if entry is None:
        report.add(REVOCATION, True, _("The credential has no revocation list entry, so it cannot be revoked."))
        return
    url = entry["statusListCredential"]
    try:
        status_list = status_fetcher(url)
    except Exception:  # noqa: BLE001 - the caller's fetcher; any failure means "not retrieved"
        status_list = None
    if not isinstance(status_list, dict):
        report.add("status_list", False, _("The issuer's revocation list could not be retrieved."))
        return
    problems = _status_list_problems(status_list, url, issuer_id, now, loader)
    if problems:
        report.add(
            "status_list",
            False,
            _("The issuer's revocation list is not valid: %(problems)s.") % {"problems": "; ".join(problems)},
        )
        return
    try:
        undefined = dropped_terms(status_list, loader=loader)
    except Exception:  # noqa: BLE001 - pyld raises JsonLdError, and plain errors on odd input
        undefined = ["(unprocessable)"]
    if undefined:
        report.add("status_list", False, _("The issuer's revocation list has fields no vocabulary defines."))
        return
    proof = single_proof(status_list)
    assert proof is not None
    # The list must be signed by the credential's issuer, with a key its DID document allows.
    list_checks = _Report()
    public_key = _issuer_key(list_checks, "status_list", proof.get("verificationMethod"), issuer_id, did_resolver)
    if public_key is None or not _signature(
        list_checks, "status_list", status_list, proof["verificationMethod"], public_key, loader
    ):
        reason = next(check.message for check in list_checks.checks if not check.passed)
        report.add(
            "status_list", False, _("The issuer's revocation list is not authentic. %(reason)s") % {"reason": reason}
        )
        return
    try:
        bits = Bitstring.decode(status_list["credentialSubject"]["encodedList"])
        revoked = bits.get(int(entry["statusListIndex"]))
    except StatusListError as error:
        report.add(
            "status_list", False, _("The issuer's revocation list could not be read: %(error)s.") % {"error": error}
        )
        return
    report.add("status_list", True, _("The issuer's revocation list is authentic and current."))
    if revoked:
        report.add(REVOCATION, False, _("The issuer has revoked this credential."))
    else:
        report.add(REVOCATION, True, _("The issuer has not revoked this credential."))


def _status_list_problems(
    status_list: dict[str, Any], url: str, issuer_id: str, now: datetime, loader: PinnedDocumentLoader
) -> list[str]:
    size = _size(status_list)
    if size is None or size > MAX_STATUS_LIST_BYTES or not _depth(status_list, MAX_DEPTH):
        return [_("it is too large or not JSON")]
    problems = []
    contexts = status_list.get("@context")
    if not isinstance(contexts, list) or contexts[:1] != [CREDENTIALS_V2]:
        problems.append(_("@context must start with %(context)s") % {"context": CREDENTIALS_V2})
    elif not all(isinstance(c, str) and c in loader.urls for c in contexts):
        problems.append(_("@context names a vocabulary this verifier does not know"))
    if "BitstringStatusListCredential" not in _types(status_list.get("type")):
        problems.append(_('type must hold "BitstringStatusListCredential"'))
    if status_list.get("id") != url:
        problems.append(_("its id is not the URL it was fetched from"))
    issuer = status_list.get("issuer")
    list_issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    if list_issuer != issuer_id:
        problems.append(_("it was issued by someone else"))
    subject = status_list.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        problems.append(_('its subject must be one object of type "BitstringStatusList"'))
    elif subject.get("statusPurpose") != STATUS_PURPOSE:
        problems.append(_('its statusPurpose is not "%(purpose)s"') % {"purpose": STATUS_PURPOSE})
    elif not isinstance(subject.get("encodedList"), str):
        problems.append(_("it has no encodedList"))
    valid_from = parse_datetime(status_list.get("validFrom"))
    if "validFrom" in status_list and (valid_from is None or valid_from - MAX_CLOCK_SKEW > now):
        problems.append(_("it is not valid yet"))
    if "validUntil" in status_list:
        valid_until = parse_datetime(status_list.get("validUntil"))
        if valid_until is None or valid_until < now:
            problems.append(_("it is out of date"))
    if single_proof(status_list) is None:
        problems.append(_("it is not signed"))
    return problems
