"""Verify app-issued credentials the way an outside verifier would: with our DID documents and lists."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.utils import timezone

from badges import selectors
from badges.models import Award
from badges.ob3.verify import VerificationReport, verify_credential


def verify_award(award: Award, *, now: datetime | None = None) -> VerificationReport:
    return verify_credential(
        award.credential_json,
        did_resolver=selectors.did_resolver,
        status_fetcher=selectors.status_fetcher,
        now=now or timezone.now(),
    )


def status_list_of(award: Award) -> dict[str, Any]:
    award.status_list.refresh_from_db()
    return json.loads(award.status_list.credential_json)
