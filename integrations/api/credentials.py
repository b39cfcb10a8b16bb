"""Verify a credential: by its validation code, or by posting its JSON; the verification page's own checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from badges.ob3.verify import MAX_BYTES, verify_credential
from badges.selectors import award_for_verification, did_resolver, status_fetcher, verification_for
from badges.services import award_code_normalize
from integrations.api.errors import ApiError
from integrations.api.schemas import ErrorOut

router = Router(tags=["credentials"])


class CheckOut(Schema):
    name: str
    passed: bool
    message: str


class VerificationOut(Schema):
    status: str
    summary: str
    checks: list[CheckOut]


class CredentialByCodeOut(Schema):
    code: str
    status: str
    name: str
    issuer: str
    holder: str | None
    awarded_at: datetime
    valid_until: datetime | None
    verification_url: str
    credential: dict[str, Any]


@router.post(
    "/verify",
    response={200: VerificationOut, 401: ErrorOut, 429: ErrorOut},
    summary="Verify a credential's JSON (Open Badges 3.0)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object", "description": "The credential"}}},
        }
    },
)
def credential_verify(request: HttpRequest) -> VerificationOut:
    """The verdict and every check with its sentence: a credential that does not verify is a 200 with status
    `invalid`, not an error (the request was understood)."""
    report = verify_credential(
        request.body,
        did_resolver=did_resolver,
        status_fetcher=status_fetcher,
        now=timezone.now(),
        max_bytes=MAX_BYTES,
    )
    return VerificationOut(
        status=report.status,
        summary=report.summary,
        checks=[CheckOut(name=check.name, passed=check.passed, message=check.message) for check in report.checks],
    )


@router.get(
    "/{code}",
    response={200: CredentialByCodeOut, 401: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    summary="A credential by its validation code, with its live status",
)
def credential_by_code(request: HttpRequest, code: str) -> CredentialByCodeOut:
    """The live status (valid, expired, revoked) and the signed credential as issued; the holder's name only when
    they chose to show it, as on the public page."""
    normal = award_code_normalize(code)
    award = award_for_verification(code=normal) if normal else None
    if award is None:
        raise ApiError(404, _("No credential has this validation code."))
    verification = verification_for(award=award)
    return CredentialByCodeOut(
        code=award.code,
        status=verification.status,
        name=verification.credential.get("name", ""),
        issuer=verification.issuer.get("name", ""),
        holder=verification.learner_name,
        awarded_at=award.awarded_at,
        valid_until=award.valid_until,
        verification_url=award.url,
        credential=verification.credential,
    )
